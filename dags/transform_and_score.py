"""
### Transform and score

Runs when new raw data lands (any of the `raw.*` Assets), and at 06:00 Vietnam time
every day in any case: the dbt project in
`dbt_project/` through astronomer-cosmos, one task per model that builds it and runs
its tests, rendered from the prebuilt `dbt_project/target/manifest.json` (`dti manifest`).
Then logs the DTI tables the scoring models produced (`report_scores`) and publishes
the `marts` Asset for the BI side.

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
from cosmos import DbtTaskGroup, ExecutionConfig, ProfileConfig, ProjectConfig, RenderConfig
from cosmos.constants import LoadMode, TestBehavior

from ingestion.alerts import notify_failure
from ingestion.assets import MARTS, RAW_ASSETS
from ingestion.dbt import dbt_executable, manifest_path
from ingestion.dti_report import log_latest_scores
from ingestion.paths import DBT_PROJECT_DIR


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
    dbt = DbtTaskGroup(
        group_id="dbt",
        project_config=ProjectConfig(
            dbt_project_path=DBT_PROJECT_DIR, manifest_path=manifest_path()
        ),
        profile_config=ProfileConfig(
            profile_name="dti",
            target_name="warehouse",
            profiles_yml_filepath=DBT_PROJECT_DIR / "profiles.yml",
        ),
        execution_config=ExecutionConfig(dbt_executable_path=dbt_executable()),
        render_config=RenderConfig(
            load_method=LoadMode.DBT_MANIFEST,
            # `dbt build` per model: the model and its tests in one task.
            test_behavior=TestBehavior.BUILD,
            # A relationships test needs both models built: give it its own task.
            should_detach_multiple_parents_tests=True,
        ),
        operator_args={"install_deps": False},
    )

    @task
    def report_scores() -> dict[str, int]:
        """Log each methodology's latest DTI table; fail when dbt left no scores."""
        return log_latest_scores()

    @task(outlets=[MARTS])
    def publish_marts() -> str:
        return "marts refreshed"

    dbt >> report_scores() >> publish_marts()


transform_and_score()
