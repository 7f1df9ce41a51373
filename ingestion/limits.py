"""Limits on what one export or one portal pull may cost (``config/limits.yaml``).

Every guard against hostile or broken input reads its bound here, so a deployment
can raise one with ``DTI_LIMIT_<NAME>`` without touching code, and the README lists
them in one table.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from functools import cache

import yaml

from dti.settings import limit_override
from ingestion import CONFIG_DIR


@dataclass(frozen=True)
class Limits:
    file_bytes: int
    xlsx_uncompressed_bytes: int
    line_chars: int
    field_chars: int
    record_chars: int
    columns: int
    cells_per_row: int
    json_depth: int
    json_array_bytes: int
    pull_body_bytes: int
    pull_pages: int
    pull_total_seconds: float
    quarantine_share: float
    replaced_agencies_left_out: float
    replaced_rows_kept: float


@cache
def _defaults() -> dict:
    return yaml.safe_load((CONFIG_DIR / "limits.yaml").read_text(encoding="utf-8"))


def limits() -> Limits:
    """The configured limits: the file read once, the overrides each time, so a test or
    a task can change one."""
    doc = _defaults()
    values = {}
    for f in fields(Limits):
        kind = float if f.type == "float" else int
        override = limit_override(f.name)
        try:
            values[f.name] = kind(override if override else doc[f.name])
        except (TypeError, ValueError):
            raise ValueError(f"limit {f.name}: {override!r} is not a number") from None
    return Limits(**values)
