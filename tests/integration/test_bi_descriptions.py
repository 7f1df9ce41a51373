"""A BI login reads the marts with their descriptions: every mart table and column
carries its dbt description as a PostgreSQL comment (persist_docs); the README's BI
queries run as written, the lineage query included (it reads marts only); the ledger
itself is refused."""

import json
import os
import re
from pathlib import Path

import psycopg
import pytest

from dti.dbt_project import manifest_path
from dti.warehouse.roles import create_bi_login

pytestmark = pytest.mark.dbt

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_sql(section: str) -> list[str]:
    """The ```sql blocks of one README section (up to the next heading of its level)."""
    text = README.read_text()
    start = text.index(section)
    level = section.split(" ")[0]
    end = text.find(f"\n{level} ", start + len(section))
    body = text[start:end if end > 0 else None]
    return re.findall(r"```sql\n(.*?)```", body, flags=re.S)


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
            answers = [bi.execute(query).fetchall()
                       for query in readme_sql("### Querying the marts as a BI user")]
            (lineage,) = [q for q in readme_sql("## DTI methodology and scores")
                          if "dti_input_files" in q]
            files = bi.execute(lineage).fetchall()
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                bi.execute("select source_file from meta.batches")
    finally:
        with psycopg.connect(built_warehouse, autocommit=True) as admin:
            admin.execute(f"drop owned by {login}")
            admin.execute(f"drop role {login}")
    assert len(answers) == 3
    # The sample set's six monthly public-service files, each with the agency's one row.
    assert [(source, rows_used) for _, source, _, rows_used, *_ in files] == [
        ("public_services", 1)] * 6
    ranking, progress, _thin_evidence = answers  # the sample set quarantines nothing
    assert [rank for *_, rank, _units, _share in ranking][:1] == [1]
    assert progress and all(name for _, name, _, _ in progress)
    assert set(tables) == set(marts)
    for name, comment in tables.items():
        assert comment.strip() == marts[name]["description"].strip(), name
    undescribed = [(t, c) for t, c, comment in columns if not comment]
    assert columns and undescribed == []
