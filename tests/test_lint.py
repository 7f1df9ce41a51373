"""The code stays lint-clean: ruff for Python, sqlfluff for SQL and dbt models."""

import subprocess
import sys
from pathlib import Path

from ingestion.paths import PROJECT_DIR

BIN = Path(sys.executable).parent


def test_ruff_is_clean():
    proc = subprocess.run([str(BIN / "ruff"), "check", "."], cwd=PROJECT_DIR,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_sqlfluff_is_clean():
    proc = subprocess.run([str(BIN / "sqlfluff"), "lint", "warehouse", "dbt_project/models",
                           "dbt_project/macros"], cwd=PROJECT_DIR, capture_output=True,
                          text=True)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
