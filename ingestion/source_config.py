"""Per-source configuration (header aliases, period patterns) read from YAML."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

import yaml

from ingestion.paths import CONFIG_DIR
from ingestion.text import fold


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # "text" or "count"
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class SourceConfig:
    source: str
    raw_table: str
    columns: tuple[Column, ...]
    period_patterns: tuple[str, ...] = ()
    total_row_markers: tuple[str, ...] = ()
    ignored_columns: tuple[str, ...] = ()
    title_marker_rows: int = 15
    _alias_index: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    def canonical(self, header: str) -> str | None:
        """Canonical column for a header as written in the file, or None if unknown."""
        return self._alias_index.get(fold(header))

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def count_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.type == "count"]


@cache
def load_source_config(source: str) -> SourceConfig:
    path = CONFIG_DIR / f"{source}.yaml"
    if not path.exists():
        known = sorted(p.stem for p in CONFIG_DIR.glob("*.yaml"))
        raise ValueError(f"unknown source {source!r}; known sources: {', '.join(known)}")
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    columns = tuple(
        Column(name, spec["type"], tuple(fold(a) for a in [name, *spec.get("aliases", [])]))
        for name, spec in doc["columns"].items()
    )
    index: dict[str, str] = {}
    for col in columns:
        for alias in col.aliases:
            if index.get(alias, col.name) != col.name:
                raise ValueError(f"{path}: alias {alias!r} maps to {index[alias]} and {col.name}")
            index[alias] = col.name
    return SourceConfig(
        source=doc["source"],
        raw_table=doc["raw_table"],
        columns=columns,
        period_patterns=tuple(doc.get("period_patterns", [])),
        total_row_markers=tuple(fold(m) for m in doc.get("total_row_markers", [])),
        ignored_columns=tuple(fold(c) for c in doc.get("ignored_columns", [])),
        title_marker_rows=doc.get("title_marker_rows", 15),
        _alias_index=index,
    )
