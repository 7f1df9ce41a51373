import psycopg
import pytest

from ingestion.migrate import MigrationError, discover, migrate
from ingestion.warehouse import EmbeddedWarehouse

SCHEMAS = {"raw", "quarantine", "staging", "intermediate", "marts", "dq", "meta"}


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
