"""Read a Vietnamese tabular export (CSV or XLSX): reports and event logs alike.

Such exports carry title rows above the header (the report name, the reporting
period), Vietnamese headers, sometimes over two rows with merged cells ("Số hồ sơ
tiếp nhận" over "Trực tuyến | Trực tiếp | Bưu chính"), numbers as ``1.234`` and a
closing "Tổng cộng" row that is not an agency. The reader finds the header, maps it
to canonical columns through the source's aliases and yields text rows one at a
time, so memory does not grow with the file.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from itertools import compress
from pathlib import Path

from ingestion.limits import Limits
from ingestion.limits import limits as current_limits
from ingestion.source_config import Column, SourceConfig
from ingestion.sources.base import (
    TRAILING_COLUMNS,
    Extract,
    LineTally,
    ReportFormatError,
    Row,
    RowBlock,
    invalid_values,
)
from ingestion.sources.text_lines import (
    PlainLines,
    Record,
    csv_records,
    one_by_one,
    split_lines,
)
from ingestion.text import Invalid, fold, nfc, printable, remembered


@dataclass
class ReportLayout:
    path: Path
    encoding: str | None  # None for XLSX
    header_row: int  # 1-based row of the (last) header row
    columns: list[str]  # canonical names; unknown headers as unmapped__<folded>
    keep: list[int]  # positions of the cells that become columns
    exclude_at: int | None  # position of the exclusion marker column, if any
    header_cells: int  # cells in the header row; a longer data row is malformed
    period: date | None
    limits: Limits
    delimiter: str = ","  # what separates a CSV's cells


def detect_encoding(path: Path) -> str:
    head = path.open("rb").read(65536)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        head.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        # A cut multi-byte character at the end of the sample is still UTF-8, and so
        # is text whose letters before the bad byte decoded as UTF-8 (Windows-1258
        # Vietnamese fails at its first letter): the stray byte is then reported on
        # its own line, not as Windows-1258 failing on the first accented letter.
        if exc.start >= len(head) - 3 or not head[:exc.start].isascii():
            return "utf-8"
        return "cp1258"  # Windows Vietnamese, what older desktop exports use


def _cell_text(value: object) -> str:
    """An XLSX cell as the text a CSV export would hold."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M:%S" if value.time() != datetime.min.time()
                              else "%d/%m/%Y")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _xlsx_records(path: Path, limits: Limits) -> Iterator[Record]:
    """Rows of the first sheet, streamed; a workbook that inflates past the limit is
    refused before a byte of it is decompressed."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            inflated = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as exc:
        raise ReportFormatError(f"not a readable XLSX workbook ({exc})", "xlsx_readable") from None
    if inflated > limits.xlsx_uncompressed_bytes:
        raise ReportFormatError(
            f"the workbook inflates to {inflated} bytes, more than the "
            f"{limits.xlsx_uncompressed_bytes} allowed (send large exports as CSV)", "xlsx_size")
    from openpyxl import load_workbook

    try:
        # read_only streams the sheet; merged cells come as a value and empty cells.
        book = load_workbook(path, read_only=True, data_only=True)
        try:
            for n, row in enumerate(book.worksheets[0].iter_rows(values_only=True), start=1):
                cells = list(row)
                while cells and cells[-1] is None:  # a sheet's stated width can lie
                    cells.pop()
                error = None
                if len(cells) > limits.cells_per_row:
                    error = f"{len(cells)} cells, more than {limits.cells_per_row} " \
                            "(rule: cells_per_row)"
                    del cells[limits.cells_per_row + 1:]
                yield Record(n, 1, [_cell_text(v) for v in cells], error)
        finally:
            book.close()
    except ReportFormatError:
        raise
    except Exception as exc:  # openpyxl and its XML parser fail in many ways on bad files
        raise ReportFormatError(f"the workbook cannot be read ({type(exc).__name__}: "
                                f"{str(exc)[:200]})", "xlsx_readable") from None


def file_records(path: Path, encoding: str | None, limits: Limits,
                 tally: LineTally | None = None, plain_blocks: bool = True,
                 delimiter: str = ",") -> Iterator[Record | PlainLines]:
    if encoding is None:
        yield from _xlsx_records(path, limits)
        return
    with path.open("rb") as fh:
        yield from csv_records(fh, limits, encoding, tally, plain_blocks=plain_blocks,
                               delimiter=delimiter)


def _period_from_titles(titles: list[str], config: SourceConfig) -> date | None:
    text = " ".join(fold(t) for t in titles)
    for pattern in config.period_patterns:
        m = re.search(pattern, text)
        if m:
            nums = [int(g) for g in m.groups()]
            # A yearly report ("Năm đánh giá: 2025") stands for its first month.
            year, month = nums[-1], nums[-2] if len(nums) > 1 else 1
            if not (1 <= month <= 12 and 1900 <= year <= 9999):
                raise ReportFormatError(f"the title states month {month} of year {year}, "
                                        "which is not a real reporting period", "period_valid")
            return date(year, month, 1)
    return None


def _two_row_header(upper: list[str], lower: list[str]) -> list[str]:
    """Headers of a two-row header: a merged upper cell spans the empty cells to its
    right, and each column's header is the upper text then the lower text."""
    width = max(len(upper), len(lower))
    upper = upper + [""] * (width - len(upper))
    lower = lower + [""] * (width - len(lower))
    out, span = [], ""
    for up, low in zip(upper, lower, strict=True):
        if up.strip():
            span = up
        elif not low.strip():
            span = ""
        out.append(f"{span} {low}".strip() if low.strip() else up)
    return out


