"""The export families the warehouse reads, and how each is read and partitioned."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ingestion.source_config import SourceConfig, load_source_config
from ingestion.sources.base import Extract


@dataclass(frozen=True)
class SourceSpec:
    name: str  # CLI argument, inbox folder, config file and GX suite name
    read: Callable[[Path, SourceConfig], Extract]
    # Timestamp column whose months make a file's period; None: the export states it.
    period_column: str | None = None

    @property
    def config(self) -> SourceConfig:
        return load_source_config(self.name)


def _read_table_or_json(path: Path, config: SourceConfig) -> Extract:
    """Reports and event logs: JSON (an array or JSON Lines) by suffix, else CSV/XLSX."""
    if path.suffix.lower() in {".json", ".jsonl", ".ndjson"}:
        from ingestion.sources.json_records import read_json_records

        return read_json_records(path, config)
    from ingestion.sources.tabular import read_tabular

    return read_tabular(path, config)


def _read_soc_alerts(path: Path, config: SourceConfig) -> Extract:
    from ingestion.sources.soc_alerts import read_soc_alerts

    return read_soc_alerts(path, config)


SOURCES = {
    s.name: s
    for s in (
        SourceSpec("public_services", _read_table_or_json),
        SourceSpec("document_logs", _read_table_or_json, period_column="received_at"),
        SourceSpec("soc_alerts", _read_soc_alerts, period_column="detected_at"),
        # The DTI components no export measures, scored by the unit and appraised.
        SourceSpec("self_assessment", _read_table_or_json),
    )
}


def get_source(name: str) -> SourceSpec:
    if name not in SOURCES:
        raise ValueError(f"unknown source {name!r}; known: {', '.join(sorted(SOURCES))}")
    return SOURCES[name]
