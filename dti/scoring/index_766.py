"""Read the scores the marts hold and lay them out for people."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import psycopg


@dataclass(frozen=True)
class ProgressScore:
    rank: int | None
    agency_id: str
    agency_name: str
    in_time: int
    due: int
    points: Decimal | None


def latest_period(conn: psycopg.Connection) -> date | None:
    row = conn.execute("select max(period_month) from marts.fct_index_766").fetchone()
    return row[0] if row else None


def progress_scores(conn: psycopg.Connection, period: date) -> list[ProgressScore]:
    rows = conn.execute(
        """select f.progress_rank, f.agency_id, a.agency_name_vi, f.progress_numerator,
                  f.progress_denominator, f.progress_points
           from marts.fct_index_766 as f
           join marts.dim_agencies as a using (agency_id)
           where f.period_month = %s
           order by f.progress_rank nulls last, f.agency_id""",
        (period,),
    ).fetchall()
    return [ProgressScore(*r) for r in rows]


def format_progress_table(period: date, scores: list[ProgressScore]) -> str:
    """A plain-text table: rank, agency, dossiers in time / due, 766 progress points."""
    head = f"766 index, progress (tiến độ giải quyết, max 20 points) — {period:%m/%Y}"
    lines = [head, "=" * len(head),
             f"{'rank':>4}  {'agency code':<14} {'agency':<36} {'in time':>8} {'due':>8} "
             f"{'points':>8}"]
    for s in scores:
        pts = f"{s.points:.4f}" if s.points is not None else "n/a"
        rank = str(s.rank) if s.rank is not None else "-"
        lines.append(f"{rank:>4}  {s.agency_id:<14} {s.agency_name[:36]:<36} {s.in_time:>8} "
                     f"{s.due:>8} {pts:>8}")
    return "\n".join(lines)
