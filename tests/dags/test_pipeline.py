"""Both DAGs run for real (dag.test()) against the test warehouse, and the scores
in marts agree with an independent computation from the generated exports."""

import threading
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

import psycopg
import pytest

from dti.samples.generate import default_months, public_service_months
from tests.integration.helpers import add_batch, assert_ledger_invariant

pytestmark = pytest.mark.dag


# The last two sample months: every source, both file layouts of each, in half the time.
MONTHS = default_months()[-2:]


def expected_progress() -> dict[tuple[str, object], tuple[Decimal | None, int | None]]:
    """766 progress points and competition ranks, computed here from the generator."""
    out = {}
    for month, rows in public_service_months(7, MONTHS).items():
        points = {}
        for r in rows:
            due = (r.resolved_early + r.resolved_on_time + r.resolved_late
                   + r.in_progress_within_deadline + r.in_progress_overdue)
            in_time = r.resolved_early + r.resolved_on_time + r.in_progress_within_deadline
            ratio = (Decimal(in_time) / Decimal(due)).quantize(Decimal("0.000001"),
                                                               ROUND_HALF_UP) if due else None
            points[r.agency_code] = (None if ratio is None else
                                     (20 * ratio).quantize(Decimal("0.0001"), ROUND_HALF_UP))
        for code, p in points.items():
            rank = None if p is None else 1 + sum(
                1 for q in points.values() if q is not None and q > p)
            out[(code, month)] = (p, rank)
    return out


def test_ingest_then_transform_dags_produce_the_766_progress_scores(dag_env, tmp_path):
    from dti.orchestration.runtime import pushed_xcom_keys, run_dag
    from dti.samples.generate import generate

    files = generate(tmp_path / "inbox", seed=7, months=MONTHS).files
    for source in files:
        run_dag(f"ingest_{source}", {"data_root": str(tmp_path)})
    with psycopg.connect(dag_env) as conn:
        ledger = dict(((s, st), n) for s, st, n in conn.execute(
            "select source, status, count(*) from meta.batches group by 1, 2"))
        assert conn.execute("select sum(rows_loaded) from meta.batches "
                            "where source = 'public_services'").fetchone() == (28,)
    assert ledger == {(s, "loaded"): len(paths) for s, paths in files.items()}
    # Every file left the inbox for the archive.
    assert not any(any((tmp_path / "inbox" / s).iterdir()) for s in files)
    archived = [p for p in (tmp_path / "archive").rglob("*") if p.is_file()]
    assert len(archived) == sum(map(len, files.values()))

    # A load still going when the build starts: the wait defers (its executor slot free)
    # until the load ends, and the build reads after it.
    with psycopg.connect(dag_env, autocommit=True) as conn:
        going = add_batch(conn, "running")
    ended: list[datetime] = []

    def load_ends() -> None:
        with psycopg.connect(dag_env, autocommit=True) as conn:
            conn.execute("update meta.batches set status = 'failed' where batch_id = %s",
                         (going,))
        ended.append(datetime.now(UTC))

    timer = threading.Timer(8, load_ends)
    timer.start()
    try:
        run = run_dag("transform_and_score")
    finally:
        timer.join()
    (wait,) = [ti for ti in run.get_task_instances() if ti.task_id == "wait_for_loads"]
    # It started while the load was going and ended after it, on its first try.
    assert wait.start_date < ended[0] < wait.end_date and wait.try_number == 1
    with psycopg.connect(dag_env) as conn:
        got = {(a, m): (p, r) for a, m, p, r in conn.execute(
            "select agency_id, period_month, progress_points, progress_rank "
            "from marts.fct_index_766")}
        # The scoring models ran in the same DAG: every department and the province.
        scored = dict(conn.execute(
            "select methodology_id, count(*) from marts.dti_scores "
            "where scoring_mode = 'official' and assessment_year = 2025 group by 1"))
        # The build recorded what it read: the ledger through its newest batch.
        assert conn.execute(
            "select through_batch_id = (select max(batch_id) from meta.batches) "
            "from meta.mart_builds").fetchall() == [(True,)]
        conn.execute("set role bi_reader")
        assert conn.execute("select count(*) from marts.fct_index_766").fetchone()[0] == 28
        assert conn.execute("select count(*) from marts.dti_scores").fetchone()[0] > 0
    assert got == expected_progress()
    assert scored == {"QN-AGENCY-2025": 14, "DTI-PENDING": 1}
    # The dbt producer pushed what the node tasks read (each model's status, the
    # aggregate of its tests) and nothing keyed by a test, which has no task to read it.
    pushed = pushed_xcom_keys(run, "dbt.dbt_producer_watcher")
    assert any(k.endswith("_tests_status") for k in pushed)
    assert any(k.startswith("model__") and k.endswith("_status") for k in pushed)
    assert not [k for k in pushed if k.startswith(("test__", "unit_test__"))]


