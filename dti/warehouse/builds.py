"""What the marts were built from: the ledger when a build starts reading it, and the
record each successful build leaves (``meta.mart_builds``)."""

from __future__ import annotations

import psycopg


def loads_running(conn: psycopg.Connection) -> int:
    """Batches still being loaded."""
    (n,) = conn.execute("select count(*) from meta.batches where status = 'running'").fetchone()
    return n


def last_batch(conn: psycopg.Connection) -> int:
    """The ledger's newest batch (0 when empty): a build started now reads through it."""
    (n,) = conn.execute("select coalesce(max(batch_id), 0) from meta.batches").fetchone()
    return n


def loaded_since_last_build(conn: psycopg.Connection) -> bool:
    """Whether raw changed since the last successful build read the ledger: a batch
    after it loaded (or loaded and then superseded), or no build yet."""
    (changed,) = conn.execute(
        "select not exists (select 1 from meta.mart_builds) or exists ("
        "select 1 from meta.batches where status in ('loaded', 'superseded') "
        "and batch_id > (select max(through_batch_id) from meta.mart_builds))").fetchone()
    return changed


def record_build(conn: psycopg.Connection, dag_run_id: str, through_batch_id: int) -> None:
    conn.execute("insert into meta.mart_builds (dag_run_id, through_batch_id) values (%s, %s)",
                 (dag_run_id, through_batch_id))
