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

import psycopg

from dti.settings import AGENCY_REGISTRY_CSV
from ingestion.text import fold


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
    successor_code: str | None = None

    def valid_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day < self.valid_to)


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
                successor_code=r.get("successor_code") or None,
            )
            for r in csv.DictReader(fh)
        )


def active(level: str, on: date) -> list[Agency]:
    """Agencies of one level that exist on a day (e.g. departments after a merger)."""
    return [a for a in load_registry() if a.level == level and a.valid_on(on)]


def resolve(agency_code: str, on: date) -> str | None:
    """The unit that answers for ``agency_code`` on a day: itself while it exists,
    then its successor (followed through later mergers); None if it has none."""
    versions = {a.agency_code: a for a in load_registry()}
    seen = set()
    while agency_code in versions and agency_code not in seen:
        seen.add(agency_code)
        agency = versions[agency_code]
        if agency.valid_on(on):
            return agency_code
        if agency.successor_code is None or on < agency.valid_from:
            return None
        agency_code = agency.successor_code
    return None


def code_for_name(name: str, on: date | None = None) -> str | None:
    """The code of the agency with this name (with or without diacritics)."""
    key = fold(name)
    matches = [a for a in load_registry() if key in (fold(a.name_vi), fold(a.name_ascii))
               and (on is None or a.valid_on(on))]
    codes = {a.agency_code for a in matches}
    return codes.pop() if len(codes) == 1 else None


def sync_registry(conn: psycopg.Connection) -> int:
    """Make meta.agencies equal to the registry CSV (in the caller's transaction)."""
    # Concurrent loads would both delete and both insert: one at a time.
    conn.execute("select pg_advisory_xact_lock(7661)")
    conn.execute("delete from meta.agencies")
    with conn.cursor().copy(
        "copy meta.agencies (agency_code, name_vi, name_ascii, parent_code, level, "
        "province_code, valid_from, valid_to, successor_code) from stdin"
    ) as copy:
        for a in load_registry():
            copy.write_row([a.agency_code, a.name_vi, a.name_ascii, a.parent_code, a.level,
                            a.province_code, a.valid_from, a.valid_to, a.successor_code])
    return len(load_registry())


def province_of(agency_code: str) -> str:
    """'000.00.04.H49' -> '000.00.00.H49': the province is the code's last segment."""
    return "000.00.00." + agency_code.rsplit(".", 1)[-1]
