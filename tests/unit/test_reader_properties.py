"""Property tests: whatever bytes a reader is given, it yields rows or raises the one
clean rejection (ReportFormatError), and every physical line it read is accounted
for (in a yielded record or counted as excluded)."""

from __future__ import annotations

import csv
import io
import json
import tempfile
from dataclasses import replace
from pathlib import Path
from unittest.mock import patch

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingestion.limits import limits as current_limits
from ingestion.sources import decoded_text, get_source, tabular
from ingestion.sources.base import LineTally, ReportFormatError
from ingestion.sources.decoded_text import DecodedText
from ingestion.sources.json_records import as_text
from ingestion.sources.tabular import file_records, read_layout, read_tabular
from ingestion.sources.text_lines import PlainLines, Record, csv_records, one_by_one
from ingestion.text import to_cp1258_form
from tests import hostile
from tests.mangling import BASES, CELLS, EDITS, PLAIN, mangled, write

SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])
SUFFIXES = {"public_services": [".csv", ".json", ".xlsx"],
            "document_logs": [".csv", ".jsonl"],
            "soc_alerts": [".csv", ".json"],
            "self_assessment": [".csv"]}


def read_all(source: str, path: Path) -> None:
    """Read the file as the loader does; check the line accounting if it has lines."""
    spec = get_source(source)
    try:
        extract = spec.read(path, spec.config)
        rows = list(extract.rows)
    except ReportFormatError as exc:
        assert exc.rule and exc.reason
        return
    tally = extract.lines
    if tally is not None:
        assert set(tally.extra) <= {n for n, _ in rows}
        in_rows = len(rows) + sum(tally.extra.values())
        assert tally.read == in_rows + tally.excluded, (tally, len(rows))
    for _, values in rows:
        assert len(values) == len(extract.columns)
        for v in values:
            assert v is None or ("\x00" not in v and not any(
                "\ud800" <= ch <= "\udfff" for ch in v))  # storable as PostgreSQL text


@SETTINGS
@given(source=st.sampled_from(sorted(SUFFIXES)), data=st.binary(max_size=4096),
       pick=st.integers(0, 2))
def test_random_bytes_are_read_or_cleanly_rejected(source, data, pick):
    suffixes = SUFFIXES[source]
    read_all(source, write(data, suffixes[pick % len(suffixes)]))


@SETTINGS
@given(source=st.sampled_from(sorted(BASES)), edits=EDITS, cells=CELLS)
def test_mangled_exports_keep_every_line_accounted_for(source, edits, cells):
    """A real export with cells quoted over several lines, and quotes, line breaks,
    NULs and separators put in or taken out at random places: still read or refused
    cleanly, and no line goes missing."""
    read_all(source, write(mangled(source, edits, cells), ".csv"))


# Plain lines are read in blocks (decoded_text) and a column at a time (tabular);
# everything else line by line. Whatever the bytes, both ways must read the same.

def _records(data: bytes, limits, plain_blocks: bool):
    tally = LineTally()
    try:
        records = list(one_by_one(csv_records(io.BytesIO(data), limits, "utf-8-sig", tally,
                                              plain_blocks=plain_blocks), limits))
    except ReportFormatError as exc:
        return str(exc)
    return records, tally


@SETTINGS
@given(text=st.text(alphabet="ab,é\r\n\"\x00", max_size=300), limit=st.integers(1, 40),
       block=st.integers(1, 64))
def test_decoded_text_reads_lines_as_a_text_file_does(text, limit, block):
    data = text.encode("utf-8")
    expected = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", newline="")
    with patch.object(decoded_text, "BLOCK_BYTES", block):
        got = DecodedText(io.BytesIO(data), "utf-8")
        while True:
            line = expected.readline(limit)
            assert got.readline(limit) == line
            if not line:
                break


@SETTINGS
@given(source=st.sampled_from(sorted(BASES)), edits=EDITS, cells=CELLS,
       block=st.sampled_from([7, 64, 1000, 1 << 16]), line_chars=st.integers(20, 400),
       cells_per_row=st.integers(2, 20))
def test_plain_blocks_read_the_records_the_careful_reading_does(source, edits, cells, block,
                                                               line_chars, cells_per_row):
    data = mangled(source, edits, cells)
    limits = replace(current_limits(), line_chars=line_chars, field_chars=line_chars // 2,
                     record_chars=line_chars * 3, cells_per_row=cells_per_row)
    with patch.object(decoded_text, "BLOCK_BYTES", block):
        assert _records(data, limits, True) == _records(data, limits, False)