def _canonical(config: SourceConfig, combined: str, lower: str | None) -> str | None:
    """A two-row header matches as a whole ('Đang giải quyết Quá hạn'), else by its
    lower cell alone ('Trực tuyến')."""
    return config.canonical(combined) or (config.canonical(lower) if lower else None)


def _unmapped_name(pos: int, key: str) -> str:
    """A landing column for a header no alias knows: unique by position and within
    PostgreSQL's 63-byte identifiers, so two long headers cannot collide."""
    return f"unmapped_{pos + 1}__{key.replace(' ', '_')}"[:63]


def _map_header(cells: list[str], lowers: list[str] | None, config: SourceConfig,
                limits: Limits) -> tuple[list[str], list[int], int | None]:
    width = len(cells)
    while width and not cells[width - 1].strip():
        width -= 1
    if width > limits.columns:
        raise ReportFormatError(f"the header has {width} columns, more than the "
                                f"{limits.columns} allowed", "column_limit")
    names, keep, exclude_at, seen = [], [], None, {}
    for pos, cell in enumerate(cells):
        key = fold(cell)
        if not key or config.ignores(key):
            continue
        low = lowers[pos] if lowers and pos < len(lowers) else None
        canonical = _canonical(config, cell, low)
        if canonical is not None and canonical in seen:
            raise ReportFormatError(
                f"columns {seen[canonical] + 1} and {pos + 1} ({printable(cell)!r}) are both "
                f"{canonical}", "header_unique")
        if canonical is not None:
            seen[canonical] = pos
        if canonical is not None and canonical == config.exclude_column:
            exclude_at = pos
            continue
        names.append(canonical or _unmapped_name(pos, key))
        keep.append(pos)
    return names, keep, exclude_at


