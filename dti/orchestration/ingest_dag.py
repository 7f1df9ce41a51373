"""The shape every ingest DAG shares: find the inbox files, load each in its own
mapped task (one bad file fails only its own task), emit the raw table's Asset."""

from __future__ import annotations

import sys
from datetime import datetime, timedelta

from airflow.sdk import Param, dag, task

from dti.orchestration.alerts import notify_failure
from dti.orchestration.assets import RAW_ASSETS
from dti.settings import heavy_pool, retry_delay_seconds


def build_ingest_dag(source: str, schedule: str, doc_md: str, pull_portal: bool = False):
    """``pull_portal``: first pull the month from the public-service portal API into
    the inbox (when DTI_PORTAL_URL is set); param ``period`` picks the month."""
    params = {"data_root": Param(
        None, type=["null", "string"],
        description="Folder with inbox/, archive/, rejected/; default data/ or DTI_DATA_DIR",
    )}
    if pull_portal:
        params["period"] = Param(None, type=["null", "string"],
                                 description="YYYY-MM to pull; default the month before the run")

    @dag(
        dag_id=f"ingest_{source}",
        start_date=datetime(2025, 1, 1),
        schedule=schedule,
        catchup=False,
        max_active_runs=1,
        default_args={"retries": 2, "retry_delay": timedelta(seconds=retry_delay_seconds()),
                      "on_failure_callback": notify_failure},
        params=params,
        tags=["dti", "ingest", source],
        doc_md=doc_md,
    )
    def ingest():
        @task
        def discover_files(params=None) -> list[str]:
            from ingestion.inbox import discover

            return [str(p) for p in discover(source, params["data_root"])]

        @task(outlets=[RAW_ASSETS[source]], map_index_template="{{ task.op_kwargs['path'] }}",
              pool=heavy_pool())
        def load_file(path: str, params=None) -> dict:
            # Whether this task process started with GX imported (a preloading executor).
            preloaded = "great_expectations" in sys.modules

            from airflow.sdk.exceptions import AirflowFailException

            from ingestion.inbox import process_file
            from ingestion.load import BatchRejected

            try:
                return {**process_file(source, path, params["data_root"]).as_dict(),
                        "great_expectations_preloaded": preloaded}
            except BatchRejected as exc:
                # A rejected file fails the same way on every try: no retries.
                raise AirflowFailException(str(exc)) from exc

        files = discover_files()
        if pull_portal:

            @task
            def pull_from_portal(params=None, data_interval_end=None) -> str | None:
                from ingestion.portal import pull_for_run

                day = data_interval_end.date() if data_interval_end else None
                return pull_for_run(params["data_root"], params["period"], day)

            pull_from_portal() >> files
        load_file.expand(path=files)

    return ingest()
