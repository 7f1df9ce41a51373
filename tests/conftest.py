"""Shared fixtures: an ephemeral PostgreSQL for the session, a fresh migrated
database per test, and Airflow configured for in-process DAG runs.

Set DTI_TEST_WAREHOUSE_URL to an admin URL of a server you already run to use it
instead of the ephemeral one (each test still gets its own database).
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

# Imported at collection: otherwise hypothesis's pytest plugin imports it at the session's
# end when no collected test did, and CPython 3.11.7's parser then failed there
# ("AST constructor recursion depth mismatch") after the SFTP tests, failing the run.
import hypothesis  # noqa: F401

# Airflow reads its settings when first imported: fix them before any test does.
_SESSION_DIR = Path(tempfile.mkdtemp(prefix="dti-tests-"))
# Each test process (pytest-xdist worker) runs dbt in its own copy of the project.
shutil.copytree(Path(__file__).resolve().parents[1] / "dbt_project",
                _SESSION_DIR / "dbt_project",
                ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
os.environ["DTI_DBT_PROJECT_DIR"] = str(_SESSION_DIR / "dbt_project")
# The suite's figures are for the sample months 2025-03..08, whatever today's date.
os.environ["DTI_SAMPLE_END_MONTH"] = "2025-08"
from dti.orchestration.runtime import airflow_env  # noqa: E402

os.environ.update(airflow_env(_SESSION_DIR / "airflow"))
os.environ["DTI_STATE_DIR"] = str(_SESSION_DIR / "state")
os.environ.pop("DTI_WAREHOUSE_URL", None)

import psycopg  # noqa: E402
import pytest  # noqa: E402
from psycopg import sql  # noqa: E402

from dti.warehouse.embedded import EmbeddedWarehouse  # noqa: E402
from dti.warehouse.migrations import migrate  # noqa: E402

_counter = itertools.count()


def _with_database(url: str, name: str) -> str:
    return url.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(scope="session")
def pg_admin_url():
    """Admin URL of the test server (its `postgres` database)."""
    external = os.environ.get("DTI_TEST_WAREHOUSE_URL")
    if external:
        yield _with_database(external, "postgres")
        return
    wh = EmbeddedWarehouse(_SESSION_DIR / "pg", durable=False)
    wh.start()
    yield wh.url("postgres")
    wh.destroy()


@pytest.fixture(scope="session")
def template_db(pg_admin_url):
    """A migrated database that each test's database is copied from."""
    name = f"dti_template_{os.getpid()}"
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("drop database if exists {}").format(sql.Identifier(name)))
        conn.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
    migrate(_with_database(pg_admin_url, name))
    yield name
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("drop database if exists {} with (force)").format(
            sql.Identifier(name)))


class _FreshDatabases:
    """Per-test copies of the template, made one ahead and dropped in a background
    thread: a create or a drop costs the server ~0.1 s, twice per test, which the test
    would otherwise wait for."""

    def __init__(self, admin_url: str, template: str):
        from concurrent.futures import ThreadPoolExecutor

        self.admin_url, self.template = admin_url, template
        self.server = ThreadPoolExecutor(max_workers=1)  # one at a time, in order
        self.spare = None

    def _create(self) -> str:
        name = f"dti_test_{os.getpid()}_{next(_counter)}"
        clone_database(self.admin_url, self.template, name)
        return name

    def take(self) -> str:
        name = (self.spare or self.server.submit(self._create)).result()
        self.spare = self.server.submit(self._create)
        return name

    def give_back(self, name: str) -> None:
        self.server.submit(drop_database, self.admin_url, name)

    def close(self) -> None:
        if self.spare is not None:
            self.give_back(self.spare.result())
        self.server.shutdown(wait=True)


@pytest.fixture(scope="session")
def _fresh_databases(pg_admin_url, template_db):
    pool = _FreshDatabases(pg_admin_url, template_db)
    yield pool
    pool.close()


@pytest.fixture
def warehouse_url(pg_admin_url, _fresh_databases, monkeypatch):
    """A fresh, migrated warehouse database for one test; DTI_WAREHOUSE_URL points at it."""
    name = _fresh_databases.take()
    url = _with_database(pg_admin_url, name)
    monkeypatch.setenv("DTI_WAREHOUSE_URL", url)
    yield url
    _fresh_databases.give_back(name)


def clone_database(admin_url: str, template: str, name: str) -> str:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        # A template must have no sessions: the loader's cached Great Expectations
        # engine keeps pooled connections to the database it validated in.
        conn.execute("select pg_terminate_backend(pid) from pg_stat_activity "
                     "where datname = %s and pid <> pg_backend_pid()", (template,))
        conn.execute(sql.SQL("create database {} template {}").format(
            sql.Identifier(name), sql.Identifier(template)))
    return _with_database(admin_url, name)


def drop_database(admin_url: str, name: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("drop database if exists {} with (force)").format(
            sql.Identifier(name)))


def _shared_dir(tmp_path_factory) -> Path | None:
    """A folder every pytest-xdist worker of this run sees; None without xdist."""
    run_id = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    return tmp_path_factory.getbasetemp().parent / f"shared_{run_id}" if run_id else None


