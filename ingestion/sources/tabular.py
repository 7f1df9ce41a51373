"""Read a Vietnamese tabular export (CSV): reports and event logs alike.

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
from ingestion.sources.base import PARSE_ERROR, Extract, ReportFormatError
from ingestion.text import fold, nfc


@dataclass
class ReportLayout:
    path: Path
    encoding: str
    header_row: int  # 1-based line of the header in the file
    columns: list[str]  # canonical names; unknown headers as unmapped__<folded>
    keep: list[int]  # positions of the cells that become columns
    exclude_at: int | None  # position of the exclusion marker column, if any
    header_cells: int  # cells in the header row; a longer data row is malformed
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


def _map_header(cells: list[str], config: SourceConfig
                ) -> tuple[list[str], list[int], int | None]:
    names, keep, exclude_at = [], [], None
    for pos, cell in enumerate(cells):
        key = fold(cell)
        if not key or key in config.ignored_columns:
            continue
        canonical = config.canonical(cell)
        if canonical is not None and canonical == config.exclude_column:
            exclude_at = pos
            continue
        names.append(canonical or "unmapped__" + key.replace(" ", "_"))
        keep.append(pos)
    return names, keep, exclude_at


def read_layout(path: Path, config: SourceConfig) -> ReportLayout:
    encoding = detect_encoding(path)
    titles: list[str] = []
    required = sum(1 for c in config.columns if c.required)
    with path.open(encoding=encoding, newline="") as fh:
        for line_no, cells in enumerate(csv.reader(fh), start=1):
            if line_no > config.title_marker_rows:
                break
            known = sum(1 for c in cells if config.canonical(c))
            # The header is the first row where most of the known columns appear.
            if known >= max(2, required // 2):
                names, keep, exclude_at = _map_header(cells, config)
                return ReportLayout(path, encoding, line_no, names, keep, exclude_at,
                                    len(cells), _period_from_titles(titles, config))
            titles.extend(c for c in cells if c.strip())
    raise ReportFormatError(
        f"{path.name}: no header row with the {config.source} columns in the first "
        f"{config.title_marker_rows} rows (rule: header_found)"
    )


def iter_rows(layout: ReportLayout, config: SourceConfig,
              extract: Extract | None = None) -> Iterator[tuple[int, list[str]]]:
    """Yield (line number, cells) for each data row: values normalised by column type,
    totals skipped, excluded rows (e.g. state secrets) counted on ``extract``."""
    by_name = {c.name: c for c in config.columns}
    norms = [by_name[n].normaliser() if n in by_name else str.strip for n in layout.columns]
    positions = list(zip(layout.keep, norms, strict=True))
    width = max([*layout.keep, layout.exclude_at or 0], default=0) + 1
    missing = [None] * len(optional_missing(layout, config))
    with layout.path.open(encoding=layout.encoding, newline="") as fh:
        for line_no, cells in enumerate(csv.reader(fh), start=1):
            if line_no <= layout.header_row or not any(c.strip() for c in cells):
                continue
            if config.total_row_markers and any(
                fold(c) in config.total_row_markers for c in cells[:4]
            ):
                continue
            error = None
            if len(cells) > layout.header_cells and any(c.strip() for c in
                                                        cells[layout.header_cells:]):
                error = f"{len(cells)} cells, header has {layout.header_cells}"
            if len(cells) < width:
                cells = cells + [""] * (width - len(cells))
            if layout.exclude_at is not None and fold(cells[layout.exclude_at]) in (
                config.exclude_values
            ):
                if extract is not None:
                    extract.exclude(config.exclude_column or "excluded")
                continue
            # Windows-1258 files carry decomposed tone marks: compose them for storage.
            values = [norm(nfc(cells[pos]) if not cells[pos].isascii() else cells[pos])
                      for pos, norm in positions]
            yield line_no, [*values, *missing, error]


def optional_missing(layout: ReportLayout, config: SourceConfig) -> list[str]:
    """Optional columns this export lacks: landed as nulls, so the schema stays fixed."""
    return [c.name for c in config.stored_columns
            if not c.required and c.name not in layout.columns]


def read_tabular(path: Path, config: SourceConfig) -> Extract:
    layout = read_layout(path, config)
    columns = [*layout.columns, *optional_missing(layout, config), PARSE_ERROR]
    extract = Extract(columns, iter([]), layout.period)
    extract.rows = iter_rows(layout, config, extract)
    return extract
