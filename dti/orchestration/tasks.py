"""Task bodies the DAG files call: Airflow's failure types on one side, the
project's logic (in packages that know nothing of Airflow) on the other."""

from __future__ import annotations

from datetime import UTC, datetime


def check_freshness() -> int:
    """Fail (and so alert) when an export is overdue."""
    import psycopg
    from airflow.sdk.exceptions import AirflowFailException

    from dti.quality.freshness import overdue
    from dti.warehouse.connection import warehouse_url

    with psycopg.connect(warehouse_url()) as conn:
        late = overdue(conn, datetime.now(UTC))
    if late:
        raise AirflowFailException("overdue exports: " + "; ".join(map(str, late)))
    return 0


def report_scores() -> dict[str, int]:
    """Log each methodology's latest DTI table; fail when dbt left no scores."""
    from dti.scoring.dti_table import log_latest_scores

    return log_latest_scores()


def write_report() -> str:
    """Write the report site (DTI_REPORT_DIR) from the marts just built."""
    from dti.report.site import build_report
    from dti.settings import report_dir
    from dti.warehouse.connection import warehouse_url

    return str(build_report(warehouse_url(), report_dir()))
