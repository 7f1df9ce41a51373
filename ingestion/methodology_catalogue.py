"""The self-assessed components of each methodology, as validation checks them.

The methodology seeds (dbt_project/seeds/methodology) are the single source: dbt seeds
them for scoring, and before each load this copies the components a self-assessment
may give, with the years their methodology is valid for, into
meta.methodology_components, so a sheet row that scoring would never read is
quarantined with its rule instead."""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

import psycopg

from dti.settings import DBT_PROJECT_DIR

SEEDS = DBT_PROJECT_DIR / "seeds" / "methodology"


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _year(text: str) -> int | None:
    return int(text) if text else None


@cache
def self_assessed_components(seeds: Path = SEEDS) -> tuple[tuple, ...]:
    """(methodology, component, first year, last year or None) of every component a
    sheet may give: self-assessed, within its methodology's and its own validity."""
    valid = {m["methodology_id"]: (_year(m["valid_from_year"]), _year(m["valid_to_year"]))
             for m in _rows(seeds / "dti_methodologies.csv")}
    out = []
    for c in _rows(seeds / "dti_components.csv"):
        if c["measurement"] != "self_assessed" or c["methodology_id"] not in valid:
            continue
        first, last = valid[c["methodology_id"]]
        own_first, own_last = _year(c["valid_from_year"]), _year(c["valid_to_year"])
        first = max(y for y in (first, own_first, 0) if y is not None)
        ends = [y for y in (last, own_last) if y is not None]
        out.append((c["methodology_id"], c["component_code"], first, min(ends) if ends else None))
    return tuple(out)


def sync_components(conn: psycopg.Connection) -> int:
    """Make meta.methodology_components equal to the seeds (in the caller's transaction)."""
    conn.execute("select pg_advisory_xact_lock(7662)")  # one refresh at a time
    conn.execute("delete from meta.methodology_components")
    rows = self_assessed_components()
    with conn.cursor().copy("copy meta.methodology_components (methodology_id, component_code, "
                            "valid_from_year, valid_to_year) from stdin") as copy:
        for row in rows:
            copy.write_row(row)
    return len(rows)
