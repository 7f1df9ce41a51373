"""Read a Vietnamese tabular report exported as CSV.

Such reports carry title rows above the header (the report name, the reporting
period), Vietnamese headers, numbers as ``1.234`` and a closing "Tổng cộng" row
that is not an agency. The reader finds the header row, maps headers to canonical
columns through the source's aliases and yields text rows one at a time, so memory
does not grow with the file.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ingestion.source_config import SourceConfig
from ingestion.text import fold, nfc, normalise_count


class ReportFormatError(ValueError):
    """The file cannot be read as a report of this source at all (table-level)."""


@dataclass
class ReportLayout:
    path: Path
    encoding: str
    header_row: int  # 1-based line of the header in the file
    columns: list[str]  # canonical names; unknown headers as unmapped__<folded>
    keep: list[int]  # positions of the cells that become columns
    period: date | None


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
        # A cut multi-byte character at the end of the sample is still UTF-8.
        if exc.start >= len(head) - 3:
            return "utf-8"
        return "cp1258"  # Windows Vietnamese, what older desktop exports use


def _period_from_titles(titles: list[str], config: SourceConfig) -> date | None:
    text = " ".join(fold(t) for t in titles)
    for pattern in config.period_patterns:
        m = re.search(pattern, text)
        if not m:
            continue
        nums = [int(g) for g in m.groups()]
        month, year = nums[-2], nums[-1]
        return date(year, month, 1)
    return None


def _map_header(cells: list[str], config: SourceConfig) -> tuple[list[str], list[int]]:
    names, keep = [], []
    for pos, cell in enumerate(cells):
        key = fold(cell)
        if not key or key in config.ignored_columns:
            continue
        canonical = config.canonical(cell)
        names.append(canonical or "unmapped__" + key.replace(" ", "_"))
        keep.append(pos)
    return names, keep


def read_layout(path: Path, config: SourceConfig) -> ReportLayout:
    encoding = detect_encoding(path)
    titles: list[str] = []
    with path.open(encoding=encoding, newline="") as fh:
        for line_no, cells in enumerate(csv.reader(fh), start=1):
            if line_no > config.title_marker_rows:
                break
            known = sum(1 for c in cells if config.canonical(c))
            # The header is the first row where most of the known columns appear.
            if known >= max(2, len(config.columns) // 2):
                names, keep = _map_header(cells, config)
                return ReportLayout(path, encoding, line_no, names, keep,
                                    _period_from_titles(titles, config))
            titles.extend(c for c in cells if c.strip())
    raise ReportFormatError(
        f"{path.name}: no header row with the {config.source} columns in the first "
        f"{config.title_marker_rows} rows (rule: header_found)"
    )


def iter_rows(layout: ReportLayout, config: SourceConfig) -> Iterator[tuple[int, list[str]]]:
    """Yield (line number, cells) for each data row, numbers normalised, totals skipped."""
    counts = {i for i, n in enumerate(layout.columns) if n in config.count_columns}
    with layout.path.open(encoding=layout.encoding, newline="") as fh:
        for line_no, cells in enumerate(csv.reader(fh), start=1):
            if line_no <= layout.header_row or not any(c.strip() for c in cells):
                continue
            if any(fold(c) in config.total_row_markers for c in cells):
                continue
            cells = cells + [""] * (max(layout.keep, default=0) + 1 - len(cells))
            # Windows-1258 files carry decomposed tone marks: compose them for storage.
            values = [nfc(cells[pos].strip()) for pos in layout.keep]
            yield line_no, [
                normalise_count(v) if i in counts else v for i, v in enumerate(values)
            ]
