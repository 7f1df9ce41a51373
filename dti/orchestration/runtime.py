"""Run the project's real DAGs in-process (``dag.test()``), as the demo and tests do.

Airflow reads its configuration from the environment when first imported, so
``configure`` must run before anything imports ``airflow``. The metadata database
is a SQLite file under ``.dti/airflow`` (only in-process runs use it; the compose
stack has its own PostgreSQL).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from dti.dbt_project import dbt_env
from dti.settings import DAGS_DIR, airflow_log_level, check_dag_settings, state_dir


def airflow_env(home: Path | None = None) -> dict[str, str]:
    """Airflow settings for in-process runs: a local home and SQLite metadata DB."""
    check_dag_settings()
    home = home or state_dir() / "airflow"
    return {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_DIR),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
        # The dbt producer is never retried (dbt_group.py): no per-event Variable backup.
        "AIRFLOW__COSMOS__ENABLE_WATCHER_RELIABLE_RETRY": "False",
        # Task logs go to stdout in dag.test(); the demo shows warnings and up only.
        "AIRFLOW__LOGGING__LOGGING_LEVEL": airflow_log_level(),
    }


def warehouse_env(warehouse_url: str) -> dict[str, str]:
    """What tasks read at run time to reach the warehouse (loader and dbt profile)."""
    return {"DTI_WAREHOUSE_URL": warehouse_url, **dbt_env(warehouse_url)}


def airflow_binary() -> str:
    """This venv's `airflow` command (an image's, in a container)."""
    return str(Path(sys.executable).with_name("airflow"))


def migrate_metadata_db(env: dict[str, str]) -> None:
    """`airflow db migrate` once per Airflow home (a marker file remembers it)."""
    home = Path(env["AIRFLOW_HOME"])
    home.mkdir(parents=True, exist_ok=True)
    marker = home / ".migrated"
    if not marker.exists():
        subprocess.run([airflow_binary(), "db", "migrate"], env={**os.environ, **env}, check=True,
                       stdout=subprocess.DEVNULL)
        marker.touch()


def configure(warehouse_url: str, home: Path | None = None) -> None:
    """Set up this process to run the DAGs against ``warehouse_url``.

    Must run before ``airflow`` is first imported in this process."""
    env = airflow_env(home)
    os.environ.update(env)
    os.environ.update(warehouse_env(warehouse_url))
    migrate_metadata_db(env)


def dag_bag(folder: Path = DAGS_DIR):
    """The project's DAG folder as Airflow parses it."""
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(folder))


def load_dag(dag_id: str):
    bag = dag_bag()
    if bag.import_errors:
        # Each error is a traceback; its last line says what went wrong.
        errors = "; ".join(f"{Path(k).name}: {(str(v).strip().splitlines() or ['?'])[-1]}"
                           for k, v in bag.import_errors.items())
        raise RuntimeError(f"DAG import errors: {errors}")
    return bag.dags[dag_id]


def run_dag(dag_id: str, conf: dict | None = None, logical_date=None):
    """Run one DAG to the end in this process; raise if the run did not succeed.
    A ``logical_date`` runs it as the scheduler would for that date (a backfill)."""
    dag = load_dag(dag_id)
    run = dag.test(run_conf=conf or {}, logical_date=logical_date)
    state = str(getattr(run, "state", ""))
    if not state.endswith("success"):
        raise RuntimeError(f"DAG {dag_id} finished in state {state}")
    return run


def pushed_xcom_keys(run, task_id: str) -> set[str]:
    """The XCom keys one task of a finished run left, for inspecting what it handed on."""
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        return set(session.scalars(select(XComModel.key).where(
            XComModel.dag_id == run.dag_id, XComModel.run_id == run.run_id,
            XComModel.task_id == task_id)))
