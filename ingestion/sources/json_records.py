"""Read JSON exports: JSON Lines (one object per line) or one JSON array.

Each canonical column is found through its JSON paths (``alert.signature``); the
first path present wins, so one config can read several systems' layouts. A line
that is not valid JSON is not dropped: it lands with ``_parse_error`` set, and
validation quarantines it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

from ingestion.source_config import Column, SourceConfig
from ingestion.sources.base import TRAILING_COLUMNS, Extract, invalid_values
from ingestion.text import fold


def lookup(record: Any, paths: tuple[tuple[str, ...], ...]) -> Any:
    for path in paths:
        node = record
        for key in path:
            if not isinstance(node, dict) or key not in node:
                break
            node = node[key]
        else:
            return node
    return None


def as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


def parse_period(text: str) -> date | None:
    """'2025-03', '2025-03-01' or '03/2025' -> 2025-03-01."""
    m = re.fullmatch(r"(\d{4})-(\d{1,2})(-\d{1,2})?", text.strip())
    if m:
        return date(int(m.group(1)), int(m.group(2)), 1)
    m = re.fullmatch(r"(\d{1,2})/(\d{4})", text.strip())
    return date(int(m.group(2)), int(m.group(1)), 1) if m else None


def _stated_period(path: Path, config: SourceConfig) -> date | None:
    for _, record, _ in _records(path):
        if isinstance(record, dict):
            return parse_period(as_text(lookup(record, config.json_period)))
    return None


def _records(path: Path) -> Iterator[tuple[int, Any, str | None]]:
    """(record number, object or None, parse error) for each record in the file."""
    with path.open(encoding="utf-8-sig") as fh:
        first = fh.read(1)
        while first and first.isspace():
            first = fh.read(1)
        fh.seek(0)
        if first == "[":
            # A JSON array is read whole: API pages and small exports come this way.
            for n, item in enumerate(json.load(fh), start=1):
                yield n, item, None
            return
        for n, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                yield n, json.loads(line), None
            except json.JSONDecodeError as exc:
                yield n, None, f"invalid JSON: {exc.msg} at column {exc.colno}"


def read_json_records(path: Path, config: SourceConfig, keep: dict[str, str] | None = None,
                      keep_reason: str = "not_selected") -> Extract:
    """``keep`` maps a JSON path to the value a record must have; other records are
    excluded and counted under ``keep_reason`` (Suricata events that are not alerts)."""
    columns: list[Column] = config.stored_columns
    names = [c.name for c in columns]
    extract = Extract(names + TRAILING_COLUMNS, iter([]))
    checked = [i for i, c in enumerate(columns) if c.type == "timestamp"]
    norms = [(c.json_paths, c.normaliser()) for c in columns]
    exclude = config.column(config.exclude_column) if config.exclude_column else None
    filters = [(tuple(k.split(".")), v) for k, v in (keep or {}).items()]
    if config.json_period:
        extract.period = _stated_period(path, config)

    def rows() -> Iterator[tuple[int, list[str | None]]]:
        for n, record, error in _records(path):
            if error is not None:
                yield n, [None] * len(columns) + [error, None]
                continue
            if not isinstance(record, dict):
                yield n, [None] * len(columns) + ["record is not a JSON object", None]
                continue
            if any(lookup(record, (p,)) != v for p, v in filters):
                extract.exclude(keep_reason)
                continue
            if exclude is not None and fold(as_text(lookup(record, exclude.json_paths))) in (
                config.exclude_values
            ):
                extract.exclude(exclude.name)
                continue
            error = None
            if config.json_period:
                stated = as_text(lookup(record, config.json_period))
                if parse_period(stated) != extract.period:
                    error = f"period {stated!r} differs from the file's {extract.period}"
            values = [norm(as_text(lookup(record, paths))) or None for paths, norm in norms]
            yield n, [*values, error, invalid_values(names, values, checked) if checked else None]

    extract.rows = rows()
    return extract
