"""The shape every ingest DAG shares: pull from the source's configured connections
into the inbox, find the inbox files, load each in its own mapped task (one bad file
fails only its own task), emit the raw table's Asset; beside them, settle the remote
copies of files earlier runs loaded. A failed pull or load fails the run."""

from __future__ import annotations

import sys
from datetime import datetime, timedelta

from airflow.sdk import Param, dag, task
from airflow.task.trigger_rule import TriggerRule

from dti.orchestration.alerts import notify_failure
from dti.orchestration.assets import RAW_ASSETS
from dti.settings import heavy_pool, retry_delay_seconds
from ingestion.text import MONTH_PATTERN


def build_ingest_dag(source: str, schedule: str, doc_md: str):
    """Pulls read ``ingestion/config/pulls.yaml``; param ``month`` (or a backfill run's
    logical date) takes one month again instead of what is new."""
    params = {
        "data_root": Param(
            None, type=["null", "string"],
            description="Folder with inbox/, archive/, rejected/; default data/ or DTI_DATA_DIR"),
        "month": Param(
            None, type=["null", "string"], pattern=f"^{MONTH_PATTERN}$",
            description="YYYY-MM to pull again (a backfill); default what is new (the "
                        "portal: the month before the run)"),
        "reload": Param(
            False, type="boolean",
            description="Load inbox files the ledger has loaded before (skipped otherwise): "
                        "to bring back a version a later file replaced"),
    }

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
        def pull(params=None, dag_run=None, data_interval_start=None,
                 data_interval_end=None) -> list[str]:
            from dti.orchestration.tasks import month_to_pull, pull_exports

            month = month_to_pull(params["month"], getattr(dag_run, "run_type", None),
                                  data_interval_start)
            day = data_interval_end.date() if data_interval_end else None
            return pull_exports(source, params["data_root"], month, day)

        # The inbox is loaded even when a pull failed: what did arrive is not held back.
        @task(trigger_rule=TriggerRule.ALL_DONE)
        def discover_files(params=None) -> list[str]:
            from ingestion.inbox import discover

            return [str(p) for p in discover(source, params["data_root"])]

        # One XCom, the ledger row: a dict's keys would each be pushed on their own, 22
        # round trips to the API server that took 0.35-0.55 s of a ~1 s load task.
        @task(outlets=[RAW_ASSETS[source]], map_index_template="{{ task.op_kwargs['path'] }}",
              pool=heavy_pool(), multiple_outputs=False)
        def load_file(path: str, params=None) -> dict:
            # Whether this task process started with GX imported (a preloading executor).
            preloaded = "great_expectations" in sys.modules

            from airflow.sdk.exceptions import AirflowFailException

            from ingestion.inbox import process_file
            from ingestion.load import BatchRejected

            try:
                return {**process_file(source, path, params["data_root"],
                                       reload=params["reload"]).as_dict(),
                        "great_expectations_preloaded": preloaded}
            except BatchRejected as exc:
                # A rejected file fails the same way on every try: no retries.
                raise AirflowFailException(str(exc)) from exc

        # Settles what earlier runs loaded: downstream of the loads it would be the run's
        # last task, and an ALL_DONE last task turns a failed load into a green run.
        @task
        def settle_remote() -> list[str]:
            from dti.orchestration.tasks import settle_remote

            return settle_remote(source)

        files = discover_files()
        pulled = pull()
        pulled >> files
        pulled >> settle_remote()
        load_file.expand(path=files)

    return ingest()