@pytest.fixture(scope="session")
def sample_set(tmp_path_factory):
    """The demo's sample exports (seed 7), written once per test run (the built
    template's ledger names these files, whichever worker built it). Read-only."""
    from filelock import FileLock

    from dti.samples.generate import generate

    shared = _shared_dir(tmp_path_factory)
    if shared is None:
        return generate(tmp_path_factory.mktemp("sample_set"), seed=7).files
    shared.mkdir(exist_ok=True)
    listing = shared / "sample_set.json"  # the files in the order they were written
    with FileLock(shared / "sample_set.lock"):
        if not listing.exists():
            files = generate(shared / "sample_set", seed=7).files
            listing.write_text(json.dumps({k: [str(p) for p in v] for k, v in files.items()}))
    return {k: [Path(p) for p in v] for k, v in json.loads(listing.read_text()).items()}


@pytest.fixture(scope="session")
def built_template(pg_admin_url, template_db, sample_set, tmp_path_factory):
    """A database with the sample set loaded and `dbt build` run, made once per test
    run; tests that read marts start from a copy of it. Under pytest-xdist the first
    worker builds it and dumps it, the others restore the dump (seconds, not ~40 s)."""
    from filelock import FileLock

    name = f"dti_built_{os.getpid()}"
    shared = _shared_dir(tmp_path_factory)
    if shared is None or not Path(_pg_tool("pg_restore")).exists():
        _build_sample_warehouse(clone_database(pg_admin_url, template_db, name), sample_set)
    else:
        dump = shared / "built_template.dump"
        with FileLock(shared / "built_template.lock"):
            if dump.exists():
                _restore(pg_admin_url, name, dump)
            else:
                url = clone_database(pg_admin_url, template_db, name)
                _build_sample_warehouse(url, sample_set)
                _dump(url, dump)
    yield name
    drop_database(pg_admin_url, name)


def _build_sample_warehouse(url: str, sample_set) -> None:
    from dti.dbt_project import run_dbt
    from ingestion.load import ingest_file

    for source, paths in sample_set.items():
        for path in paths:
            ingest_file(source, path, url)
    assert run_dbt(["build", "--quiet"], url) == 0


def _pg_tool(name: str) -> str:
    from dti.warehouse.embedded import postgres_bindir

    return str(postgres_bindir() / name)


def _dump(url: str, dump: Path) -> None:
    part = dump.with_suffix(".part")
    subprocess.run([_pg_tool("pg_dump"), "--format=custom", "--file", str(part), url],
                   check=True)
    part.rename(dump)


def _restore(admin_url: str, name: str, dump: Path) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("create database {} template template0").format(
            sql.Identifier(name)))
    subprocess.run([_pg_tool("pg_restore"), "--exit-on-error", "--dbname",
                    _with_database(admin_url, name), str(dump)], check=True)


@pytest.fixture
def built_warehouse(pg_admin_url, built_template, monkeypatch):
    """A copy of the built sample warehouse for one test; DTI_WAREHOUSE_URL points at it."""
    name = f"dti_built_{os.getpid()}_{next(_counter)}"
    url = clone_database(pg_admin_url, built_template, name)
    monkeypatch.setenv("DTI_WAREHOUSE_URL", url)
    yield url
    drop_database(pg_admin_url, name)


@pytest.fixture
def sample_exports(tmp_path):
    """Six monthly public-service reports as the generator writes them (seed 7)."""
    from dti.samples.generate import generate_public_services

    return generate_public_services(tmp_path / "inbox", seed=7)


@pytest.fixture(scope="session")
def dbt_manifest():
    """dbt_project/target/manifest.json, rebuilt once per session (Cosmos reads it)."""
    from dti.dbt_project import build_manifest

    return build_manifest()


@pytest.fixture(scope="session")
def airflow_db():
    """The session's Airflow metadata database (SQLite), migrated once."""
    from dti.orchestration.runtime import migrate_metadata_db

    migrate_metadata_db(dict(os.environ))


@pytest.fixture
def dag_env(warehouse_url, airflow_db, dbt_manifest, monkeypatch):
    """Everything a real DAG run needs: metadata DB, manifest, warehouse variables."""
    from dti.orchestration.runtime import warehouse_env

    for key, value in warehouse_env(warehouse_url).items():
        monkeypatch.setenv(key, value)
    return warehouse_url


@pytest.fixture
def built_dag_env(built_warehouse, airflow_db, dbt_manifest, monkeypatch):
    """A DAG run's environment on a copy of the built sample warehouse."""
    from dti.orchestration.runtime import warehouse_env

    for key, value in warehouse_env(built_warehouse).items():
        monkeypatch.setenv(key, value)
    return built_warehouse


_LANES = ("unit", "warehouse", "dbt", "dag")
_WAREHOUSE_FIXTURES = {"warehouse_url", "pg_admin_url", "template_db", "dag_env"}
_DBT_FIXTURES = {"dbt_manifest", "built_template", "built_warehouse"}


def pytest_collection_modifyitems(items):
    """Every test in one lane: its own marker, else by the fixtures it uses."""
    for item in items:
        if any(item.get_closest_marker(lane) for lane in _LANES):
            continue
        fixtures = set(getattr(item, "fixturenames", ()))
        if fixtures & {"dag_env", "built_dag_env", "airflow_db"}:
            item.add_marker(pytest.mark.dag)
        elif fixtures & _DBT_FIXTURES:
            item.add_marker(pytest.mark.dbt)
        elif fixtures & _WAREHOUSE_FIXTURES:
            item.add_marker(pytest.mark.warehouse)
        else:
            item.add_marker(pytest.mark.unit)
