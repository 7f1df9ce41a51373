"""
### Export freshness (Airflow DAG)

Every morning, checks the batch ledger against `ingestion/config/freshness.yaml`:
a monthly public-service report not loaded some days after its month, or an event
stream (e-office logs, SOC alerts) whose newest load is older than its limit. Any
overdue export fails the task, which sends the failure alert (log and
`DTI_ALERT_WEBHOOK_URL`) listing what is late.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import dag, task

from ingestion.alerts import notify_failure


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
        from datetime import UTC

        import psycopg
        from airflow.sdk.exceptions import AirflowFailException

        from ingestion.freshness import overdue
        from ingestion.warehouse import warehouse_url

        with psycopg.connect(warehouse_url()) as conn:
            late = overdue(conn, datetime.now(UTC))
        if late:
            raise AirflowFailException("overdue exports: " + "; ".join(map(str, late)))
        return 0

    check_exports()


freshness()
