"""The batch ledger (``meta.batches``): what was offered, and what became of it."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from pathlib import Path

import psycopg
from psycopg.types.json import Jsonb


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass
class BatchResult:
    batch_id: int
    source: str
    source_file: str
    status: str
    sha256: str = ""
    agency_code: str | None = None
    period: str | None = None
    stream: str | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    rows_excluded: int = 0
    # Physical lines of a text export (None for XLSX and JSON arrays).
    lines_read: int | None = None
    lines_loaded: int | None = None
    lines_quarantined: int | None = None
    lines_excluded: int | None = None
    partition_basis: str | None = None  # where the period came from
    error: str | None = None
    duplicate_of: int | None = None
    timings: dict[str, float] = field(default_factory=dict)  # seconds per load step

    def as_dict(self) -> dict:
        return asdict(self)


def previous_load(conn: psycopg.Connection, source: str, sha256: str) -> int | None:
    """The batch that already loaded this exact file, if any."""
    row = conn.execute(
        "select batch_id from meta.batches where source = %s and sha256 = %s "
        "and status in ('loaded', 'superseded') order by batch_id desc limit 1",
        (source, sha256),
    ).fetchone()
    return row[0] if row else None


# Advisory-lock namespace for batches: a load holds (namespace, batch_id) for as long
# as its session lives, so a 'running' batch whose lock is free was killed.
_BATCH_LOCK_NAMESPACE = 7660


def recent_row_counts(conn: psycopg.Connection, result: BatchResult, last: int = 3) -> list[int]:
    """Rows read by the latest loads of the same source, stream and reporting unit."""
    return [r[0] for r in conn.execute(
        "select rows_read from meta.batches where source = %s "
        "and stream is not distinct from %s and agency_code is not distinct from %s "
        "and status in ('loaded', 'superseded') and batch_id <> %s "
        "order by batch_id desc limit %s",
        (result.source, result.stream, result.agency_code, result.batch_id, last),
    ).fetchall()]


def open_batch(conn: psycopg.Connection, source: str, source_file: str, sha256: str | None,
               file_bytes: int | None) -> int:
    """A 'running' ledger row for a file (hash and size unknown for a file that cannot
    be read), locked for as long as this session loads it."""
    row = conn.execute(
        "insert into meta.batches (source, source_file, sha256, file_bytes) "
        "values (%s, %s, %s, %s) returning batch_id",
        (source, source_file, sha256, file_bytes),
    ).fetchone()
    assert row is not None
    conn.execute("select pg_advisory_lock(%s, %s)", (_BATCH_LOCK_NAMESPACE, row[0]))
    return row[0]


def reap_interrupted(conn: psycopg.Connection, landing_schema: str) -> list[int]:
    """Batches left 'running' by a load that was killed: mark them failed and drop
    their landing tables. Nothing of theirs reached raw (that step is one transaction)."""
    from psycopg import sql

    reaped = []
    for (batch_id,) in conn.execute(
        "select batch_id from meta.batches where status = 'running'"
    ).fetchall():
        got = conn.execute("select pg_try_advisory_lock(%s, %s)",
                           (_BATCH_LOCK_NAMESPACE, batch_id)).fetchone()
        if not got or not got[0]:
            continue  # still being loaded by a live session
        try:
            conn.execute("update meta.batches set status = 'failed', finished_at = now(), "
                         "error = 'interrupted: the loading process died' "
                         "where batch_id = %s and status = 'running'", (batch_id,))
            for (table,) in conn.execute(
                "select tablename from pg_tables where schemaname = %s and tablename like %s",
                (landing_schema, f"%\\_b{batch_id}"),
            ).fetchall():
                conn.execute(sql.SQL("drop table if exists {}").format(
                    sql.Identifier(landing_schema, table)))
            reaped.append(batch_id)
        finally:
            conn.execute("select pg_advisory_unlock(%s, %s)", (_BATCH_LOCK_NAMESPACE, batch_id))
    return reaped


def record_skip(conn: psycopg.Connection, batch_id: int, duplicate_of: int) -> None:
    conn.execute(
        "update meta.batches set status = 'skipped', duplicate_of = %s, finished_at = now(), "
        "error = 'same file already loaded by batch ' || %s::text where batch_id = %s",
        (duplicate_of, duplicate_of, batch_id),
    )


def close_batch(conn: psycopg.Connection, result: BatchResult) -> None:
    conn.execute(
        """update meta.batches set status = %(status)s, agency_code = %(agency_code)s,
               period = %(period)s, stream = %(stream)s, rows_read = %(rows_read)s,
               rows_loaded = %(rows_loaded)s,
               rows_quarantined = %(rows_quarantined)s, rows_excluded = %(rows_excluded)s,
               lines_read = %(lines_read)s, lines_loaded = %(lines_loaded)s,
               lines_quarantined = %(lines_quarantined)s, lines_excluded = %(lines_excluded)s,
               partition_basis = %(partition_basis)s,
               error = %(error)s, timings = %(timings)s, finished_at = now()
           where batch_id = %(batch_id)s""",
        {**result.as_dict(), "timings": Jsonb(result.timings)},
    )


def supersede_partition(conn: psycopg.Connection, result: BatchResult) -> list[int]:
    """Mark earlier loads of the same (source, stream, agency, period) superseded;
    return their ids."""
    rows = conn.execute(
        "update meta.batches set status = 'superseded', superseded_by = %(batch_id)s "
        "where source = %(source)s and stream is not distinct from %(stream)s "
        "and agency_code is not distinct from %(agency_code)s "
        "and period is not distinct from %(period)s and status = 'loaded' "
        "and batch_id <> %(batch_id)s returning batch_id",
        result.as_dict(),
    ).fetchall()
    return [r[0] for r in rows]
