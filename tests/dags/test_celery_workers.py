"""Scale-out for real: `dti airflow up` under the CeleryExecutor, against the machine's
Redis, with two Celery workers as separate processes. One ingest run's mapped load
tasks spread over both; the worker holding a load is killed (SIGKILL, its whole
process group) in the middle of it; the scheduler finds the task's heartbeat gone
and the retry runs on the surviving worker; every file ends loaded exactly once.

The load is held mid-publish by a trigger in the warehouse (the fault lives there,
not in the project): the first publish of May 2025 sleeps, later ones do not."""

import contextlib
import os
import signal
import socket
import time
import uuid
from datetime import date

import psycopg
import pytest

from dti.cli.main import main as dti

pytestmark = pytest.mark.dag

BROKER = "redis://127.0.0.1:6379/0"
MONTHS = [date(2025, m, 1) for m in range(3, 9)]
SLOW = date(2025, 5, 1)


def _redis_up() -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", 6379)) == 0


def _hold_first_may_publish(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        # A loader that dies mid-statement is noticed by its server session at once.
        conn.execute("select set_config('client_connection_check_interval', '1s', false)")
        conn.execute(psycopg.sql.SQL(
            "alter database {} set client_connection_check_interval = '1s'").format(
            psycopg.sql.Identifier(conn.info.dbname)))
        conn.execute("create sequence public.may_publishes")
        conn.execute(f"""
            create function public.hold_may() returns trigger language plpgsql as $$
            begin
                if new.period = '{SLOW:%Y-%m}' and nextval('public.may_publishes') = 1 then
                    perform pg_sleep(600);
                end if;
                return new;
            end $$""")
        # The publishing transaction's last statement: the ledger says loaded.
        conn.execute("create trigger hold_may before update on meta.batches for each row "
                     "when (old.status = 'running' and new.status = 'loaded') "
                     "execute function public.hold_may()")


def _kill_host_of(worker_pid: int) -> None:
    """SIGKILL a worker and every process under it, as a lost host or a killed
    container would: the task runner puts each task in a process group of its own, so
    the worker's group alone would leave the task running as an orphan."""
    import psutil

    victims = [psutil.Process(worker_pid), *psutil.Process(worker_pid).children(True)]
    for proc in victims:
        with contextlib.suppress(psutil.NoSuchProcess):
            proc.send_signal(signal.SIGKILL)


def test_two_celery_workers_share_a_run_and_survive_a_killed_one(tmp_path, monkeypatch,
                                                                pg_admin_url):
    if not _redis_up():
        pytest.fail("no Redis on 127.0.0.1:6379 (this machine kind starts one)")
    from dti.orchestration.services import WORKER_PREFIX, AirflowServices
    from dti.samples.generate import generate_public_services

    monkeypatch.setenv("DTI_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("DTI_AIRFLOW_EXECUTOR", "celery")
    monkeypatch.setenv("DTI_CELERY_BROKER_URL", BROKER)
    monkeypatch.setenv("DTI_CELERY_WORKERS", "2")
    # One queue of its own: other runs on the same Redis never take these tasks.
    monkeypatch.setenv("DTI_CELERY_QUEUE", f"dti-test-{uuid.uuid4().hex[:8]}")
    monkeypatch.setenv("AIRFLOW__CELERY__WORKER_CONCURRENCY", "1")
    monkeypatch.setenv("AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT", "20")
    monkeypatch.setenv("AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT_DETECTION_INTERVAL",
                       "3")
    monkeypatch.setenv("DTI_RETRY_DELAY_SECONDS", "3")
    # A task the killed worker had reserved is queued again soon.
    monkeypatch.setenv("AIRFLOW__SCHEDULER__TASK_QUEUED_TIMEOUT", "30")
    monkeypatch.setenv("AIRFLOW__SCHEDULER__TASK_QUEUED_TIMEOUT_CHECK_INTERVAL", "10")
    name = f"dti_celery_{tmp_path.name[-12:]}".replace("-", "_").lower()
    url = pg_admin_url.rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f"create database {name}")
    monkeypatch.setenv("DTI_WAREHOUSE_URL", url)
    services = AirflowServices.default()
    try:
        assert dti(["airflow", "up"]) == 0
        workers = {n: pid for n, pid in services.pids().items()
                   if n.startswith(WORKER_PREFIX)}
        assert len(workers) == 2
        _hold_first_may_publish(url)

        api = services.api().call
        deadline = time.monotonic() + 90
        while "ingest_public_services" not in {d["dag_id"] for d in
                                               api("/api/v2/dags")["dags"]}:
            assert time.monotonic() < deadline
            time.sleep(2)
        reports = generate_public_services(tmp_path / "data" / "inbox", months=MONTHS)
        slow_file = next(p for p in reports if SLOW.strftime("%Y-%m") in p.name)
        dag = "/api/v2/dags/ingest_public_services"
        api(dag, {"is_paused": False}, "PATCH")
        run = api(dag + "/dagRuns",
                  {"logical_date": None, "conf": {"data_root": str(tmp_path / "data")}},
                  "POST")["dag_run_id"]
        tis = f"{dag}/dagRuns/{run}/taskInstances"

        def worker_of(pid: int | None) -> str | None:
            # Each worker leads its own session: a task's session names its worker.
            try:
                sid = os.getsid(pid) if pid else None
            except ProcessLookupError:
                return None
            return next((n for n, w in workers.items() if w == sid), None)

        killed = None
        deadline = time.monotonic() + 300
        while (state := api(f"{dag}/dagRuns/{run}")["state"]) not in ("success", "failed"):
            assert time.monotonic() < deadline, api(tis + "?task_id=load_file")
            for ti in api(tis + "?task_id=load_file")["task_instances"]:
                if ti["state"] == "running" and (w := worker_of(ti.get("pid"))):
                    holding = ti["rendered_map_index"] == str(slow_file)
                    with psycopg.connect(url) as conn:
                        held = conn.execute("select is_called from public.may_publishes"
                                            ).fetchone()[0]
                    if killed is None and holding and held:
                        _kill_host_of(workers[w])
                        killed = w
            time.sleep(0.5)
        assert state == "success"
        assert killed is not None
        # Each Celery worker imported Great Expectations once, before its pool forked.
        loads = [api(f"{tis}/load_file/xcomEntries/return_value?map_index={i}"
                     "&deserialize=true")["value"] for i in range(len(reports))]
        assert [x["great_expectations_preloaded"] for x in loads] == [True] * len(reports)
        survivor = next(n for n in workers if n != killed)
        slow_ti = next(ti for ti in api(tis + "?task_id=load_file")["task_instances"]
                       if ti["rendered_map_index"] == str(slow_file))
        assert slow_ti["try_number"] == 2 and slow_ti["state"] == "success"
        # Which worker ran what: each names in its log the attempts it executed (a load
        # takes ~0.5 s, too quick for the polling above to see every one running).
        ran = {n: (services.home / f"{n}.log").read_text() for n in workers}
        assert all(f"run_id={run}/task_id=load_file/" in text for text in ran.values())
        retry = f"run_id={run}/task_id=load_file/map_index={slow_ti['map_index']}/attempt=2.log"
        assert [n for n, text in ran.items() if retry in text] == [survivor]

        with psycopg.connect(url) as conn:
            batches = conn.execute(
                "select source_file, status, rows_loaded, error from meta.batches "
                "order by batch_id").fetchall()
            raw = conn.execute("select period_month, count(*) from raw.public_services "
                               "group by 1 order by 1").fetchall()
            attempts = conn.execute("select last_value from public.may_publishes"
                                    ).fetchone()[0]
        loaded = [(f, n) for f, status, n, _ in batches if status == "loaded"]
        assert sorted(loaded) == sorted((str(p), 14) for p in reports)  # each file once
        # The killed worker may have held other loads besides May's: each of them is
        # marked interrupted, and each was loaded again by its retry.
        interrupted = [b for b in batches if b[1] != "loaded"]
        assert {(s, e) for _, s, _, e in interrupted} <= {
            ("failed", "interrupted: the loading process died")}
        assert {f for f, *_ in interrupted} <= {f for f, _ in loaded}
        assert raw == [(m, 14) for m in MONTHS]  # exactly once in raw
        assert attempts == 2  # May was published twice: killed, then retried
    finally:
        assert dti(["airflow", "down"]) == 0
        with psycopg.connect(pg_admin_url, autocommit=True) as conn:
            conn.execute(f"drop database if exists {name} with (force)")
            conn.execute("drop database if exists airflow with (force)")
