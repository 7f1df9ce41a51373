"""
### Transform and score

Runs when new raw data lands (any of the `raw.*` Assets), and at 06:00 Vietnam time
every day in any case. First it waits for the ingest runs and loads still going
(`wait_for_loads`, deferred to the triggerer, at most `DTI_SETTLE_MAX_SECONDS`), so one
build reads a whole drop; a run the loads' Asset events started when nothing was loaded
since the last build skips the rest. Then the dbt project in
`dbt_project/` through astronomer-cosmos, one task per model that builds it and runs
its tests, rendered from the prebuilt `dbt_project/target/manifest.json` (`dti manifest`).
Then logs the DTI tables the scoring models produced (`report_scores`), writes the
report site into `DTI_REPORT_DIR` (`write_report`), records the build in
`meta.mart_builds` and publishes the `marts` Asset for the BI side (`publish_marts`).

The warehouse connection comes from the `DTI_PG_*` environment variables that
`dbt_project/profiles.yml` reads.
"""

from __future__ import annotations

import operator
from datetime import datetime, timedelta
from functools import reduce

from airflow.sdk import dag, task
from airflow.timetables.assets import AssetOrTimeSchedule
from airflow.timetables.trigger import CronTriggerTimetable

from dti.orchestration.alerts import notify_failure
from dti.orchestration.assets import MARTS, RAW_ASSETS
from dti.orchestration.dbt_group import dbt_task_group
from dti.orchestration.settle import WaitForLoads
from dti.orchestration.tasks import record_build
from dti.orchestration.tasks import report_scores as log_scores
from dti.orchestration.tasks import write_report as write_report_site


@dag(
    dag_id="transform_and_score",
    start_date=datetime(2025, 1, 1),
    # Any raw table that changed triggers a run.
    # ... and every morning anyway, so the marts and scores age with the calendar (an
    # agency that is late shows up as stale data rather than as no run at all).
    schedule=AssetOrTimeSchedule(
        timetable=CronTriggerTimetable("0 6 * * *", timezone="Asia/Ho_Chi_Minh"),
        assets=reduce(operator.or_, RAW_ASSETS.values()),
    ),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 1, "retry_delay": timedelta(minutes=2),
                  "on_failure_callback": notify_failure},
    tags=["dti", "dbt", "score"],
    doc_md=__doc__,
)
def transform_and_score():
    # Deferred while loads are going: it holds no executor slot meanwhile.
    settled = WaitForLoads(task_id="wait_for_loads")
    dbt = dbt_task_group()

    @task(multiple_outputs=False)  # one XCom, not one push per methodology
    def report_scores() -> dict[str, int]:
        """Log each methodology's latest DTI table; fail when dbt left no scores."""
        return log_scores()

    @task
    def write_report() -> str:
        """The report site (rankings, a page per unit) into DTI_REPORT_DIR."""
        return write_report_site()

    @task(outlets=[MARTS])
    def publish_marts(settled: dict, dag_run=None) -> str:
        return record_build(dag_run.run_id, settled)

    settled >> dbt >> report_scores() >> write_report() >> publish_marts(settled.output)


transform_and_score()
