"""Shared set-up for benchmarks: a private PostgreSQL, fresh databases, tables."""

from __future__ import annotations

import statistics
import tempfile
from pathlib import Path

import psycopg
from psycopg import sql

from dti.warehouse.embedded import EmbeddedWarehouse
from dti.warehouse.migrations import migrate


def server() -> EmbeddedWarehouse:
    wh = EmbeddedWarehouse(Path(tempfile.mkdtemp(prefix="dti-bench-")) / "pg")
    wh.start()
    return wh


def fresh_database(wh: EmbeddedWarehouse, name: str) -> str:
    admin = wh.url("postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("drop database if exists {} with (force)").format(
            sql.Identifier(name)))
        conn.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
    url = wh.url(name)
    migrate(url)
    return url


def checkpoint(url: str) -> None:
    # A checkpoint landing inside a timed load moves it by ~40%: take it before.
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("checkpoint")


def write_document_log(path: Path, rows: int) -> int:
    """The rows-dominated case of the ingest benches: one e-office log of about ``rows``
    events (seed 11, one month, the demo's 14 agencies); returns the rows written."""
    from datetime import date

    from dti.samples.documents import document_events, write_document_csv

    return write_document_csv(path, document_events(11, [date(2025, 5, 1)],
                                                    per_agency_month=rows // 14))


def median(xs: list[float]) -> float:
    return statistics.median(xs)


def table(headers: list[str], rows: list[list[object]]) -> str:
    cells = [headers, *[[f"{c:.3f}" if isinstance(c, float) else str(c) for c in r]
                        for r in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
