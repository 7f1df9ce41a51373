"""Task bodies the DAG files call: Airflow's failure types on one side, the
project's logic (in packages that know nothing of Airflow) on the other."""

from __future__ import annotations

from collections.abc import Callable
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


def _run_type(run_type: object) -> str:
    """A DAG run's type as its value ('backfill'): the Task SDK hands tasks an enum whose
    str() is its name ('DagRunType.BACKFILL')."""
    return str(getattr(run_type, "value", run_type))


def active_ingest_runs(ti) -> int:
    """Ingest DAG runs queued or running, as Airflow counts them."""
    from dti.orchestration.assets import RAW_ASSETS

    return sum(ti.get_dr_count(dag_id=f"ingest_{source}", states=["queued", "running"])
               for source in RAW_ASSETS)


SETTLE_POKE_SECONDS = 5


def settle_poke(active_runs: Callable[[], int], run_type: object, waiting_since: datetime):
    """One look before a marts build, as a sensor in reschedule mode (the executor slot
    is free between looks): not done while an ingest run is queued or running or a
    batch is loading, at most DTI_SETTLE_MAX_SECONDS after ``waiting_since``, so one
    build reads a whole drop instead of racing its loads. Then done, with the batch the
    build reads through; or skipped (with what follows) for a run that asset events
    started when nothing was loaded since the last build (the loads of a drop emit
    events while a build already reads them)."""
    import logging

    import psycopg
    from airflow.sdk import PokeReturnValue
    from airflow.sdk.exceptions import AirflowSkipException

    from dti.settings import settle_max_seconds
    from dti.warehouse import builds
    from dti.warehouse.connection import warehouse_url

    log = logging.getLogger(__name__)
    limit = settle_max_seconds()
    with psycopg.connect(warehouse_url(), autocommit=True) as conn:
        busy = active_runs() + builds.loads_running(conn)
        if busy:
            waited = (datetime.now(UTC) - waiting_since).total_seconds()
            if waited < limit:
                log.info("%d ingest runs or loads still going: looking again in %d s", busy,
                         SETTLE_POKE_SECONDS)
                return PokeReturnValue(is_done=False)
            log.warning("%d ingest runs or loads still going after %d s: building anyway",
                        busy, limit)
        if _run_type(run_type) == "asset_triggered" and not builds.loaded_since_last_build(conn):
            raise AirflowSkipException("nothing loaded since the last build")
        return PokeReturnValue(is_done=True,
                               xcom_value={"through_batch_id": builds.last_batch(conn)})


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
    if _run_type(run_type) == "backfill" and interval_start is not None:
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
