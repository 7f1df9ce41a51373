"""Run dbt on the project with the connection taken from the warehouse URL."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

from dti.settings import DBT_PROJECT_DIR


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


def run_dbt(args: list[str], url: str | None = None, check: bool = True) -> int:
    env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    if url:
        env.update(dbt_env(url))
    cmd = [dbt_executable(), *args, "--project-dir", str(DBT_PROJECT_DIR),
           "--profiles-dir", str(DBT_PROJECT_DIR)]
    proc = subprocess.run(cmd, env=env)
    if check and proc.returncode != 0:
        raise RuntimeError(f"dbt {' '.join(args)} failed with exit code {proc.returncode}")
    return proc.returncode


def build_manifest() -> Path:
    """`dbt parse` writes target/manifest.json, which Cosmos renders the DAG from."""
    run_dbt(["parse", "--quiet"])
    return manifest_path()
