"""Every setting the project reads from the environment (``DTI_*``), in one place,
and where the project's files and this checkout's local state live.

Settings are read when asked for, not at import, so a test or a task can change one.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

# The package is installed editable from the repository, so the repository root
# is one level above it. DTI_PROJECT_DIR overrides this for packaged installs.
PROJECT_DIR = Path(os.environ.get("DTI_PROJECT_DIR", Path(__file__).resolve().parents[1]))

DAGS_DIR = PROJECT_DIR / "dags"
# DTI_DBT_PROJECT_DIR: a copy of the dbt project to run instead (the test suite gives
# each worker its own, so two dbt runs never share target/ and logs/).
DBT_PROJECT_DIR = Path(os.environ.get("DTI_DBT_PROJECT_DIR") or PROJECT_DIR / "dbt_project")
EXPECTATIONS_DIR = PROJECT_DIR / "expectations"
MIGRATIONS_DIR = PROJECT_DIR / "warehouse"
AGENCY_REGISTRY_CSV = DBT_PROJECT_DIR / "seeds" / "agency_registry.csv"


def _get(name: str) -> str | None:
    return os.environ.get(name) or None


def state_dir() -> Path:
    """DTI_STATE_DIR: local, git-ignored state of this checkout (embedded server,
    Airflow home, demo data); default ``.dti``."""
    return Path(_get("DTI_STATE_DIR") or PROJECT_DIR / ".dti")


def warehouse_url() -> str | None:
    """DTI_WAREHOUSE_URL: the warehouse; unset, the embedded server is used."""
    return _get("DTI_WAREHOUSE_URL")


def postgres_bindir() -> str | None:
    """DTI_PG_BINDIR: where initdb and pg_ctl are, when not in the usual places."""
    return _get("DTI_PG_BINDIR")


def data_dir() -> Path:
    """DTI_DATA_DIR: the folder holding inbox/, archive/ and rejected/; default data/."""
    return Path(_get("DTI_DATA_DIR") or PROJECT_DIR / "data")


def report_dir() -> Path:
    """DTI_REPORT_DIR: where `dti report` and the transform DAG write the report site;
    default .dti/report."""
    return Path(_get("DTI_REPORT_DIR") or state_dir() / "report")


def portal() -> tuple[str | None, str]:
    """DTI_PORTAL_URL and DTI_PORTAL_TOKEN: the public-service portal API to pull."""
    return _get("DTI_PORTAL_URL"), os.environ.get("DTI_PORTAL_TOKEN", "")


def personal_data_salt() -> str | None:
    """DTI_PERSONAL_DATA_SALT: the secret that pseudonymises people; shared by every
    loader of one warehouse (unset: one is made per checkout)."""
    return _get("DTI_PERSONAL_DATA_SALT")


def alert_webhook_url() -> str | None:
    """DTI_ALERT_WEBHOOK_URL: where failed tasks are posted as JSON."""
    return _get("DTI_ALERT_WEBHOOK_URL")


def debug() -> bool:
    """DTI_DEBUG: show tracebacks instead of one line per failure."""
    return os.environ.get("DTI_DEBUG", "") not in ("", "0")


def airflow_log_level() -> str:
    """DTI_AIRFLOW_LOG_LEVEL: task log level of in-process DAG runs."""
    return _get("DTI_AIRFLOW_LOG_LEVEL") or "WARNING"


# The pool `dti airflow up` creates for tasks that load with Great Expectations or run
# dbt (one slot per core).
HEAVY_POOL = "dti_heavy"


def heavy_pool() -> str:
    """DTI_HEAVY_POOL: the Airflow pool of GX loads and dbt builds; default_pool unless
    the deployment made one (`dti airflow up` sets it to dti_heavy)."""
    return _get("DTI_HEAVY_POOL") or "default_pool"


class SettingError(ValueError):
    """A DTI_* variable holds something it cannot mean (the message names it)."""


def _seconds(name: str, default: int) -> int:
    value = _get(name) or str(default)
    if not value.isdigit():
        raise SettingError(f"{name}={value!r}: not a number of seconds")
    return int(value)


def retry_delay_seconds() -> int:
    """DTI_RETRY_DELAY_SECONDS: wait before a failed ingest task is tried again (120)."""
    return _seconds("DTI_RETRY_DELAY_SECONDS", 120)


def settle_max_seconds() -> int:
    """DTI_SETTLE_MAX_SECONDS: how long a marts build waits for running loads to end
    before it reads the warehouse anyway (600)."""
    return _seconds("DTI_SETTLE_MAX_SECONDS", 600)


def check_dag_settings() -> None:
    """Read the DTI_* settings the DAGs and their tasks read, so a bad one stops the
    command that starts Airflow with one line instead of failing a parse or a task."""
    retry_delay_seconds()
    settle_max_seconds()
    dbt_execution()


def _choice(name: str, choices: tuple[str, ...]) -> str:
    """One of ``choices`` (the first when unset), any case; another value is refused."""
    value = (_get(name) or choices[0]).lower()
    if value not in choices:
        raise SettingError(f"{name}={value!r}: {' or '.join(choices)}")
    return value


def airflow_executor() -> str:
    """DTI_AIRFLOW_EXECUTOR: what `dti airflow up` runs tasks with: local (one machine,
    the default) or celery (workers on this and other hosts, through a broker)."""
    return _choice("DTI_AIRFLOW_EXECUTOR", ("local", "celery"))


def dbt_execution() -> str:
    """DTI_DBT_EXECUTION: how `transform_and_score` runs dbt: watcher (one `dbt build` a
    run, a task per model and seed reporting it; the default) or local (Cosmos's own
    default: a task per model and seed running dbt for it, and one per model's tests;
    ~4x slower in-process, bench/cosmos_modes.py), for a deployment where Cosmos's
    experimental watcher mode misbehaves."""
    return _choice("DTI_DBT_EXECUTION", ("watcher", "local"))


def celery_broker_url() -> str:
    """DTI_CELERY_BROKER_URL: the Celery broker of `dti airflow up` under celery."""
    return _get("DTI_CELERY_BROKER_URL") or "redis://127.0.0.1:6379/0"


def celery_workers() -> int:
    """DTI_CELERY_WORKERS: Celery workers `dti airflow up` starts on this host (1)."""
    value = _get("DTI_CELERY_WORKERS") or "1"
    if not value.isdigit() or int(value) < 1:
        raise SettingError(f"DTI_CELERY_WORKERS={value!r}: a number of workers, 1 or more")
    return int(value)


def celery_queue() -> str:
    """DTI_CELERY_QUEUE: the queue this deployment's tasks and workers use, so two
    deployments can share one broker."""
    return _get("DTI_CELERY_QUEUE") or "dti"


def sample_end_month() -> tuple[int, int] | None:
    """DTI_SAMPLE_END_MONTH (YYYY-MM): the last month sample exports cover; default the
    last complete month, so the demo's data is as fresh as the calendar."""
    value = _get("DTI_SAMPLE_END_MONTH")
    if value is None:
        return None
    match = re.fullmatch(r"(\d{4})-(0[1-9]|1[0-2])", value.strip())
    if not match:
        raise SettingError(f"DTI_SAMPLE_END_MONTH={value!r}: not a month (YYYY-MM)")
    return int(match[1]), int(match[2])


def limit_override(name: str) -> str | None:
    """DTI_LIMIT_<NAME>: a bound of ingestion/config/limits.yaml, overridden."""
    return _get(f"DTI_LIMIT_{name.upper()}")
