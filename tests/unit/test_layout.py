"""The layout holds: Airflow and Cosmos are imported by the DAG files and the
orchestration package only, and ingestion does not reach into the command's package
beyond its settings and warehouse connection."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from dti.settings import PROJECT_DIR

pytestmark = pytest.mark.unit

ALLOWED = ("dags/", "dti/orchestration/")
SKIP = (".venv/", "dbt_project/", ".dti/", "node_modules/")


def python_files() -> list[Path]:
    return [p for p in PROJECT_DIR.rglob("*.py")
            if not any(str(p.relative_to(PROJECT_DIR)).startswith(s) for s in SKIP)]


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
    # Code in strings run by a child interpreter counts too.
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and (
                "import airflow" in node.value or "from airflow" in node.value
                or "import cosmos" in node.value or "from cosmos" in node.value):
            found.add("airflow (in a string)")
    return found


def test_only_dags_and_orchestration_import_airflow_or_cosmos():
    offenders = {}
    for path in python_files():
        rel = str(path.relative_to(PROJECT_DIR))
        if rel.startswith(ALLOWED) or path == Path(__file__):
            continue
        bad = {m for m in imported_modules(path)
               if m.split(".")[0] in ("airflow", "cosmos") or m.startswith("airflow")}
        if bad:
            offenders[rel] = sorted(bad)
    assert offenders == {}


def test_dag_files_import_the_project_only_through_orchestration():
    for path in (PROJECT_DIR / "dags").glob("*.py"):
        project = {m for m in imported_modules(path) if m.split(".")[0] in ("dti", "ingestion")}
        assert all(m.startswith("dti.orchestration") for m in project), (path.name, project)


def test_ingestion_uses_only_settings_and_the_warehouse_connection_of_dti():
    for path in (PROJECT_DIR / "ingestion").rglob("*.py"):
        used = {m for m in imported_modules(path) if m.split(".")[0] == "dti"}
        assert used <= {"dti", "dti.settings", "dti.warehouse.connection"}, (path, used)
