"""Run dbt on the project with the connection taken from the warehouse URL."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote, urlsplit

from dti.settings import DBT_PROJECT_DIR

# The profile and target in dbt_project/profiles.yml. Every dbt invocation names them
# (Cosmos on its command line, `run_dbt` through dbt's environment variables) because
# dbt keys its partial-parse state on them: a parse saved by an invocation that named
# none is thrown away by one that names them, and the project parsed again whole.
PROFILE = "dti"
TARGET = "warehouse"


def dbt_env(url: str) -> dict[str, str]:
    """DTI_PG_* variables that dbt_project/profiles.yml reads, from a PostgreSQL URL."""
    parts = urlsplit(url)
    return {
        "DTI_PG_HOST": parts.hostname or "127.0.0.1",
        "DTI_PG_PORT": str(parts.port or 5432),
        "DTI_PG_USER": unquote(parts.username or "postgres"),
        "DTI_PG_PASSWORD": unquote(parts.password or ""),
        "DTI_PG_DATABASE": parts.path.lstrip("/") or "dti",
    }


def manifest_path() -> Path:
    return DBT_PROJECT_DIR / "target" / "manifest.json"


def dbt_executable() -> str:
    # The dbt next to this interpreter, so a venv's dbt is used even off PATH.
    candidate = Path(sys.executable).with_name("dbt")
    return str(candidate) if candidate.exists() else "dbt"


@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def run_dbt(args: list[str], url: str | None = None, check: bool = True) -> int:
    """dbt in this process (dbt's programmatic runner: no interpreter start and imports
    per call); exit code as the dbt command gives it: 0 ok, 1 failures, 2 error."""
    from dbt.cli.main import dbtRunner

    env = {"DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "DBT_PROFILE": PROFILE,
           "DBT_TARGET": TARGET, **(dbt_env(url) if url else {})}
    with _environment(env):
        result = dbtRunner().invoke([*args, "--project-dir", str(DBT_PROJECT_DIR),
                                     "--profiles-dir", str(DBT_PROJECT_DIR)])
    code = 0 if result.success else 2 if result.exception is not None else 1
    if result.exception is not None:
        # dbt reports its own node failures; an invocation it could not start (an
        # unknown option, a broken project) only comes back as this exception.
        # One line: dbt's heading ("Compilation Error") and what it says below it.
        lines = [line.strip() for line in str(result.exception).splitlines() if line.strip()]
        print(f"dbt: {': '.join(lines[:2])}", file=sys.stderr)
    if check and code != 0:
        raise RuntimeError(f"dbt {' '.join(args)} failed with exit code {code}")
    return code


def build_manifest(url: str | None = None) -> Path:
    """`dbt parse` writes target/manifest.json, which Cosmos renders the DAG from.

    With the warehouse the DAGs will build (``url``), the parse state saved beside it
    is one the first build can reuse: dbt keys it on the connection's host, port, user
    and database, and parsed again whole (~3 s) when they differ."""
    run_dbt(["parse", "--quiet"], url)
    return manifest_path()