def test_ingest_dag_rerun_on_the_same_files_skips_every_file_unless_reloading(dag_env,
                                                                               tmp_path):
    from dti.orchestration.runtime import run_dag
    from dti.samples.generate import generate_public_services

    for _ in range(2):
        generate_public_services(tmp_path / "inbox", seed=7)
        run_dag("ingest_public_services", {"data_root": str(tmp_path)})
    with psycopg.connect(dag_env) as conn:
        assert dict(conn.execute("select status, count(*) from meta.batches group by status")
                    ) == {"loaded": 6, "skipped": 6}
        assert conn.execute("select count(*) from raw.public_services").fetchone()[0] == 84
    # With the reload param, the same files are loaded again, each replacing its month.
    generate_public_services(tmp_path / "inbox", seed=7)
    run_dag("ingest_public_services", {"data_root": str(tmp_path), "reload": True})
    with psycopg.connect(dag_env) as conn:
        assert dict(conn.execute("select status, count(*) from meta.batches group by status")
                    ) == {"superseded": 6, "skipped": 6, "loaded": 6}
        assert conn.execute("select count(*) from raw.public_services").fetchone()[0] == 84


def test_a_rejected_file_fails_its_own_task_only(dag_env, tmp_path, monkeypatch):
    from dti.orchestration.runtime import run_dag
    from dti.samples.generate import generate_public_services
    from tests.webhook_server import serve

    server, hook, received = serve()
    monkeypatch.setenv("DTI_ALERT_WEBHOOK_URL", hook)

    paths = generate_public_services(tmp_path / "inbox", seed=7)
    bad = paths[2]
    lines = bad.read_bytes().split(b"\r\n")
    bad.write_bytes(b"\r\n".join(lines[:2] + lines[3:]))  # no reporting period
    with pytest.raises(RuntimeError, match="failed"):
        run_dag("ingest_public_services", {"data_root": str(tmp_path)})
    with psycopg.connect(dag_env) as conn:
        statuses = dict(conn.execute("select status, count(*) from meta.batches group by 1"))
    assert statuses == {"loaded": 5, "rejected": 1}
    (kept,) = (tmp_path / "rejected" / "public_services").iterdir()
    assert kept.name.endswith(bad.name)
    server.shutdown()
    # The failure reached the webhook once: no retries for a rejected file.
    assert [(a["dag_id"], a["task_id"], a["map_index"]) for a in received] == [
        ("ingest_public_services", "load_file", 2)]
    assert "period_found" in received[0]["error"]


