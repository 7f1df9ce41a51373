"""
### Export freshness (Airflow DAG)

Every morning, checks the batch ledger against `dti/quality/freshness.yaml`:
a monthly public-service report not loaded some days after its month, or an event
stream (e-office logs, SOC alerts) whose newest load is older than its limit. Any
overdue export fails the task, which sends the failure alert (log and
`DTI_ALERT_WEBHOOK_URL`) listing what is late.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import dag, task

from dti.orchestration.alerts import notify_failure
from dti.orchestration.tasks import check_freshness


@dag(
    dag_id="freshness",
    start_date=datetime(2025, 1, 1),
    schedule="0 7 * * *",
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 1, "retry_delay": timedelta(minutes=10),
                  "on_failure_callback": notify_failure},
    tags=["dti", "monitoring"],
    doc_md=__doc__,
)
def freshness():
    @task
    def check_exports() -> int:
        return check_freshness()

    check_exports()


freshness()
