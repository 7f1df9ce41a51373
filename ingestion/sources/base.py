"""What every reader hands the loader: landing columns and a stream of text rows."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

# Landing column that says why a record could not be read (malformed JSON, a CSV row
# longer than its header); null for every readable record.
PARSE_ERROR = "_parse_error"


class ReportFormatError(ValueError):
    """The file cannot be read as an export of this source at all (table-level)."""


@dataclass
class Extract:
    """One file, read lazily. ``rows`` yields (line or record number, values) in the
    order of ``columns``; rows excluded by rule are counted, never yielded."""

    columns: list[str]
    rows: Iterator[tuple[int, list[str | None]]]
    period: date | None = None
    stream: str | None = None  # the system within the source family, when several send
    excluded: dict[str, int] = field(default_factory=dict)

    def exclude(self, reason: str) -> None:
        self.excluded[reason] = self.excluded.get(reason, 0) + 1
