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


def run_type_value(run_type: object) -> str:
    """A DAG run's type as its value ('backfill'): the Task SDK hands tasks an enum whose
    str() is its name ('DagRunType.BACKFILL')."""
    return str(getattr(run_type, "value", run_type))


def record_build(dag_run_id: str, settled: dict) -> str:
    """The marts were built through that batch (meta.mart_builds)."""
    import psycopg

    from dti.warehouse import builds
    from dti.warehouse.connection import warehouse_url

    with psycopg.connect(warehouse_url(), autocommit=True) as conn:
        builds.record_build(conn, dag_run_id, settled["through_batch_id"])
    return f"marts refreshed through batch {settled['through_batch_id']}"


def airflow_endpoint(conn_id: str):
    """An Airflow connection (metadata database, secrets backend or AIRFLOW_CONN_<ID>)
    as the pulls' Endpoint; None when it is not defined."""
    from airflow.sdk import BaseHook
    from airflow.sdk.exceptions import AirflowNotFoundException

    from ingestion.pulls.connections import Endpoint

    try:
        c = BaseHook.get_connection(conn_id)
    except AirflowNotFoundException:
        return None
    return Endpoint(conn_id, c.conn_type or "", c.host or "", c.port, c.login or "",
                    c.password or "", c.schema or "", dict(c.extra_dejson or {}))


def month_to_pull(asked: str | None, run_type: object, interval_start) -> str | None:
    """The month param, else a backfill run's month (its logical date's, Vietnam time),
    else None: what is new."""
    from ingestion.text import vietnam_month_of

    if asked:
        return asked
    if run_type_value(run_type) == "backfill" and interval_start is not None:
        return vietnam_month_of(interval_start)
    return None


def pull_exports(source: str, data_root: str | None, month: str | None,
                 today=None) -> list[str]:
    """Pull every configured connection of the source into its inbox; a failed pull
    fails the task (after the others ran), with one line per failure."""
    from ingestion.pulls.run import pull_source

    outcomes = _one_line(lambda: pull_source(source, data_root, month, airflow_endpoint,
                                             today), "pull")
    return [str(p) for o in outcomes for p in o.delivered]


def settle_remote(source: str) -> list[str]:
    """Remove or move the SFTP copies whose load is verified (extra after_load)."""
    from ingestion.pulls.run import settle_source

    return _one_line(lambda: settle_source(source, airflow_endpoint), "settle")


def _one_line(work, what: str):
    from airflow.sdk.exceptions import AirflowException

    from ingestion.pulls.run import PullsFailed

    try:
        return work()
    except PullsFailed as exc:
        raise AirflowException(f"{what} failed: " + "; ".join(exc.failures)) from None