def read_layout(path: Path, config: SourceConfig, limits: Limits | None = None,
                delimiter: str = ",") -> ReportLayout:
    """Where the header is and what its columns are. A CSV whose cells are separated
    by ';' or tabs (Excel's CSV on a Windows set to Vietnamese, where the comma is the
    decimal mark) is read with that separator."""
    limits = limits or current_limits()
    encoding = None if path.suffix.lower() in {".xlsx", ".xlsm"} else detect_encoding(path)
    titles: list[str] = []
    needed = max(2, sum(1 for c in config.columns if c.required) // 2)
    head: list[list[str]] = []
    for record in one_by_one(file_records(path, encoding, limits, delimiter=delimiter),
                             limits):
        head.append(record.cells)
        if len(head) > config.title_marker_rows + 1:
            break
    for i, cells in enumerate(head):
        single = sum(1 for c in cells if config.canonical(c))
        below = head[i + 1] if i + 1 < len(head) else []
        combined = _two_row_header(cells, below)
        double = sum(1 for c, low in zip(combined, below + [""] * len(combined), strict=False)
                     if _canonical(config, c, low))
        # A two-row header must find more than either of its rows alone (an empty
        # row above a one-row header is not an upper header row).
        lower = sum(1 for c in below if config.canonical(c))
        two_rows = double > max(single, lower)
        # The header is the first row where most of the required columns appear,
        # alone or together with the row below it.
        if (double if two_rows else single) >= needed:
            if two_rows:
                names, keep, exclude_at = _map_header(combined, below, config, limits)
                row, width = i + 2, len(combined)
            else:
                names, keep, exclude_at = _map_header(cells, None, config, limits)
                row, width = i + 1, len(cells)
            return ReportLayout(path, encoding, row, names, keep, exclude_at, width,
                                _period_from_titles(titles, config), limits, delimiter)
        titles.extend(c for c in cells if c.strip())
    if encoding is not None and delimiter == ",":  # a CSV: maybe another separator
        separator = _other_separator(head, config, needed)
        if separator is not None:
            return read_layout(path, config, limits, separator)
    raise ReportFormatError(
        f"no header row with the {config.source} columns in the first "
        f"{config.title_marker_rows} rows", "header_found")


def _other_separator(head: list[list[str]], config: SourceConfig, needed: int) -> str | None:
    """The separator (';' or a tab) that splits a row of the file's head into the
    source's header, when commas do not."""
    for separator in (";", "\t"):
        for cells in head:
            line = ",".join(cells)  # the row as written, near enough to split again
            if sum(1 for c in line.split(separator) if config.canonical(c)) >= needed:
                return separator
    return None


def iter_rows(layout: ReportLayout, config: SourceConfig, extract: Extract | None = None,
              plain_blocks: bool = True) -> Iterator[Row | RowBlock]:
    """Yield (line number, cells) for each data row: values normalised by column type,
    totals skipped, excluded rows (e.g. state secrets) counted on ``extract``, and
    every physical line counted in ``extract.lines`` (text formats).
    ``plain_blocks=False`` reads every record on its own (the reference the
    column-wise reading of plain lines is tested against)."""
    by_name = {c.name: c for c in config.columns}
    readers = [_CellReader(by_name.get(n)) for n in layout.columns]
    positions = list(zip(layout.keep, readers, strict=True))
    width = max([*layout.keep, layout.exclude_at or 0], default=0) + 1
    missing = [None] * len(optional_missing(layout, config))
    blank_row = [None] * (len(layout.columns) + len(missing))
    checked = [i for i, n in enumerate(layout.columns)
               if n in by_name and by_name[n].type == "timestamp"]
    tally = extract.lines if extract is not None else None

    def skip_lines(lines: int, reason: str | None = None, records: int = 1) -> None:
        if tally is not None:
            tally.excluded += lines
        if reason is not None and extract is not None:
            extract.exclude(reason, records)

    def skip(record: Record, reason: str | None = None) -> None:
        skip_lines(record.lines, reason)

    def row(record: Record) -> Iterator[tuple[int, list[str | None]]]:
        cells, error = record.cells, record.error
        if error is None and not any(c.strip() for c in cells):
            return skip(record)
        if error is None and config.total_row_markers and any(
            fold(c) in config.total_row_markers for c in cells[:4]
        ):
            return skip(record)
        if tally is not None and record.lines > 1:
            tally.extra[record.line] = record.lines - 1
        if not cells:  # nothing of the record could be read
            yield record.line, [*blank_row, error, None]
            return
        if error is None and len(cells) > layout.header_cells and any(
                c.strip() for c in cells[layout.header_cells:]):
            error = (f"{len(cells)} cells, header has {layout.header_cells} "
                     "(rule: cells_match_header)")
        if len(cells) < width:
            cells = cells + [""] * (width - len(cells))
        if error is None and layout.exclude_at is not None and fold(
                cells[layout.exclude_at]) in config.exclude_values:
            tally and tally.extra.pop(record.line, None)
            return skip(record, config.exclude_column or "excluded")
        values = [read.one(cells[pos]) for pos, read in positions]
        yield record.line, [*values, *missing, error, invalid_values(
            layout.columns, values, checked) if Invalid in map(type, values) else None]

    # Plain lines are read a column at a time, into a RowBlock: a cell then costs a
    # C-level look-up instead of a trip through the per-record checks (the same
    # checks, made on the whole block at once). A block the checks do not clear is
    # read record by record.
    plain_ok = not config.total_row_markers and layout.header_cells <= \
        layout.limits.cells_per_row

    def plain(block: PlainLines) -> RowBlock | None:
        rows = block.cells()
        if set(map(len, rows)) != {layout.header_cells}:
            return None
        columns = list(zip(*rows, strict=True))
        if not all(map(str.strip, columns[0])):  # a blank first cell: maybe a blank row
            return None
        numbers: Sequence[int] = range(block.first, block.first + len(rows))
        if layout.exclude_at is not None:
            marks = list(map(fold, columns[layout.exclude_at]))
            if config.exclude_values.intersection(marks):
                kept = [m not in config.exclude_values for m in marks]
                dropped = kept.count(False)
                skip_lines(dropped, config.exclude_column or "excluded", dropped)
                numbers = list(compress(numbers, kept))
                columns = [list(compress(column, kept)) for column in columns]
        values = [read.column(columns[pos]) for pos, read in positions]
        nothing = [None] * len(numbers)
        notes = nothing
        if any(Invalid in map(type, values[i]) for i in checked):
            notes = [invalid_values(layout.columns, row, checked)
                     for row in zip(*values, strict=True)]
        # Normalisers add no tab, backslash or line break: the lines' own are the only
        # ones. In a tab-separated file the tabs are the separators, and a value holds
        # one only inside quotes.
        text = "".join(block.lines)
        tab_in_a_value = "\t" in text and (layout.delimiter != "\t" or '"' in text)
        return RowBlock(numbers, [*values, *[nothing] * len(missing), nothing, notes],
                        text_safe=not tab_in_a_value and "\\" not in text)

    index = 0
    for item in file_records(layout.path, layout.encoding, layout.limits, tally,
                             plain_blocks, layout.delimiter):
        if type(item) is PlainLines and index < layout.header_row < index + len(item.lines):
            # The titles and the header end inside this block: the rest is data.
            above = layout.header_row - index
            skip_lines(above)
            index, item = layout.header_row, item.after(above)
        if type(item) is PlainLines and plain_ok and index >= layout.header_row:
            block = plain(item)
            if block is not None:
                index += len(item.lines)
                if block.numbers:
                    yield block
                continue
        for record in one_by_one([item], layout.limits):
            index += 1
            if index <= layout.header_row:
                skip(record)
            elif record.raw and record.error is None and \
                    len(record.cells) != layout.header_cells:
                # A quote that spans lines where no cell does: each line stands alone.
                for part in split_lines(record.line, record.raw, "a quoted cell runs over "
                                        f"{record.lines} lines and the record does not "
                                        "fit the header (rule: quote_closed)",
                                        layout.delimiter):
                    yield from row(part)
            else:
                yield from row(record)


class _CellReader:
    """Cell text -> the value landed: tone marks composed (Windows-1258 files carry
    them decomposed), then the column's normaliser. A column whose values repeat
    remembers them: a cell then costs a dictionary look-up."""

    REMEMBERED = 1 << 17  # values per column; past it the memory starts afresh

    def __init__(self, column: Column | None):
        self.norm = column.normaliser() if column is not None else str.strip
        repeats = column is not None and column.repeats
        self.one = remembered(self._read, self.REMEMBERED) if repeats else self._read
        self.plain = not repeats and self.norm is str.strip  # text kept as it came

    def _read(self, cell: str) -> str:
        return self.norm(cell) if cell.isascii() else self.norm(nfc(cell))

    def column(self, cells: Sequence[str]) -> list[str]:
        """The values of a column of cells, with as little Python per cell as can be."""
        if self.plain and "".join(cells).isascii():
            return list(map(str.strip, cells))
        return list(map(self.one, cells))


def optional_missing(layout: ReportLayout, config: SourceConfig) -> list[str]:
    """Optional columns this export lacks: landed as nulls, so the schema stays fixed."""
    return [c.name for c in config.stored_columns
            if not c.required and c.name not in layout.columns]


def read_tabular(path: Path, config: SourceConfig, plain_blocks: bool = True) -> Extract:
    layout = read_layout(path, config)
    columns = [*layout.columns, *optional_missing(layout, config), *TRAILING_COLUMNS]
    extract = Extract(columns, iter([]), layout.period,
                      lines=LineTally() if layout.encoding is not None else None)
    extract.items = iter_rows(layout, config, extract, plain_blocks)
    return extract
