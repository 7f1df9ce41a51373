"""
### Ingest public-service statistics

Finds the one-stop-shop reports waiting in the inbox
(`data/inbox/public_services/`, or the `inbox` param), and loads each file in its
own mapped task: COPY into a landing table, Great Expectations suite
`expectations/public_services.json`, bad rows to `quarantine.public_services`,
good rows to `raw.public_services`, one row per file in `meta.batches`.

A file already loaded is skipped; a file that fails a table-level rule fails its
own task and is kept. Emits the `raw.public_services` Asset, on which
`transform_and_score` is scheduled.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import Param, dag, task

from ingestion.assets import RAW_PUBLIC_SERVICES

SOURCE = "public_services"


@dag(
    dag_id="ingest_public_services",
    start_date=datetime(2025, 1, 1),
    schedule="@daily",
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=2)},
    params={"inbox": Param(None, type=["null", "string"],
                           description="Inbox root folder; default data/inbox or DTI_INBOX_DIR")},
    tags=["dti", "ingest", SOURCE],
    doc_md=__doc__,
)
def ingest_public_services():
    @task
    def discover_files(params=None) -> list[str]:
        from ingestion.inbox import discover

        return [str(p) for p in discover(SOURCE, params["inbox"])]

    @task(outlets=[RAW_PUBLIC_SERVICES], map_index_template="{{ task.op_kwargs['path'] }}")
    def load_file(path: str) -> dict:
        from ingestion.load import ingest_file

        return ingest_file(SOURCE, path).as_dict()

    load_file.expand(path=discover_files())


ingest_public_services()
