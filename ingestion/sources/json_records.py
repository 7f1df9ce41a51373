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
from functools import lru_cache
from pathlib import Path
from typing import Any

from ingestion.limits import Limits
from ingestion.limits import limits as current_limits
from ingestion.source_config import Column, SourceConfig
from ingestion.sources.base import (
    TRAILING_COLUMNS,
    Extract,
    LineTally,
    ReportFormatError,
    invalid_values,
)
from ingestion.sources.text_lines import json_lines
from ingestion.text import SHORT, fold, printable


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
    if type(value) is list and len(value) <= 32 and all(
            type(v) is str and len(v) <= SHORT for v in value):
        return _texts_as_json(tuple(value))
    return json.dumps(value, ensure_ascii=False)


@lru_cache(maxsize=4096)
def _texts_as_json(texts: tuple[str, ...]) -> str:
    """A list of texts as JSON, once per distinct list: an alert's rule groups are
    one of a few lists, and writing each again cost ~15% of reading a Wazuh export."""
    return json.dumps(list(texts), ensure_ascii=False)


def parse_period(text: str) -> date | None:
    """'2025-03', '2025-03-01' or '03/2025' -> 2025-03-01; None if it is not a real month."""
    m = re.fullmatch(r"(\d{4})-(\d{1,2})(-\d{1,2})?", text.strip())
    if m:
        year, month = int(m.group(1)), int(m.group(2))
    else:
        m = re.fullmatch(r"(\d{1,2})/(\d{4})", text.strip())
        if not m:
            return None
        year, month = int(m.group(2)), int(m.group(1))
    return date(year, month, 1) if 1 <= month <= 12 and year >= 1900 else None


def _stated_period(path: Path, config: SourceConfig, limits: Limits,
                   array: bool) -> date | None:
    for _, record, _ in _records(path, limits, None if array else LineTally()):
        if isinstance(record, dict):
            return parse_period(as_text(lookup(record, config.json_period)))
    return None


def too_deep(value: Any, limit: int) -> bool:
    """True when ``value`` nests containers deeper than ``limit`` (walked without
    recursion, stopping at the first branch that goes too deep)."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict | list):
            if depth > limit:
                return True
            children = node.values() if isinstance(node, dict) else node
            stack.extend((child, depth + 1) for child in children
                         if isinstance(child, dict | list))
    return False


def parse_json_line(line: str, limits: Limits) -> tuple[Any, str | None]:
    """(object, None) or (None, why the line is not one readable JSON record)."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        return None, f"invalid JSON: {exc.msg} at column {exc.colno} (rule: json_syntax)"
    except RecursionError:
        return None, f"JSON nested deeper than {limits.json_depth} levels (rule: json_depth)"
    if (line.count("{") + line.count("[") > limits.json_depth
            and too_deep(record, limits.json_depth)):
        return None, f"JSON nested deeper than {limits.json_depth} levels (rule: json_depth)"
    return record, None


def _array(fh, path: Path, limits: Limits) -> list[Any]:
    size = path.stat().st_size
    if size > limits.json_array_bytes:
        raise ReportFormatError(
            f"a JSON array of {size} bytes, more than the {limits.json_array_bytes} read "
            "whole (send JSON Lines)", "json_array_size")
    try:
        items = json.load(fh)
    except json.JSONDecodeError as exc:
        raise ReportFormatError(f"not valid JSON: {exc.msg} at line {exc.lineno} column "
                                f"{exc.colno}", "json_syntax") from None
    except RecursionError:
        raise ReportFormatError(f"JSON nested deeper than {limits.json_depth} levels",
                                "json_depth") from None
    if not isinstance(items, list):
        raise ReportFormatError("the file is not one JSON array or JSON Lines", "json_syntax")
    return items