def test_public_services_dag_pulls_the_portal_month_then_loads_it(dag_env, tmp_path,
                                                                  monkeypatch):
    from dti.orchestration.runtime import run_dag
    from tests.integration.test_portal_api import portal_records
    from tests.portal_server import PortalState, serve

    state = PortalState(token="t0ken", records=portal_records())
    server, url = serve(state)
    try:
        monkeypatch.setenv("DTI_PORTAL_URL", url)
        monkeypatch.setenv("DTI_PORTAL_TOKEN", "t0ken")
        run_dag("ingest_public_services", {"data_root": str(tmp_path), "month": "2025-05"})
    finally:
        server.shutdown()
    assert state.requests == [1]  # 14 records fit one page of 100
    with psycopg.connect(dag_env) as conn:
        assert conn.execute("select source_file like '%portal_dvc_2025-05.json', period, "
                            "rows_loaded from meta.batches").fetchall() == [(True, "2025-05", 14)]


def test_soc_alerts_dag_pulls_the_wazuh_indexer_then_loads(dag_env, tmp_path, monkeypatch):
    """The connection comes from Airflow (here AIRFLOW_CONN_<ID>); a second run of the
    DAG pulls nothing new and loads nothing."""
    from dti.orchestration.runtime import run_dag
    from tests.integration.test_window_pulls import wazuh_records
    from tests.pull_servers import ApiState, basic, serve

    state = ApiState(basic("admin", "pw"), wazuh_records(tmp_path))
    server, url = serve("wazuh", state)
    monkeypatch.setenv("AIRFLOW_CONN_DTI_WAZUH_INDEXER",
                       url.replace("http://", "http://admin:pw@") + "?page_size=10")
    try:
        run_dag("ingest_soc_alerts", {"data_root": str(tmp_path)})
        run_dag("ingest_soc_alerts", {"data_root": str(tmp_path)})
    finally:
        server.shutdown()
    with psycopg.connect(dag_env) as conn:
        assert conn.execute("select count(*), count(distinct alert_id) from "
                            "raw.security_alerts").fetchone() == (len(state.records),) * 2
        assert conn.execute("select status, count(*) from meta.batches group by 1"
                            ).fetchall() == [("loaded", 2)]


def test_a_failed_pull_fails_the_run_after_the_inbox_is_loaded(dag_env, tmp_path,
                                                               monkeypatch):
    from dti.orchestration.runtime import run_dag
    from dti.samples.alerts import write_wazuh_alerts
    from dti.samples.generate import default_months

    inbox = tmp_path / "inbox" / "soc_alerts"
    inbox.mkdir(parents=True)
    write_wazuh_alerts(inbox / f"wazuh_alerts_{default_months()[-1]:%Y-%m}.json", 3,
                       default_months()[-1], count=12)
    from tests.pull_servers import ApiState, basic, serve

    state = ApiState(basic("admin", "pw"), [])
    server, url = serve("wazuh", state)
    monkeypatch.setenv("AIRFLOW_CONN_DTI_WAZUH_INDEXER",
                       url.replace("http://", "http://admin:wrong@"))
    monkeypatch.setenv("DTI_RETRY_DELAY_SECONDS", "0")
    try:
        with pytest.raises(RuntimeError, match="failed"):
            run_dag("ingest_soc_alerts", {"data_root": str(tmp_path)})
    finally:
        server.shutdown()
    with psycopg.connect(dag_env) as conn:
        assert conn.execute("select status, rows_loaded from meta.batches").fetchall() == [
            ("loaded", 12)]


def test_freshness_dag_alerts_on_overdue_exports(dag_env, monkeypatch):
    from dti.orchestration.runtime import run_dag
    from tests.webhook_server import serve

    server, hook, received = serve()
    monkeypatch.setenv("DTI_ALERT_WEBHOOK_URL", hook)
    try:
        with pytest.raises(RuntimeError, match="failed"):
            run_dag("freshness")  # nothing was ever loaded: every source is late
    finally:
        server.shutdown()
    errors = [a["error"] for a in received if a["dag_id"] == "freshness"]
    assert errors and "document_logs (all units): never loaded" in errors[-1]


