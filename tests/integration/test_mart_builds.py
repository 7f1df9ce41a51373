"""A marts build records the batch it read through; a run that asset events started
is skipped only when no batch was loaded after the last build."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from dti.orchestration.tasks import settle_poke
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


def look(active: int, run_type: str, waited_s: float = 0.0):
    """One look of the wait, as the sensor takes it: (done, what the build reads)."""
    poke = settle_poke(lambda: active, run_type,
                       datetime.now(UTC) - timedelta(seconds=waited_s))
    return poke.is_done, poke.xcom_value


def skipped(run_type: str) -> bool:
    try:
        look(0, run_type)
    except Exception as exc:  # the Task SDK's skip: the run's other tasks follow it
        assert type(exc).__name__ == "AirflowSkipException", exc
        return True
    return False


def test_a_build_waits_for_running_loads_and_an_asset_run_skips_when_nothing_is_new(
        warehouse_url, monkeypatch):
    with psycopg.connect(warehouse_url, autocommit=True) as conn:
        loading = add_batch(conn, "running")
        assert look(2, "asset_triggered") == (False, None)  # ingest runs still going
        assert look(0, "asset_triggered") == (False, None)  # a load still going
        conn.execute("update meta.batches set status = 'loaded' where batch_id = %s",
                     (loading,))
        assert look(1, "scheduled") == (False, None)
        assert look(0, "asset_triggered") == (True, {"through_batch_id": loading})
        builds.record_build(conn, "run 1", loading)
        # Started by the events of loads that build already read: nothing to do.
        assert skipped("asset_triggered")
        # The daily run and a run someone started build whatever the ledger says.
        assert not skipped("scheduled") and not skipped("manual")
        assert look(0, "manual") == (True, {"through_batch_id": loading})
        # A load that never ends holds a build back only so long.
        stuck = add_batch(conn, "running")
        monkeypatch.setenv("DTI_SETTLE_MAX_SECONDS", "60")
        assert look(0, "scheduled", waited_s=59) == (False, None)
        warned: list[str] = []
        handler = logging.Handler(logging.WARNING)
        handler.emit = lambda record: warned.append(record.getMessage())
        # On the task's logger: Airflow's logging set-up replaces the root's handlers.
        logging.getLogger("dti.orchestration.tasks").addHandler(handler)
        try:
            assert look(0, "scheduled", waited_s=61) == (True, {"through_batch_id": stuck})
        finally:
            logging.getLogger("dti.orchestration.tasks").removeHandler(handler)
        assert warned == ["1 ingest runs or loads still going after 60 s: building anyway"]


def test_a_bad_wait_limit_fails_the_look_by_name(warehouse_url, monkeypatch):
    monkeypatch.setenv("DTI_SETTLE_MAX_SECONDS", "soon")
    with pytest.raises(ValueError, match="DTI_SETTLE_MAX_SECONDS='soon'"):
        look(0, "scheduled")
