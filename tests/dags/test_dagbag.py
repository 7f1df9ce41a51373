"""The DAG folder imports cleanly and every DAG follows the project's conventions."""

import copy

import pytest

pytestmark = pytest.mark.dag

EXPECTED = {"ingest_public_services", "ingest_document_logs", "ingest_soc_alerts",
            "ingest_self_assessment",
            "transform_and_score", "freshness"}


@pytest.fixture(scope="module")
def dagbag(dbt_manifest, airflow_db):
    from dti.orchestration.runtime import dag_bag

    return dag_bag()


def test_no_import_errors(dagbag):
    assert dagbag.import_errors == {}
    assert set(dagbag.dag_ids) >= EXPECTED


@pytest.mark.parametrize("dag_id", sorted(EXPECTED))
def test_dag_conventions(dagbag, dag_id):
    dag = dagbag.dags[dag_id]
    assert dag.start_date is not None
    assert dag.catchup is False
    assert dag.max_active_runs == 1
    assert dag.tags and "dti" in dag.tags
    assert dag.doc_md and len(dag.doc_md.strip()) > 50
    for task in dag.tasks:
        if task.task_id.endswith("dbt_producer_watcher"):
            # One `dbt build` per run; a failed node's own task retries it alone.
            assert task.retries == 0
            continue
        assert task.retries >= 1, f"{task.task_id} has no retries"
        assert task.retry_delay.total_seconds() > 0


def test_transform_is_scheduled_on_the_raw_asset_and_runs_every_model(dagbag):
    """One producer runs `dbt build`; every model and seed has one task reporting it and
    the tests on it, downstream of the producer, and no test has a task of its own."""
    import json

    from dti.dbt_project import manifest_path

    dag = dagbag.dags["transform_and_score"]
    producer = dag.get_task("dbt.dbt_producer_watcher")
    manifest = json.loads(manifest_path().read_text())
    reporters = {t.task_id for t in dag.tasks if t.task_id.startswith("dbt.")} - {
        producer.task_id, "dbt.dbt_producer_watcher_done"}
    for node in manifest["nodes"].values():
        kind = node["resource_type"]
        if kind not in ("model", "seed"):
            continue
        tested = any(c.startswith("test.") for c in manifest["child_map"][node["unique_id"]])
        reporter = dag.get_task(f"dbt.{node['name']}_{kind}_build")
        reporters.discard(reporter.task_id)
        assert reporter.tested is tested, node["name"]
        assert producer.task_id in reporter.get_flat_relative_ids(upstream=True)
    assert not reporters, f"tasks for neither a model nor a seed: {reporters}"
    # The build starts after the wait for running loads.
    assert producer.task_id in dag.get_task("wait_for_loads").get_flat_relative_ids()
    condition = str(dag.timetable.asset_condition)
    for table in ("raw.public_services", "raw.document_events", "raw.security_alerts",
                  "raw.self_assessments"):
        assert table in condition
    assert "0 6 * * *" in str(dag.timetable.summary)  # the daily run when nothing lands


def test_local_mode_is_a_setting_away(dbt_manifest, airflow_db, monkeypatch):
    """DTI_DBT_EXECUTION=local renders Cosmos's own local mode: no producer, a task per
    model running dbt for it and one for its tests, every one in the heavy pool; a
    value that is neither mode is refused by name."""
    from dti.orchestration.runtime import dag_bag
    from dti.settings import SettingError, dbt_execution, heavy_pool

    monkeypatch.setenv("DTI_DBT_EXECUTION", "local")
    dag = dag_bag().dags["transform_and_score"]
    dbt = [t for t in dag.tasks if t.task_id.startswith("dbt.")]
    assert not [t for t in dbt if "producer" in t.task_id]
    run, test = dag.get_task("dbt.dti_scores.run"), dag.get_task("dbt.dti_scores.test")
    assert run.task_id in test.upstream_task_ids
    assert {t.pool for t in dbt} == {heavy_pool()}
    monkeypatch.setenv("DTI_DBT_EXECUTION", "both")
    with pytest.raises(SettingError, match="DTI_DBT_EXECUTION='both': watcher or local"):
        dbt_execution()


def test_a_backfill_run_pulls_its_logical_month():
    from datetime import UTC, datetime

    from dti.orchestration.tasks import month_to_pull

    start = datetime(2025, 3, 31, 17, tzinfo=UTC)  # 1 April, 00:00 in Vietnam
    assert month_to_pull(None, "backfill", start) == "2025-04"
    assert month_to_pull(None, "scheduled", start) is None  # what is new
    assert month_to_pull("2024-12", "manual", start) == "2024-12"
    # A task is handed the Task SDK's DagRunType: a str enum whose str() is its name
    # ('DagRunType.BACKFILL'). Same shape here (tests import Airflow only through
    # the orchestration package).
    from enum import Enum

    class DagRunType(str, Enum):  # noqa: UP042 (as the SDK declares it: not a StrEnum)
        BACKFILL = "backfill"
        ASSET_TRIGGERED = "asset_triggered"

    assert str(DagRunType.BACKFILL) != "backfill"
    assert month_to_pull(None, DagRunType.BACKFILL, start) == "2025-04"
    assert month_to_pull(None, DagRunType.ASSET_TRIGGERED, start) is None


@pytest.mark.parametrize("dag_id", sorted(d for d in EXPECTED if d.startswith("ingest_")))
def test_the_month_param_takes_a_month_or_nothing(dagbag, dag_id):
    params = copy.deepcopy(dagbag.dags[dag_id].params)
    params.validate()  # the default, None: what is new
    params["month"] = "2025-03"
    params.validate()
    with pytest.raises(Exception, match="does not match") as refused:
        params["month"] = "2025-13"
    assert type(refused.value).__name__ == "ParamValidationError"


def test_the_dags_are_parsed_before_the_workers_fork(dbt_manifest, airflow_db):
    """What the DAG files import only while they are parsed (Cosmos's converter and
    watcher operators) is imported in the process that forks the workers, so a
    task process does not import it again to parse its DAG file."""
    import subprocess
    import sys

    probe = ("import sys\n"
             "from dti.orchestration.preload import _parse_dags_once\n"
             "before = {'cosmos.converter', 'dti.orchestration.dbt_group'} & set(sys.modules)\n"
             "_parse_dags_once()\n"
             "after = {'cosmos.converter', 'dti.orchestration.dbt_group'} & set(sys.modules)\n"
             "print(sorted(before), sorted(after))\n")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True).stdout.strip().splitlines()[-1]
    assert out == "[] ['cosmos.converter', 'dti.orchestration.dbt_group']"


def test_rendering_the_dbt_project_warns_of_nothing(dbt_manifest, airflow_db):
    """Each parse (the dag-processor's, every task's) would otherwise log a warning per
    dbt exposure that Cosmos has no task for."""
    import logging

    from dti.orchestration.runtime import dag_bag

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            warned.append(record.getMessage())

    warned: list[str] = []
    # On the renderer's logger: Airflow's logging set-up replaces the root logger's
    # handlers.
    handler, renderer = Collect(logging.WARNING), logging.getLogger("cosmos.airflow.graph")
    renderer.addHandler(handler)
    try:
        assert dag_bag().import_errors == {}
    finally:
        renderer.removeHandler(handler)
    assert warned == []
