"""The agency registry (national electronic agency codes, QCVN 102:2016/BTTTT).

One CSV, ``dbt_project/seeds/agency_registry.csv``, is the single source: dbt seeds
it for the dimensions, and validation reads it for the set of known codes.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

from ingestion.paths import AGENCY_REGISTRY_CSV


@dataclass(frozen=True)
class Agency:
    agency_code: str
    name_vi: str
    name_ascii: str
    parent_code: str | None
    level: str
    province_code: str
    valid_from: date
    valid_to: date | None


@cache
def load_registry(path: Path = AGENCY_REGISTRY_CSV) -> tuple[Agency, ...]:
    with path.open(encoding="utf-8", newline="") as fh:
        return tuple(
            Agency(
                agency_code=r["agency_code"],
                name_vi=r["name_vi"],
                name_ascii=r["name_ascii"],
                parent_code=r["parent_code"] or None,
                level=r["level"],
                province_code=r["province_code"],
                valid_from=date.fromisoformat(r["valid_from"]),
                valid_to=date.fromisoformat(r["valid_to"]) if r["valid_to"] else None,
            )
            for r in csv.DictReader(fh)
        )


def agency_codes() -> list[str]:
    return sorted(a.agency_code for a in load_registry())


def province_of(agency_code: str) -> str:
    """'000.00.04.H49' -> '000.00.00.H49': the province is the code's last segment."""
    return "000.00.00." + agency_code.rsplit(".", 1)[-1]
