"""Property tests: whatever bytes a reader is given, it yields rows or raises the one
clean rejection (ReportFormatError), and every physical line it read is accounted
for (in a yielded record or counted as excluded)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingestion.sources import get_source
from ingestion.sources.base import ReportFormatError
from tests import hostile

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


def _write(data: bytes, suffix: str) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="dti-prop-"))
    path = folder / f"export_2025-04{suffix}"
    path.write_bytes(data)
    return path


@SETTINGS
@given(source=st.sampled_from(sorted(SUFFIXES)), data=st.binary(max_size=4096),
       pick=st.integers(0, 2))
def test_random_bytes_are_read_or_cleanly_rejected(source, data, pick):
    suffixes = SUFFIXES[source]
    read_all(source, _write(data, suffixes[pick % len(suffixes)]))


def _base(source: str) -> bytes:
    folder = Path(tempfile.mkdtemp(prefix="dti-base-"))
    path = (hostile.report(folder) if source == "public_services"
            else hostile.document_log(folder, per_agency=2))
    return path.read_bytes()


BASES = {s: _base(s) for s in ("public_services", "document_logs")}
NASTY = ['"', "\n", "\r", ",", "\x00", '""', "\r\n", ";", "\ufeff", "Đ", "\t", "9" * 30]


def _quoted_cell(text: str, where: float, column: int, value: str) -> str:
    """Replace one cell of one line by a quoted value (which may span lines)."""
    lines = text.split("\r\n")
    i = int(where * (len(lines) - 1))
    cells = lines[i].split(",")
    cells[column % len(cells)] = '"' + value.replace('"', '""') + '"'
    lines[i] = ",".join(cells)
    return "\r\n".join(lines)


@SETTINGS
@given(source=st.sampled_from(sorted(BASES)),
       edits=st.lists(st.tuples(st.floats(0, 1), st.sampled_from(NASTY), st.booleans()),
                      max_size=8),
       cells=st.lists(st.tuples(st.floats(0, 1), st.integers(0, 20),
                                st.text(alphabet="ab\n\r,\"", max_size=12)), max_size=4))
def test_mangled_exports_keep_every_line_accounted_for(source, edits, cells):
    """A real export with cells quoted over several lines, and quotes, line breaks,
    NULs and separators put in or taken out at random places: still read or refused
    cleanly, and no line goes missing."""
    text = BASES[source].decode("utf-8-sig")
    for where, column, value in cells:
        text = _quoted_cell(text, where, column, value)
    for where, piece, insert in edits:
        at = int(where * len(text))
        text = text[:at] + piece + text[at:] if insert else text[:at] + text[at + 1:]
    read_all(source, _write(("\ufeff" + text).encode("utf-8", "surrogatepass"), ".csv"))
