"""A marts build records the batch it read through; a run that asset events started
is skipped only when no batch was loaded after the last build."""

from __future__ import annotations

import logging

import psycopg

from dti.orchestration.tasks import settle_loads
from dti.warehouse import builds


def add_batch(conn: psycopg.Connection, status: str) -> int:
    """A ledger row; each of its own month (a partition holds one loaded batch)."""
    (batch_id,) = conn.execute(
        "insert into meta.batches (source, source_file, sha256, file_bytes, status, "
        "agency_code, period) select 'document_logs', 'x.csv', "
        "md5(random()::text) || md5(random()::text), 1, %s, '000.00.00.H49', "
        "to_char(date '2025-01-01' + count(*) * interval '1 month', 'YYYY-MM') "
        "from meta.batches returning batch_id", (status,)).fetchone()
    return batch_id


def test_only_a_load_after_the_last_build_makes_the_next_build_needed(warehouse_url):
    with psycopg.connect(warehouse_url, autocommit=True) as conn:
        assert builds.loaded_since_last_build(conn)  # never built
        first = add_batch(conn, "loaded")
        assert builds.last_batch(conn) == first
        builds.record_build(conn, "run 1", builds.last_batch(conn))
        assert not builds.loaded_since_last_build(conn)
        # Files that changed nothing in raw: nothing to build.
        for status in ("rejected", "skipped", "failed"):
            add_batch(conn, status)
        assert not builds.loaded_since_last_build(conn)
        running = add_batch(conn, "running")
        assert builds.loads_running(conn) == 1
        conn.execute("update meta.batches set status = 'loaded' where batch_id = %s", (running,))
        assert builds.loads_running(conn) == 0
        assert builds.loaded_since_last_build(conn)
        builds.record_build(conn, "run 2", builds.last_batch(conn))
        assert not builds.loaded_since_last_build(conn)


def test_a_build_waits_for_running_loads_and_an_asset_run_skips_when_nothing_is_new(
        warehouse_url, monkeypatch, caplog):
    with psycopg.connect(warehouse_url, autocommit=True) as conn:
        loading = add_batch(conn, "running")
        runs = iter([2, 1, 0])  # ingest runs still going, then none
        polls = []

        def active() -> int:
            polls.append(1)
            if len(polls) == 3:  # the load ends while the runs do
                conn.execute("update meta.batches set status = 'loaded' where batch_id = %s",
                             (loading,))
            return next(runs, 0)

        assert settle_loads(active, "asset_triggered", poll_seconds=0.01) == {
            "through_batch_id": loading}
        assert len(polls) == 3
        builds.record_build(conn, "run 1", loading)
        # Started by the events of loads that build already read: nothing to do.
        assert settle_loads(lambda: 0, "asset_triggered") == {}
        # The daily run and a run someone started build whatever the ledger says.
        assert settle_loads(lambda: 0, "scheduled") == {"through_batch_id": loading}
        assert settle_loads(lambda: 0, "manual") == {"through_batch_id": loading}
        # A load that never ends holds a build back only so long.
        stuck = add_batch(conn, "running")
        monkeypatch.setenv("DTI_SETTLE_MAX_SECONDS", "0")
        with caplog.at_level(logging.WARNING):
            assert settle_loads(lambda: 0, "scheduled") == {"through_batch_id": stuck}
        assert "building anyway" in caplog.text