def _swapped(text: str, separator: str) -> str:
    return text.translate(str.maketrans({",": separator, separator: ","}))


@SETTINGS
@given(source=st.sampled_from(sorted(BASES)), edits=EDITS, cells=CELLS,
       separator=st.sampled_from([";", "\t"]), plain_blocks=st.booleans(),
       block=st.sampled_from([64, 1000, 1 << 16]))
def test_a_file_separated_otherwise_reads_as_its_comma_twin(source, edits, cells, separator,
                                                            plain_blocks, block):
    """Commas and the other separator swapped in a mangled export: read with that
    separator, the same records, errors and lines, the two characters swapped back."""
    data = mangled(source, edits, cells)
    twin = _swapped(data.decode("utf-8-sig", "surrogateescape"), separator).encode(
        "utf-8-sig", "surrogateescape")
    limits = current_limits()

    def read(raw: bytes, delimiter: str):
        tally = LineTally()
        try:
            return [(r.line, r.lines, r.cells, r.error, r.raw) for r in one_by_one(
                csv_records(io.BytesIO(raw), limits, "utf-8-sig", tally,
                            plain_blocks=plain_blocks, delimiter=delimiter), limits)
            ], tally.read
        except ReportFormatError as exc:
            return str(exc)

    with patch.object(decoded_text, "BLOCK_BYTES", block):
        expected = read(data, ",")
        got = read(twin, separator)
    if isinstance(expected, str):
        assert isinstance(got, str)
        return
    back = [(line, lines, [_swapped(c, separator) for c in cells], error,
             raw and [_swapped(x, separator) for x in raw])
            for line, lines, cells, error, raw in got[0]]
    assert (back, got[1]) == expected


@SETTINGS
@given(source=st.sampled_from(sorted(BASES)), edits=EDITS, cells=CELLS, plain=PLAIN,
       block=st.sampled_from([64, 400, 1000, 1 << 16]))
def test_column_wise_reading_lands_the_rows_the_record_wise_reading_does(source, edits,
                                                                        cells, plain, block):
    """Column-wise, over blocks of any size (the header's block is read record by
    record): the same rows, exclusions and line counts."""
    path = write(mangled(source, edits, cells, plain), ".csv")
    config = get_source(source).config

    def read(plain_blocks: bool):
        try:
            extract = read_tabular(path, config, plain_blocks)
            return list(extract.rows), extract.excluded, extract.lines
        except ReportFormatError as exc:
            return str(exc)

    with patch.object(decoded_text, "BLOCK_BYTES", block):
        assert read(True) == read(False)


def test_sample_logs_are_read_in_plain_blocks_a_column_at_a_time():
    """The properties above compare the two ways; this makes sure a sample log takes
    the fast way at all (its state secrets excluded a block at a time)."""
    config = get_source("document_logs").config
    path = hostile.document_log(Path(tempfile.mkdtemp(prefix="dti-plain-")), per_agency=60)
    layout = read_layout(path, config)
    items = list(file_records(path, layout.encoding, layout.limits))
    assert all(isinstance(i, PlainLines) for i in items)
    original = tabular._CellReader.column
    with patch.object(tabular._CellReader, "column", autospec=True,
                      side_effect=original) as column:
        extract = read_tabular(path, config)
        rows = list(extract.rows)
    assert column.call_count >= len(layout.columns)
    assert len(rows) + sum(extract.excluded.values()) == sum(len(i.lines) for i in items) - 1


def test_quoted_lines_are_read_in_blocks_until_a_quote_runs_on(tmp_path):
    """An export that quotes every cell takes the block reading too (read record by
    record it took ~4x as long); a cell quoted over two lines ends a block, is read
    carefully, and the blocks resume after it: the same records and rows either way."""
    plain = hostile.document_log(tmp_path, per_agency=60)
    with plain.open(encoding="utf-8-sig", newline="") as fh:
        records = list(csv.reader(fh))
    middle = len(records) // 2
    records[middle][9] = "Nguyễn Văn\r\nAn"  # the handler's name over two lines
    quoted = tmp_path / "qlvb_2025-05.csv"
    with quoted.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh, lineterminator="\r\n", quoting=csv.QUOTE_ALL).writerows(records)
    data, limits = quoted.read_bytes(), current_limits()

    items = list(csv_records(io.BytesIO(data), limits, "utf-8-sig"))
    kinds = [type(i).__name__ for i in items]
    assert kinds.count("Record") == 1 and set(kinds) == {"PlainLines", "Record"}, kinds
    assert 0 < kinds.index("Record") < len(kinds) - 1  # blocks before and after it
    (spanning,) = [i for i in items if isinstance(i, Record)]
    assert (spanning.line, spanning.lines) == (middle + 1, 2)
    assert spanning.cells[9] == "Nguyễn Văn\r\nAn"
    assert _records(data, limits, True) == _records(data, limits, False)

    config = get_source("document_logs").config
    rows = {blocks: list(read_tabular(quoted, config, blocks).rows) for blocks in (True, False)}
    assert rows[True] == rows[False]
    assert len(rows[True]) + 2 > len(records) - 1 - 10  # all but the state secrets


