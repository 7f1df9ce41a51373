"""Read the 766 index from the marts and lay it out for people: per agency and month,
the five groups, the total out of 100, its rank and rating (docs/methodology.md §4)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import psycopg

# (column of marts.fct_index_766, header, group maximum)
GROUPS = (
    ("transparency_points", "công khai", 18),
    ("progress_group_points", "tiến độ", 20),
    ("online_group_points", "trực tuyến", 22),
    ("satisfaction_group_points", "hài lòng", 18),
    ("digitisation_group_points", "số hóa", 22),
)


@dataclass(frozen=True)
class Index766Score:
    rank: int | None
    agency_id: str
    agency_name: str
    groups: tuple[Decimal | None, ...]
    total: Decimal | None
    not_measured: int
    rating: str | None


def latest_period(conn: psycopg.Connection) -> date | None:
    row = conn.execute("select max(period_month) from marts.fct_index_766").fetchone()
    return row[0] if row else None


def index_766_scores(conn: psycopg.Connection, period: date) -> list[Index766Score]:
    groups = ", ".join(f"f.{column}" for column, _, _ in GROUPS)
    rows = conn.execute(
        f"""select f.total_rank, f.agency_id, a.agency_name_vi, {groups}, f.total_points,
                   f.items_not_measured, f.rating_vi
            from marts.fct_index_766 as f
            join marts.dim_agencies as a on a.agency_id = f.agency_id and a.is_current
            where f.period_month = %s
            order by f.total_rank nulls last, f.agency_id""",
        (period,),
    ).fetchall()
    n = len(GROUPS)
    return [Index766Score(r[0], r[1], r[2], tuple(r[3:3 + n]), *r[3 + n:]) for r in rows]


def _points(value: Decimal | None) -> str:
    return f"{value:.2f}" if value is not None else "n/a"


def format_index_766_table(period: date, scores: list[Index766Score]) -> str:
    """A plain-text table: rank by total, agency, the five groups, total, rating."""
    head = f"766 index (Decision 766/QĐ-TTg, 100 points) — {period:%m/%Y}"
    group_heads = [f"{name} /{top}" for _, name, top in GROUPS]
    width = max(len(h) for h in group_heads)
    lines = [head, "=" * len(head),
             f"{'rank':>4}  {'agency code':<14} {'agency':<36} "
             + " ".join(f"{h:>{width}}" for h in group_heads)
             + f" {'total':>7} {'not measured':>12}  rating"]
    for s in scores:
        rank = str(s.rank) if s.rank is not None else "-"
        lines.append(f"{rank:>4}  {s.agency_id:<14} {s.agency_name[:36]:<36} "
                     + " ".join(f"{_points(g):>{width}}" for g in s.groups)
                     + f" {_points(s.total):>7} {s.not_measured:>12}  {s.rating or '-'}")
    lines.append("n/a: no export measures any item of the group; a total counts the items "
                 "measured (not measured: items without data)")
    return "\n".join(lines)
