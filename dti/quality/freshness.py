"""Which agency exports are overdue, by the thresholds in config/freshness.yaml."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import psycopg
import yaml


@dataclass(frozen=True)
class Overdue:
    source: str
    reporting_unit: str | None
    what: str  # the period missing, or how old the newest load is

    def __str__(self) -> str:
        return f"{self.source} {self.reporting_unit or '(all units)'}: {self.what}"


def thresholds() -> dict:
    return yaml.safe_load((Path(__file__).with_name("freshness.yaml")).read_text(encoding="utf-8"))


def last_due_period(today: date, due_days: int) -> str:
    """The latest month whose report is already due on ``today``."""
    month = today.replace(day=1)
    while True:
        month = (month - timedelta(days=1)).replace(day=1)
        next_month = (month + timedelta(days=32)).replace(day=1)
        if today > next_month - timedelta(days=1) + timedelta(days=due_days):
            return f"{month:%Y-%m}"


def overdue(conn: psycopg.Connection, now: datetime) -> list[Overdue]:
    late = []
    for source, rule in thresholds().items():
        units = [r[0] for r in conn.execute(
            "select distinct agency_code from meta.batches where source = %s "
            "and status in ('loaded', 'superseded')", (source,))] or [None]
        for unit in units:
            if rule["cadence"] == "monthly":
                period = last_due_period(now.date(), rule["due_days_after_period"])
                found = conn.execute(
                    "select 1 from meta.batches where source = %s and status = 'loaded' "
                    "and agency_code is not distinct from %s and period = %s",
                    (source, unit, period)).fetchone()
                if not found:
                    late.append(Overdue(source, unit, f"report for {period} not loaded"))
            else:
                newest = conn.execute(
                    "select max(finished_at) from meta.batches where source = %s "
                    "and status = 'loaded' and agency_code is not distinct from %s",
                    (source, unit)).fetchone()[0]
                limit = timedelta(hours=rule["max_age_hours"])
                if newest is None or now - newest > limit:
                    age = "never loaded" if newest is None else (
                        f"newest load {(now - newest).total_seconds() / 3600:.0f} h old")
                    late.append(Overdue(source, unit, f"{age} (limit {rule['max_age_hours']} h)"))
    return late
