"""Physical lines of a text export, read with bounds, and the CSV records they make.

``csv.reader`` on a file object loses track of lines: an unterminated quote turns
the rest of the file into one record, and a record is counted where lines vanished.
Here every line passes through a tap that counts it, caps its length, and keeps
the lines of the record being read, so a structurally broken record is split back
into its lines: the broken line is quarantined, the lines after it are read again
as records of their own. Nothing disappears into a neighbour.

Plain lines (``decoded_text``) skip the tap: each is a record on its own, split at
its commas, which is what csv.reader makes of it, or, in a block with a quote, by
csv.reader over the block's lines at once; the careful reading takes over at the
first line that is not plain or whose quote runs on past its end, for one record
at a time.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO, BinaryIO

from ingestion.limits import Limits
from ingestion.sources.base import LineTally, ReportFormatError
from ingestion.sources.decoded_text import DecodedText


@dataclass
class Record:
    line: int  # physical line the record starts on (1-based)
    lines: int  # physical lines it spans
    cells: list[str]
    error: str | None = None  # why it cannot be read as a record
    raw: list[str] | None = None  # its lines, kept only when it spans several


@dataclass
class PlainLines:
    """Consecutive plain lines (see ``decoded_text``): each a record by itself, its
    cells the line split at the commas, or as csv.reader read them (``csv_cells``)."""

    first: int  # physical line of the first
    lines: list[str]  # without their line ends
    csv_cells: list[list[str]] | None = None  # each line's cells, if a line has a quote
    delimiter: str = ","

    def cells(self) -> list[list[str]]:
        """Each line's cells (an empty line's: [""] split, [] read as CSV)."""
        if self.csv_cells is not None:
            return self.csv_cells
        return [line.split(self.delimiter) for line in self.lines]

    def after(self, skipped: int) -> PlainLines:
        return PlainLines(self.first + skipped, self.lines[skipped:],
                          self.csv_cells and self.csv_cells[skipped:], self.delimiter)

    def records(self, limits: Limits) -> Iterator[Record]:
        for i, (body, cells) in enumerate(zip(self.lines, self.cells(), strict=True)):
            yield _record(self.first + i, 1, cells if body else [], limits)


def _lines_read_alone(lines: list[str], delimiter: str) -> list[list[str]]:
    """The cells of the leading lines that csv.reader reads as a record each: up to
    the first whose quote runs on past its end (or that it cannot read)."""
    # The empty line after the last is read into it when its quote runs on.
    reader = csv.reader([*lines, ""], delimiter=delimiter)
    rows: list[list[str]] = []
    try:
        for cells in reader:
            if len(rows) == len(lines) or reader.line_num != len(rows) + 1:
                break
            rows.append(cells)
    except csv.Error:
        pass
    return rows


def one_by_one(items: Iterable[Record | PlainLines], limits: Limits) -> Iterator[Record]:
    """The records of ``csv_records``, the plain lines among them too."""
    for item in items:
        if type(item) is PlainLines:
            yield from item.records(limits)
        else:
            yield item


class _LineTooLong(Exception):
    pass


class _RecordTooLarge(Exception):
    pass


class LineReader:
    """Iterator of the physical lines of a text file opened with ``newline=''`` (or
    of a DecodedText, which reads lines the same way)."""

    def __init__(self, fh: IO[str] | DecodedText, limits: Limits, encoding: str):
        self.fh, self.encoding = fh, encoding
        self.max_line, self.max_record = limits.line_chars, limits.record_chars
        self.count = 0  # physical lines read so far
        self.pending: list[str] = []  # lines of the record being read
        self.pending_chars = 0
        # csv.reader asks for another line mid-record only inside a quoted field: the
        # file ending then means a quote that is never closed.
        self.ended_in_quote = False
        # Lines of the record being read that held a NUL byte (PostgreSQL text cannot
        # hold one), and those of the record last taken.
        self.nul_lines: list[int] = []
        self.taken_nul: frozenset[int] = frozenset()

    def __iter__(self) -> LineReader:
        return self

    def __next__(self) -> str:
        if self.pending_chars > self.max_record:
            raise _RecordTooLarge
        try:
            line = self.fh.readline(self.max_line + 1)
        except UnicodeDecodeError as exc:
            raise ReportFormatError(
                f"line {self.count + 1} is not valid {self.encoding} "
                f"(byte {exc.object[exc.start:exc.start + 1]!r})", "encoding") from None
        if not line:
            self.ended_in_quote = bool(self.pending)
            raise StopIteration
        self.count += 1
        if len(line) > self.max_line and not line.endswith(("\n", "\r")):
            self._skip_rest_of_line()
            raise _LineTooLong
        if "\x00" in line:
            self.nul_lines.append(len(self.pending))
            line = line.replace("\x00", "\ufffd")
        self.pending.append(line)
        self.pending_chars += len(line)
        return line

    def _skip_rest_of_line(self) -> None:
        while True:
            try:
                chunk = self.fh.readline(1 << 16)
            except UnicodeDecodeError:
                raise ReportFormatError(f"line {self.count} is not valid {self.encoding}",
                                        "encoding") from None
            if not chunk or chunk.endswith(("\n", "\r")):
                return

    def take(self) -> list[str]:
        lines, self.pending, self.pending_chars = self.pending, [], 0
        self.taken_nul, self.nul_lines = frozenset(self.nul_lines), []
        return lines


def _csv_error(exc: csv.Error) -> str:
    if "field limit" in str(exc):
        return f"a cell longer than {csv.field_size_limit()} characters (rule: field_size)"
    return f"record cannot be read as CSV: {exc} (rule: csv_structure)"


def _alone(number: int, line: str, error: str | None = None, delimiter: str = ","
           ) -> Record:
    """One physical line read as a record by itself."""
    try:
        cells = next(csv.reader([line], delimiter=delimiter), [])
    except csv.Error as exc:
        return Record(number, 1, [], _csv_error(exc))
    return Record(number, 1, cells, error)


_NUL = "a cell holds a NUL byte, shown as U+FFFD (rule: no_nul_bytes)"


def split_lines(first: int, lines: list[str], reason: str, delimiter: str = ",",
                nul_at: frozenset[int] = frozenset()) -> Iterator[Record]:
    """A record that broke the CSV structure, as its lines read one by one: the
    first carries the reason, the others stand or fall on their own (a line that held
    a NUL byte, at ``nul_at``, falls)."""
    for i, line in enumerate(lines):
        yield _alone(first + i, line, reason if i == 0 else _NUL if i in nul_at else None,
                     delimiter)


def csv_records(fh: BinaryIO, limits: Limits, encoding: str,
                tally: LineTally | None = None, *, plain_blocks: bool = True,
                delimiter: str = ",") -> Iterator[Record | PlainLines]:
    """Every physical line of the file, in records, runs of plain lines as blocks;
    ``tally.read`` counts the lines. ``plain_blocks=False`` reads every line
    carefully (the reference the plain blocks are tested against)."""
    csv.field_size_limit(limits.field_chars)
    text = DecodedText(fh, encoding)
    tap = LineReader(text, limits, encoding)

    def careful() -> Iterator[list[str]]:
        return csv.reader(tap, delimiter=delimiter)

    def split(first: int, lines: list[str], reason: str) -> Iterator[Record]:
        return split_lines(first, lines, reason, delimiter, tap.taken_nul)

    reader = careful()
    # A plain line this long or shorter reaches neither the line nor the cell limit.
    longest = min(limits.line_chars, limits.field_chars) - 1
    while True:
        if tally is not None:
            tally.read = tap.count
        if plain_blocks:
            lines = text.plain_lines(longest)
            if lines == []:
                return
            cells = None
            if lines and text.quoted:
                cells = _lines_read_alone(lines, delimiter)
                if len(cells) < len(lines):
                    text.give_back(len(cells))
                    lines = lines[:len(cells)]
            if lines:
                yield PlainLines(tap.count + 1, lines, cells, delimiter)
                tap.count += len(lines)
                continue
        first = tap.count + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield from split(first, tap.take(), _csv_error(exc))
            reader = careful()
            continue
        except _RecordTooLarge:
            yield from split(first, tap.take(), f"record spans more than "
                             f"{limits.record_chars} characters (rule: record_size)")
            reader = careful()
            continue
        except _LineTooLong:
            yield from split(first, tap.take(), "record cut by an over-long line")
            yield Record(tap.count, 1, [], f"line longer than {limits.line_chars} "
                         "characters (rule: line_size)")
            reader = careful()
            continue
        lines = tap.take()
        # A quote never closed swallowed the lines after it: they are read again on
        # their own, whatever else the swallowed lines held.
        if tap.ended_in_quote and len(cells) <= limits.cells_per_row:
            yield from split(first, lines, "a quote opened on this line is never "
                             "closed (rule: quote_closed)")
        elif tap.taken_nul:
            yield Record(first, len(lines), cells, _NUL, lines if len(lines) > 1 else None)
        else:
            yield _record(first, len(lines), cells, limits, lines if len(lines) > 1 else None)


def _record(first: int, lines: int, cells: list[str], limits: Limits,
            raw: list[str] | None = None) -> Record:
    if len(cells) > limits.cells_per_row:
        # The first cells are kept (a header this wide is refused by its width).
        return Record(first, lines, cells[:limits.cells_per_row + 1],
                      f"{len(cells)} cells, more than {limits.cells_per_row} "
                      "(rule: cells_per_row)")
    return Record(first, lines, cells, None, raw)


def json_lines(fh: IO[str], limits: Limits, encoding: str,
               tally: LineTally) -> Iterator[tuple[int, str | None]]:
    """(line number, text) per physical line; text None for a line over the limit."""
    tap = LineReader(fh, limits, encoding)
    while True:
        tally.read = tap.count
        try:
            line = next(tap)
        except StopIteration:
            return
        except _LineTooLong:
            yield tap.count, None
            continue
        tap.take()
        yield tap.count, line
