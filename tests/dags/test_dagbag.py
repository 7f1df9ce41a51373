"""The DAG folder imports cleanly and every DAG follows the project's conventions."""

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
        assert task.retries >= 1, f"{task.task_id} has no retries"
        assert task.retry_delay.total_seconds() > 0


def test_transform_is_scheduled_on_the_raw_asset_and_runs_every_model(dagbag):
    import json

    from dti.dbt_project import manifest_path

    dag = dagbag.dags["transform_and_score"]
    task_ids = set(dag.task_ids)
    models = [n["name"] for n in json.loads(manifest_path().read_text())["nodes"].values()
              if n["resource_type"] == "model"]
    for model in models:
        assert f"dbt.{model}_model_build" in task_ids
    condition = str(dag.timetable.asset_condition)
    for table in ("raw.public_services", "raw.document_events", "raw.security_alerts",
                  "raw.self_assessments"):
        assert table in condition
    assert "0 6 * * *" in str(dag.timetable.summary)  # the daily run when nothing lands
