"""The Airflow services of docker-compose.yml start: with exactly the environment
compose gives them (read from the resolved compose file; only the host names, which
resolve inside the compose network, point at a throwaway database here), `airflow db
migrate` succeeds and the DAG folder parses without import errors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from dti.settings import DAGS_DIR, PROJECT_DIR
from tests.test_compose import SECRETS, compose_config

pytestmark = pytest.mark.dag


@pytest.fixture
def compose_airflow_env(pg_admin_url, tmp_path, dbt_manifest):
    _, config, errors = compose_config(PROJECT_DIR)
    assert config, errors
    env = {k: str(v) for k, v in config["services"]["airflow-scheduler"]["environment"].items()}
    port = pg_admin_url.rsplit(":", 1)[1].split("/")[0]
    database = f"airflow_compose_{os.getpid()}"
    password = SECRETS["AIRFLOW_DB_PASSWORD"]
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        exists = conn.execute("select 1 from pg_roles where rolname = 'airflow'").fetchone()
        conn.execute(sql.SQL("{} role airflow login password {}").format(
            sql.SQL("alter" if exists else "create"), sql.Literal(password)))
        conn.execute(sql.SQL("create database {} owner airflow").format(
            sql.Identifier(database)))
    for key, value in env.items():
        env[key] = (value.replace("@airflow-db:5432/airflow", f"@127.0.0.1:{port}/{database}")
                    .replace("/opt/dti/dags", str(DAGS_DIR))
                    .replace("/opt/dti/data", str(tmp_path / "data")))
    # PATH and friends, and this test process's copy of the dbt project (its manifest).
    base = {k: os.environ[k] for k in ("PATH", "HOME", "LANG", "DTI_DBT_PROJECT_DIR")
            if k in os.environ}
    yield {**base, **env, "AIRFLOW_HOME": str(tmp_path / "airflow"),
           "PYTHONPATH": str(PROJECT_DIR)}
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("drop database if exists {} with (force)").format(
            sql.Identifier(database)))


def test_compose_airflow_environment_migrates_and_parses_the_dags(compose_airflow_env):
    assert compose_airflow_env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith(
        "postgresql+psycopg2://airflow:")
    dti = str(Path(sys.executable).with_name("dti"))
    # What airflow-init runs: the migration, then the heavy pool, one slot per core.
    init = subprocess.run([dti, "airflow", "init"], env=compose_airflow_env,
                          capture_output=True, text=True, timeout=600)
    assert init.returncode == 0, init.stderr[-3000:]
    cores = len(os.sched_getaffinity(0))
    pools = subprocess.run([dti, "airflow", "service", "pools", "get", "dti_heavy"],
                           env=compose_airflow_env, capture_output=True, text=True,
                           timeout=300)
    assert pools.returncode == 0, pools.stderr[-3000:]
    assert f"dti_heavy | {cores} " in pools.stdout.replace("  ", " ")

    def config(*key: str, **knobs: str) -> str:
        # What a service runs with: `dti airflow service` sizes Airflow, then becomes it.
        done = subprocess.run([dti, "airflow", "service", "config", "get-value", *key],
                              env={**compose_airflow_env, **knobs}, capture_output=True,
                              text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout.strip()

    assert config("core", "parallelism") == str(2 * cores)
    assert config("core", "parallelism", AIRFLOW_PARALLELISM="3") == "3"  # from .env
    assert config("celery", "worker_concurrency") == str(cores)
    assert config("core", "executor") == "dti.orchestration.executor.PreloadingLocalExecutor"
    probe = ("from dti.orchestration.runtime import dag_bag\n"
             "bag = dag_bag()\n"
             "print(sorted(bag.dag_ids), bag.import_errors)\n")
    parsed = subprocess.run([sys.executable, "-c", probe], env=compose_airflow_env,
                            capture_output=True, text=True, timeout=300)
    assert parsed.returncode == 0, parsed.stderr[-3000:]
    assert parsed.stdout.strip().endswith("{}")  # no import errors
    assert "transform_and_score" in parsed.stdout and "ingest_document_logs" in parsed.stdout


def test_init_against_a_database_that_refuses_is_one_line(tmp_path):
    """What airflow-init's log shows when airflow-db is not there: the reason, once."""
    env = {k: os.environ[k] for k in ("PATH", "HOME", "LANG") if k in os.environ}
    env |= {"AIRFLOW_HOME": str(tmp_path / "airflow"),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN":
                "postgresql+psycopg2://airflow:x@127.0.0.1:1/airflow"}
    done = subprocess.run([str(Path(sys.executable).with_name("dti")), "airflow", "init"],
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1
    assert "Traceback" not in done.stdout + done.stderr
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("error: airflow db migrate failed: ") and "refused" in line