def is_json_array(path: Path) -> bool:
    """True when the first character that is not white space opens an array."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        try:
            while chunk := fh.read(1 << 16):
                if chunk.strip():
                    return chunk.lstrip()[0] == "["
        except UnicodeDecodeError:
            raise ReportFormatError("the file is not valid UTF-8", "encoding") from None
    return False


def _records(path: Path, limits: Limits, tally: LineTally | None
             ) -> Iterator[tuple[int, Any, str | None]]:
    """(record number, object or None, parse error) for each record in the file;
    ``tally`` counts the lines of JSON Lines (None for an array)."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        if tally is None:
            # A JSON array is read whole: API pages and small exports come this way.
            try:
                items = _array(fh, path, limits)
            except UnicodeDecodeError:
                raise ReportFormatError("the file is not valid UTF-8", "encoding") from None
            for n, item in enumerate(items, start=1):
                if too_deep(item, limits.json_depth):
                    yield n, None, (f"JSON nested deeper than {limits.json_depth} levels "
                                    "(rule: json_depth)")
                else:
                    yield n, item, None
            return
        for n, line in json_lines(fh, limits, "UTF-8", tally):
            if line is None:
                yield n, None, f"line longer than {limits.line_chars} characters (rule: line_size)"
            elif not line.strip():
                tally.excluded += 1
            else:
                yield n, *parse_json_line(line, limits)


def _clean(values: list[str | None]) -> tuple[list[str | None], str | None]:
    """Values PostgreSQL can store: NUL and lone surrogates (from JSON escapes) become
    U+FFFD and the record says so."""
    out, error = [], None
    for v in values:
        if v and "\x00" in v:
            v = v.replace("\x00", "\ufffd")
            error = "a value holds a NUL character (rule: no_nul_bytes)"
        if v and not v.isascii():
            try:
                v.encode("utf-8")
            except UnicodeEncodeError:
                v = "".join("\ufffd" if "\ud800" <= ch <= "\udfff" else ch for ch in v)
                error = "a value holds a lone UTF-16 surrogate (rule: encoding)"
        out.append(v)
    return out, error


def read_json_records(path: Path, config: SourceConfig, keep: dict[str, str] | None = None,
                      keep_reason: str = "not_selected") -> Extract:
    """``keep`` maps a JSON path to the value a record must have; other records are
    excluded and counted under ``keep_reason`` (Suricata events that are not alerts)."""
    columns: list[Column] = config.stored_columns
    names = [c.name for c in columns]
    limits = current_limits()
    array = is_json_array(path)
    extract = Extract(names + TRAILING_COLUMNS, iter([]), lines=None if array else LineTally())
    checked = [i for i, c in enumerate(columns) if c.type == "timestamp"]
    norms = [(c.json_paths, c.normaliser()) for c in columns]
    exclude = config.column(config.exclude_column) if config.exclude_column else None
    filters = [(tuple(k.split(".")), v) for k, v in (keep or {}).items()]
    if config.json_period:
        extract.period = _stated_period(path, config, limits, array)

    def rows() -> Iterator[tuple[int, list[str | None]]]:
        tally = extract.lines or LineTally()  # a throwaway for an array
        for n, record, error in _records(path, limits, extract.lines):
            if error is not None:
                yield n, [None] * len(columns) + [error, None]
                continue
            if not isinstance(record, dict):
                yield n, [None] * len(columns) + ["record is not a JSON object", None]
                continue
            if any(lookup(record, (p,)) != v for p, v in filters):
                extract.exclude(keep_reason)
                tally.excluded += 1
                continue
            if exclude is not None and fold(as_text(lookup(record, exclude.json_paths))) in (
                config.exclude_values
            ):
                extract.exclude(exclude.name)
                tally.excluded += 1
                continue
            if config.json_period:
                stated = as_text(lookup(record, config.json_period))
                if parse_period(stated) != extract.period:
                    error = f"period {printable(stated)!r} differs from the file's {extract.period}"
            values = [norm(as_text(lookup(record, paths))) or None for paths, norm in norms]
            values, unclean = _clean(values)
            yield n, [*values, error or unclean,
                      invalid_values(names, values, checked) if checked else None]

    extract.rows = rows()
    return extract
