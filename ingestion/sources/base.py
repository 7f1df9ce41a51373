"""What every reader hands the loader: landing columns and a stream of text rows."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date

from ingestion.text import Invalid

# Landing column that says why a record could not be read (malformed JSON, a CSV row
# longer than its header); null for every readable record.
PARSE_ERROR = "_parse_error"
# Landing column naming the values of a record that are not what their column holds
# ('received_at=31/02/2025 10:00'); null when every value could be read.
INVALID_VALUES = "_invalid_values"
TRAILING_COLUMNS = [PARSE_ERROR, INVALID_VALUES]


def invalid_values(names: list[str], values: list, positions: list[int]) -> str | None:
    """The note for INVALID_VALUES: which checked values a normaliser marked Invalid."""
    bad = [f"{names[i]}={values[i]}" for i in positions if type(values[i]) is Invalid]
    return "; ".join(bad) or None


class ReportFormatError(ValueError):
    """The file cannot be read as an export of this source at all (table-level):
    ``reason`` says what is wrong and where, ``rule`` names the rule it broke."""

    def __init__(self, reason: str, rule: str):
        self.reason, self.rule = reason, rule
        super().__init__(f"{reason} (rule: {rule})")


@dataclass
class LineTally:
    """Physical lines of a text export, so the ledger can account for every one:
    lines read = lines of loaded + quarantined records + lines excluded (titles,
    header, blank and total lines, excluded records)."""

    read: int = 0
    excluded: int = 0
    # Records spanning several lines (quoted newlines): record number -> extra lines.
    extra: dict[int, int] = field(default_factory=dict)


Row = tuple[int, list[str | None]]


@dataclass
class RowBlock:
    """Consecutive rows read a column at a time (plain CSV lines): their record
    numbers and their values by column, in the order of ``Extract.columns``.
    ``text_safe``: no value holds a tab, a backslash or a line break, so the block
    goes into COPY's text format as it is."""

    numbers: Sequence[int]
    columns: list[list[str | None]]
    text_safe: bool = False

    def rows(self) -> Iterator[Row]:
        return zip(self.numbers, map(list, zip(*self.columns, strict=True)), strict=True)


def each_row(items: Iterable[Row | RowBlock]) -> Iterator[Row]:
    for item in items:
        if type(item) is RowBlock:
            yield from item.rows()
        else:
            yield item  # type: ignore[misc]


@dataclass
class Extract:
    """One file, read lazily. ``items`` yields (line or record number, values) in the
    order of ``columns``, or runs of such rows as a RowBlock; ``rows`` yields them one
    by one (setting it replaces ``items``). Rows excluded by rule are counted, never
    yielded."""

    columns: list[str]
    items: Iterator[Row | RowBlock]
    period: date | None = None
    stream: str | None = None  # the system within the source family, when several send
    excluded: dict[str, int] = field(default_factory=dict)
    lines: LineTally | None = None  # None for formats without lines (XLSX, a JSON array)

    @property
    def rows(self) -> Iterator[Row]:
        return each_row(self.items)

    @rows.setter
    def rows(self, rows: Iterator[Row]) -> None:
        self.items = rows

    def exclude(self, reason: str, records: int = 1) -> None:
        self.excluded[reason] = self.excluded.get(reason, 0) + records
