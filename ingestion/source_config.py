"""Per-source configuration read from ``ingestion/config/<source>.yaml``.

A source names its canonical columns. Each column has a type that says how a value
is normalised in Python on its way into the landing table (cheap string work
only; PostgreSQL does the typing) and how it is cast into ``raw``:

=========  ==========================================  ===========================
type       normalised                                   cast into raw
=========  ==========================================  ===========================
text       stripped                                     text
count      ``1.234`` -> ``1234``                        bigint
decimal    ``8,5`` -> ``8.5`` (decimal comma)            numeric
enum       header-style folded, mapped through values   text
timestamp  ISO 8601 with offset (Vietnam time if none)   (typed during COPY)
ip         stripped                                     inet
personal   salted HMAC-SHA256, never stored in clear    text
=========  ==========================================  ===========================

Header aliases and JSON paths find the column in an export; a new layout is a new
alias here, not new code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

import yaml

from ingestion import CONFIG_DIR
from ingestion.personal_data import pseudonymise
from ingestion.text import (
    fold,
    normalise_count,
    normalise_decimal,
    normalise_timestamp,
    remembered,
)

RAW_CASTS = {
    "text": "{}",
    "count": "{}::bigint",
    "decimal": "{}::numeric",
    "enum": "{}",
    "timestamp": "{}",  # typed already in the landing table
    "ip": "{}::inet",
    "personal": "{}",
    "date": "{}::date",
}


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    aliases: tuple[str, ...] = ()
    json_paths: tuple[tuple[str, ...], ...] = ()
    values: dict[str, str] = field(default_factory=dict, compare=False)  # folded alias -> code
    required: bool = True  # an export without this column is rejected (schema drift)

    @property
    def repeats(self) -> bool:
        """Whether the column's values repeat across rows (worth remembering)."""
        return self.type in {"enum", "timestamp", "personal"}

    def normaliser(self) -> Callable[[str], str]:
        if self.type == "count":
            return normalise_count
        if self.type == "decimal":
            return normalise_decimal
        # Enumerations and people repeat across millions of rows: remember answers.
        if self.type == "enum":
            values = self.values
            return remembered(lambda v: values.get(fold(v), v.strip()), 4096)
        if self.type == "timestamp":
            return normalise_timestamp
        if self.type == "personal":
            return remembered(lambda v: pseudonymise(v) if v.strip() else "", 65536)
        return str.strip


@dataclass(frozen=True)
class SourceConfig:
    source: str
    raw_table: str
    columns: tuple[Column, ...]
    period_patterns: tuple[str, ...] = ()
    total_row_markers: tuple[str, ...] = ()
    ignored_columns: tuple[str, ...] = ()
    title_marker_rows: int = 15
    # JSON paths of a record's reporting period, for sources whose export states it.
    json_period: tuple[tuple[str, ...], ...] = ()
    # Rows whose column has one of these (folded) values are excluded, counted, not kept.
    exclude_column: str | None = None
    exclude_values: frozenset[str] = frozenset()
    extra: dict = field(default_factory=dict, compare=False)
    _alias_index: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    def ignores(self, folded_header: str) -> bool:
        return any(folded_header.startswith(c[:-1].strip()) if c.endswith("*")
                   else folded_header == c for c in self.ignored_columns)

    def canonical(self, header: str) -> str | None:
        """Canonical column for a header as written in the file, or None if unknown."""
        return self._alias_index.get(fold(header))

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def stored_columns(self) -> list[Column]:
        """Columns that reach raw (the exclusion marker does not)."""
        return [c for c in self.columns if c.name != self.exclude_column]


def _column(name: str, spec: dict) -> Column:
    values = {}
    for code, aliases in (spec.get("values") or {}).items():
        for alias in [code, *aliases]:
            values[fold(str(alias))] = code
    return Column(
        name=name,
        type=spec.get("type", "text"),
        aliases=tuple(fold(a) for a in [name, *spec.get("aliases", [])]),
        json_paths=tuple(tuple(p.split(".")) for p in spec.get("json", [])),
        values=values,
        required=spec.get("required", True),
    )


@cache
def load_source_config(source: str) -> SourceConfig:
    path = CONFIG_DIR / f"{source}.yaml"
    if not path.exists():
        known = sorted(p.stem for p in CONFIG_DIR.glob("*.yaml") if "_" in p.stem)
        raise ValueError(f"unknown source {source!r}; known sources: {', '.join(known)}")
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    columns = tuple(_column(name, spec) for name, spec in doc["columns"].items())
    for col in columns:
        if col.type not in RAW_CASTS:
            raise ValueError(f"{path}: column {col.name} has unknown type {col.type!r}")
    index: dict[str, str] = {}
    for col in columns:
        for alias in col.aliases:
            if index.get(alias, col.name) != col.name:
                raise ValueError(f"{path}: alias {alias!r} maps to {index[alias]} and {col.name}")
            index[alias] = col.name
    exclude = doc.get("exclude") or {}
    return SourceConfig(
        source=doc["source"],
        raw_table=doc["raw_table"],
        columns=columns,
        period_patterns=tuple(doc.get("period_patterns", [])),
        total_row_markers=tuple(fold(m) for m in doc.get("total_row_markers", [])),
        ignored_columns=tuple(fold(c) + ("*" if c.endswith("*") else "")
                              for c in doc.get("ignored_columns", [])),
        title_marker_rows=doc.get("title_marker_rows", 15),
        json_period=tuple(tuple(p.split(".")) for p in doc.get("json_period", [])),
        exclude_column=exclude.get("column"),
        exclude_values=frozenset(fold(v) for v in exclude.get("values", [])),
        extra=doc.get("extra") or {},
        _alias_index=index,
    )
