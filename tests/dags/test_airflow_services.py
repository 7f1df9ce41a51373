"""`dti airflow up` starts the real Airflow services natively (api-server, scheduler,
dag-processor, triggerer; LocalExecutor; metadata in the warehouse server's `airflow`
database): they report healthy, the UI login works, the project's DAGs are parsed with
no import error, a triggered ingest run loads its files in task processes that start
with Great Expectations already imported (once, before the executor forked) under a
scheduler that wakes when a task ends, reusing the DAG parsed before the fork, the marts
build waits in the triggerer for a load still going, and `down` stops them all."""

import time
from datetime import date

import psycopg
import pytest

from dti.cli.main import main as dti
from tests.integration.helpers import add_batch

pytestmark = pytest.mark.dag


def wait_state(api, dag: str, states: set[str], timeout: float = 120) -> str:
    """The state of wait_for_loads in the DAG's running run, once it is one of ``states``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        runs = api(dag + "/dagRuns?state=running")["dag_runs"]
        if runs:
            ti = api(f"{dag}/dagRuns/{runs[0]['dag_run_id']}/taskInstances/wait_for_loads")
            if ti.get("state") in states:
                return ti["state"]
        time.sleep(1)
    raise AssertionError(f"wait_for_loads not {states} after {timeout:.0f} s")


def test_airflow_up_runs_the_dags_and_down_stops_it(tmp_path, monkeypatch, pg_admin_url,
                                                    capsys):
    from dti.orchestration.services import AirflowServices
    from dti.samples.generate import generate_public_services

    monkeypatch.setenv("DTI_STATE_DIR", str(tmp_path / "state"))
    name = f"dti_services_{tmp_path.name[-12:]}".replace("-", "_").lower()
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f"create database {name}")
    monkeypatch.setenv("DTI_WAREHOUSE_URL", pg_admin_url.rsplit("/", 1)[0] + f"/{name}")
    services = AirflowServices.default()
    try:
        assert dti(["airflow", "up"]) == 0
        out = capsys.readouterr().out
        assert "Log in as admin / " in out  # once ...
        assert set(services.health().values()) == {"healthy"}
        assert dti(["airflow", "status"]) == 0
        assert dti(["airflow", "up"]) == 0  # already up: nothing restarted
        assert "Log in as" not in capsys.readouterr().out  # ... not twice

        api = services.api().call  # logs in with the admin password
        deadline = time.monotonic() + 90
        while len(dags := api("/api/v2/dags")["dags"]) < 6:
            assert time.monotonic() < deadline, dags
            time.sleep(2)
        assert api("/api/v2/importErrors")["total_entries"] == 0

        reports = generate_public_services(tmp_path / "data" / "inbox",
                                           months=[date(2025, 5, 1), date(2025, 6, 1)])
        dag = "/api/v2/dags/ingest_public_services"
        api(dag, {"is_paused": False}, "PATCH")
        run = api(dag + "/dagRuns",
                  {"logical_date": None, "conf": {"data_root": str(tmp_path / "data")}},
                  "POST")["dag_run_id"]
        deadline = time.monotonic() + 180
        while (state := api(f"{dag}/dagRuns/{run}")["state"]) not in (
                "success", "failed"):
            assert time.monotonic() < deadline
            time.sleep(2)
        assert state == "success"
        loads = [api(f"{dag}/dagRuns/{run}/taskInstances/load_file/xcomEntries/return_value"
                     f"?map_index={i}&deserialize=true")["value"] for i in range(len(reports))]
        assert [x["status"] for x in loads] == ["loaded", "loaded"]
        assert [x["great_expectations_preloaded"] for x in loads] == [True, True]
        # The ledger row is one XCom, not one per key (each a round trip to the API).
        entries = api(f"{dag}/dagRuns/{run}/taskInstances/load_file/xcomEntries?map_index=0")
        assert [x["key"] for x in entries["xcom_entries"]] == ["return_value"]
        # The scheduler's idle sleep ends when a task does (dti.orchestration.scheduler_wakeup).
        assert "wakes as soon as a task ends" in (services.home / "scheduler.log").read_text()
        # The load tasks did not parse their DAG file: the executor had (dag_reuse).
        logs = list((services.home / "logs").glob(
            "dag_id=ingest_public_services/run_id=*/task_id=load_file/*/attempt=1.log"))
        assert len(logs) == 2
        assert not any("Filling up the DagBag" in log.read_text() for log in logs)
        warehouse = pg_admin_url.rsplit("/", 1)[0] + f"/{name}"
        with psycopg.connect(warehouse) as conn:
            assert conn.execute("select status, rows_loaded from meta.batches order by 1"
                                ).fetchall() == [("loaded", 14), ("loaded", 14)]

        # A load still going: the marts build waits for it in the triggerer (deferred,
        # no executor slot), and goes on once the load has ended.
        with psycopg.connect(warehouse, autocommit=True) as conn:
            going = add_batch(conn, "running")
        dag = "/api/v2/dags/transform_and_score"
        api(dag, {"is_paused": False}, "PATCH")  # its last 06:00 run, and the loads' one
        assert wait_state(api, dag, {"deferred"}) == "deferred"
        with psycopg.connect(warehouse, autocommit=True) as conn:
            conn.execute("update meta.batches set status = 'failed' where batch_id = %s",
                         (going,))
        assert wait_state(api, dag, {"success", "failed", "up_for_retry"}) == "success"
    finally:
        assert dti(["airflow", "down"]) == 0
        with psycopg.connect(pg_admin_url, autocommit=True) as conn:
            conn.execute(f"drop database if exists {name} with (force)")
            conn.execute("drop database if exists airflow with (force)")
    assert not any(services.status().values())
