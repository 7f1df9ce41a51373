"""A BI login reads the marts with their descriptions: every mart table and column
carries its dbt description as a PostgreSQL comment (persist_docs)."""

import json
import os

import psycopg
import pytest

from dti.dbt_project import manifest_path
from dti.warehouse.roles import create_bi_login

pytestmark = pytest.mark.dbt


def test_a_bi_login_reads_every_mart_description(built_warehouse, dbt_manifest, tmp_path):
    login = f"bi_comments_{os.getpid()}"
    secret = create_bi_login(built_warehouse, login, tmp_path / "bi.password")
    credentials = built_warehouse.split("@")[0].split("//")[1]
    bi_url = built_warehouse.replace(credentials, f"{login}:{secret.read_text().strip()}")
    nodes = json.loads(manifest_path().read_text())["nodes"].values()
    marts = {n["name"]: n for n in nodes
             if n["resource_type"] == "model" and n["config"]["schema"] == "marts"}
    try:
        with psycopg.connect(bi_url) as bi:
            tables = dict(bi.execute(
                "select c.relname, obj_description(c.oid, 'pg_class') from pg_class c "
                "join pg_namespace n on n.oid = c.relnamespace "
                "where n.nspname = 'marts' and c.relkind = 'r'").fetchall())
            columns = bi.execute(
                "select c.relname, a.attname, col_description(c.oid, a.attnum) "
                "from pg_class c join pg_namespace n on n.oid = c.relnamespace "
                "join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 "
                "and not a.attisdropped where n.nspname = 'marts' and c.relkind = 'r'"
            ).fetchall()
            bi.execute("select count(*) from marts.dti_scores")  # and reads the data
    finally:
        with psycopg.connect(built_warehouse, autocommit=True) as admin:
            admin.execute(f"drop owned by {login}")
            admin.execute(f"drop role {login}")
    assert set(tables) == set(marts)
    for name, comment in tables.items():
        assert comment.strip() == marts[name]["description"].strip(), name
    undescribed = [(t, c) for t, c, comment in columns if not comment]
    assert columns and undescribed == []