@pytest.mark.parametrize("encoding", ["utf-8", "cp1258"])
def test_an_undecodable_byte_is_reported_on_its_own_line(tmp_path, encoding):
    """Far past the first block the text is decoded in, the line is still exact."""
    good = "".join(f"VB-{n},000.00.01.H49,Đến\r\n" for n in range(1, 9000))
    if encoding == "cp1258":
        good = to_cp1258_form(good)  # the tone marks apart, as Windows-1258 holds them
    data = good.encode(encoding) + b"VB-9000,\x81\x81,x\r\n" + b"VB-9001,a,b\r\n"
    with pytest.raises(ReportFormatError) as caught:
        list(one_by_one(csv_records(io.BytesIO(data), current_limits(), encoding),
                        current_limits()))
    assert caught.value.rule == "encoding"
    assert caught.value.reason.startswith(f"line 9000 is not valid {encoding} ")
    assert len(data) > 3 * decoded_text.BLOCK_BYTES


def test_a_stray_byte_in_a_small_utf8_export_is_reported_as_utf8_on_its_line(tmp_path):
    """The encoding is guessed from the first 64 KiB. A UTF-8 export with a stray byte
    inside them is still UTF-8: the byte is named on its line, not the file refused as
    Windows-1258 at its first accented letter."""
    rows = "".join(f"VB-{n},000.00.01.H49,Đến\r\n" for n in range(1, 300)).encode()
    path = tmp_path / "qlvb_stray_2025-04.csv"
    path.write_bytes(rows + b"VB-300,\xff,x\r\n")
    assert tabular.detect_encoding(path) == "utf-8"
    with pytest.raises(ReportFormatError) as caught:
        list(one_by_one(csv_records(io.BytesIO(path.read_bytes()), current_limits(),
                                    tabular.detect_encoding(path)), current_limits()))
    assert caught.value.reason.startswith("line 300 is not valid utf-8 ")
    # Windows-1258 text still reads as Windows-1258.
    path.write_bytes(to_cp1258_form(rows.decode()).encode("cp1258"))
    assert tabular.detect_encoding(path) == "cp1258"


@SETTINGS
@given(value=st.lists(st.text(max_size=6), max_size=4) | st.lists(
    st.text(max_size=3) | st.integers() | st.none(), max_size=3))
def test_a_json_list_lands_as_the_json_text_it_was(value):
    """Lists of texts are written once per distinct list; the text is json.dumps's."""
    assert as_text(value) == json.dumps(value, ensure_ascii=False)
    assert as_text(list(value)) == as_text(value)  # again, from the remembered text


@pytest.mark.parametrize("plain_blocks", [True, False])
def test_a_quote_never_closed_gives_back_the_lines_it_swallowed_past_a_nul(plain_blocks):
    """A quote opened on line 3 and never closed swallows the rest of the file; a NUL
    byte further down made the whole swallowed record one quarantined row (the lines
    after line 3, good ones too). Now each line is read again on its own, and the line
    with the NUL alone falls for it."""
    data = b'h1,h2\na,b\nc,"d\ne,f\ng\x00,h\ni,j\n'
    limits = current_limits()
    records = list(one_by_one(csv_records(io.BytesIO(data), limits, "utf-8",
                                          plain_blocks=plain_blocks), limits))
    assert [(r.line, r.lines, r.cells) for r in records] == [
        (1, 1, ["h1", "h2"]), (2, 1, ["a", "b"]), (3, 1, ["c", "d\n"]), (4, 1, ["e", "f"]),
        (5, 1, ["g\ufffd", "h"]), (6, 1, ["i", "j"])]
    assert [(r.line, r.error and r.error.split("(rule: ")[1]) for r in records if r.error] == [
        (3, "quote_closed)"), (5, "no_nul_bytes)")]
