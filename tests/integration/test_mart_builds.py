"""A marts build records the batch it read through; a run that asset events started
is skipped only when no batch was loaded after the last build."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import psycopg

from dti.orchestration.settle import settled
from dti.warehouse import builds
from tests.integration.helpers import add_batch


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


def look(going: int, run_type: str, waited_s: float = 0.0, limit_s: float = 600):
    """One look of the wait, ``going`` ingest runs besides the ledger's loading batches:
    None while it waits, else what the build reads through."""
    started = datetime.now(UTC) - timedelta(seconds=waited_s)
    return settled(going, run_type, started + timedelta(seconds=limit_s))


def skipped(run_type: str) -> bool:
    try:
        look(0, run_type)
    except Exception as exc:  # the Task SDK's skip: the run's other tasks follow it
        assert type(exc).__name__ == "AirflowSkipException", exc
        return True
    return False


def test_a_build_waits_for_running_loads_and_an_asset_run_skips_when_nothing_is_new(
        warehouse_url):
    with psycopg.connect(warehouse_url, autocommit=True) as conn:
        loading = add_batch(conn, "running")
        going = builds.loads_running(conn)  # what the wait counts besides ingest runs
        assert going == 1
        assert look(2 + going, "asset_triggered") is None  # ingest runs, and the load
        conn.execute("update meta.batches set status = 'loaded' where batch_id = %s",
                     (loading,))
        assert look(1 + builds.loads_running(conn), "scheduled") is None
        assert look(builds.loads_running(conn), "asset_triggered") == {
            "through_batch_id": loading}
        builds.record_build(conn, "run 1", loading)
        # Started by the events of loads that build already read: nothing to do.
        assert skipped("asset_triggered")
        # The daily run and a run someone started build whatever the ledger says.
        assert not skipped("scheduled") and not skipped("manual")
        assert look(0, "manual") == {"through_batch_id": loading}
        # A load that never ends holds a build back only so long.
        stuck = add_batch(conn, "running")
        assert look(1, "scheduled", waited_s=59, limit_s=60) is None
        warned: list[str] = []
        handler = logging.Handler(logging.WARNING)
        handler.emit = lambda record: warned.append(record.getMessage())
        # On the module's logger: Airflow's logging set-up replaces the root's handlers.
        logging.getLogger("dti.orchestration.settle").addHandler(handler)
        try:
            assert look(1, "scheduled", waited_s=61, limit_s=60) == {
                "through_batch_id": stuck}
        finally:
            logging.getLogger("dti.orchestration.settle").removeHandler(handler)
        assert warned == ["1 ingest runs or loads still going at the wait's limit: "
                          "building anyway"]