def test_a_backfill_reprocesses_idempotently(dag_env, tmp_path, monkeypatch):
    """Runs for past logical dates pull the month before each from the portal; doing the
    same range again delivers nothing new and leaves raw as it was, so one dbt build
    afterwards shows each month once (the transform DAG's own run is tested above)."""
    from datetime import UTC, datetime

    from dti.dbt_project import run_dbt
    from dti.orchestration.runtime import run_dag
    from tests.integration.test_portal_api import portal_records
    from tests.portal_server import PortalState, serve

    state = PortalState(token="t", records=portal_records())
    server, url = serve(state)
    monkeypatch.setenv("DTI_PORTAL_URL", url)
    monkeypatch.setenv("DTI_PORTAL_TOKEN", "t")

    def backfill() -> list:
        for month in (4, 5, 6):  # pulls 2025-03, 2025-04, 2025-05
            run_dag("ingest_public_services", {"data_root": str(tmp_path)},
                    logical_date=datetime(2025, month, 5, tzinfo=UTC))
        with psycopg.connect(dag_env) as conn:
            return conn.execute("select * from raw.public_services order by 1, 2").fetchall()

    try:
        first = backfill()
        again = backfill()
    finally:
        server.shutdown()
    assert again == first and len(first) == 3 * 14
    with psycopg.connect(dag_env) as conn:
        # The same months again are the same files: recorded once, never delivered twice.
        assert dict(conn.execute("select status, count(*) from meta.batches group by 1")
                    ) == {"loaded": 3}
        assert conn.execute("select count(*) from meta.pulled_files").fetchone() == (3,)
    assert run_dbt(["build", "--quiet", "--select", "+fct_index_766",
                    "--indirect-selection", "cautious"], dag_env) == 0
    with psycopg.connect(dag_env) as conn:
        months = conn.execute("select period_month, count(*) from marts.fct_index_766 "
                              "group by 1 order by 1").fetchall()
    assert months == [(datetime(2025, m, 1).date(), 14) for m in (3, 4, 5)]


def test_a_retried_load_task_is_idempotent(dag_env, tmp_path):
    """The first try of a load dies inside its publishing transaction (the warehouse
    raises once, as a dropped connection would); Airflow retries the task and the
    retry loads the file exactly once: no partial rows, the failed try in the ledger."""
    from datetime import timedelta

    from dti.orchestration.runtime import load_dag
    from dti.samples.generate import generate_public_services

    first, *others = generate_public_services(tmp_path / "inbox", seed=7)
    for p in others:
        p.unlink()
    with psycopg.connect(dag_env, autocommit=True) as conn:
        # A sequence is not rolled back with the failed transaction: it fires once.
        conn.execute("create sequence public.fault_once")
        conn.execute("""create function public.fault_once() returns trigger language plpgsql as
            $$ begin
                 if nextval('public.fault_once') = 1 then
                     raise exception 'injected fault: connection lost';
                 end if;
                 return new;
               end $$""")
        # The last statement of the publishing transaction: the ledger says loaded.
        conn.execute("create trigger fault_once before update on meta.batches for each row "
                     "when (old.status = 'running' and new.status = 'loaded') "
                     "execute function public.fault_once()")
    dag = load_dag("ingest_public_services")
    for task in dag.tasks:
        task.retry_delay = timedelta(seconds=0)
    run = dag.test(run_conf={"data_root": str(tmp_path)})
    assert str(run.state).endswith("success")
    (load,) = [ti for ti in run.get_task_instances() if ti.task_id == "load_file"]
    assert load.try_number == 2
    with psycopg.connect(dag_env) as conn:
        assert conn.execute("select status from meta.batches order by batch_id").fetchall() \
            == [("failed",), ("loaded",)]
        assert conn.execute("select count(*), count(distinct agency_code) "
                            "from raw.public_services").fetchone() == (14, 14)
    assert_ledger_invariant(dag_env, "public_services")
    assert not (tmp_path / "inbox" / "public_services" / first.name).exists()
