"""Which partition a file replaces: (source, stream, province, period).

A partition is what a corrected re-delivery replaces, so no row may move it. It is
decided from what the file declares, with the rows as a last resort that a stray
row cannot sway:

- period: the month the export states (title rows, the JSON ``period``), else a
  month in its file name (``qlvb_quang_ninh_2025-03.csv``), else, for event logs,
  the month holding most of its events (events in the future do not vote);
- province: the province holding most of the file's registered agencies, else the
  registry's only province.

Rows outside the partition are quarantined by the suites' ``row_in_partition``
rule; a file whose partition cannot be decided is rejected (``partition_declared``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import psycopg
from psycopg import sql

_YEAR_MONTH = re.compile(
    r"(?<![0-9])((?:19|20)[0-9]{2})[-_.]?(0[1-9]|1[0-2])(?:[-_.]?(?:0[1-9]|[12][0-9]|3[01]))?"
    r"(?![0-9])")
_MONTH_YEAR = re.compile(r"(?<![0-9])(0[1-9]|1[0-2])[-_.]((?:19|20)[0-9]{2})(?![0-9])")


@dataclass(frozen=True)
class Partition:
    province: str | None
    period: str | None  # YYYY-MM
    basis: str  # where the period came from, for the ledger

    @property
    def decided(self) -> bool:
        return self.province is not None and self.period is not None

    def month_bounds(self) -> tuple[str, str] | tuple[None, None]:
        """The period as half-open Vietnam-time bounds, for the in-partition rule."""
        if self.period is None:
            return None, None
        year, month = map(int, self.period.split("-"))
        nxt = date(year + month // 12, month % 12 + 1, 1)
        return f"{self.period}-01 00:00:00+07", f"{nxt:%Y-%m}-01 00:00:00+07"


def month_in_name(name: str) -> str | None:
    """The one year-month a file name states, if it states exactly one."""
    found = {f"{y}-{m}" for y, m in _YEAR_MONTH.findall(name)}
    found |= {f"{y}-{m}" for m, y in _MONTH_YEAR.findall(name)}
    return found.pop() if len(found) == 1 else None


def _province(conn: psycopg.Connection, landing: sql.Identifier) -> str | None:
    # The rows counted per agency first: a million rows joined to the registry one by
    # one took 0.8 s of a load, their few agencies 0.15 s.
    row = conn.execute(sql.SQL(
        "select a.province_code from (select agency_code, count(*) as n from {} "
        "group by agency_code) as b join "
        "(select distinct agency_code, province_code from meta.agencies) as a using (agency_code) "
        "group by a.province_code order by sum(b.n) desc, a.province_code limit 1"
    ).format(landing)).fetchone()
    if row:
        return row[0]
    only = conn.execute("select distinct province_code from meta.agencies").fetchall()
    return only[0][0] if len(only) == 1 else None


def _busiest_month(conn: psycopg.Connection, landing: sql.Identifier, column: str) -> str | None:
    # Each row's month by date_trunc, written as text once per month (to_char per row
    # cost a third more).
    row = conn.execute(sql.SQL(
        "select to_char(m at time zone 'Asia/Ho_Chi_Minh', 'YYYY-MM') from ("
        "select date_trunc('month', {c}, 'Asia/Ho_Chi_Minh') as m, count(*) as n from {t} "
        "where {c} >= timestamptz '1990-01-01' and {c} <= now() + interval '1 day' "
        "group by m) as g order by n desc, m desc limit 1"
    ).format(c=sql.Identifier(column), t=landing)).fetchone()
    return row[0] if row else None


def decide(conn: psycopg.Connection, landing: sql.Identifier, path: Path,
           stated: date | None, period_column: str | None) -> Partition:
    province = _province(conn, landing)
    if stated is not None:
        return Partition(province, f"{stated:%Y-%m}", "stated in the export")
    named = month_in_name(path.name)
    if named is not None:
        return Partition(province, named, "file name")
    if period_column is not None:
        return Partition(province, _busiest_month(conn, landing, period_column),
                         "month of most events")
    return Partition(province, None, "none")


def query_parameters(partition: Partition) -> dict[str, str]:
    """SQL literals for the suites' ``{partition_*}`` placeholders."""
    def literal(value: str | None) -> str:
        return "null" if value is None else "'" + value.replace("'", "''") + "'"

    start, end = partition.month_bounds()
    return {"partition_province": literal(partition.province),
            "partition_start": literal(start), "partition_end": literal(end)}
