"""Where the project's files and this checkout's local state live."""

from __future__ import annotations

import os
from pathlib import Path

# The package is installed editable from the repository, so the repository root
# is one level above it. DTI_PROJECT_DIR overrides this for packaged installs.
PROJECT_DIR = Path(os.environ.get("DTI_PROJECT_DIR", Path(__file__).resolve().parents[1]))

DAGS_DIR = PROJECT_DIR / "dags"
DBT_PROJECT_DIR = PROJECT_DIR / "dbt_project"
EXPECTATIONS_DIR = PROJECT_DIR / "expectations"
MIGRATIONS_DIR = PROJECT_DIR / "warehouse"
CONFIG_DIR = Path(__file__).resolve().parent / "config"
AGENCY_REGISTRY_CSV = DBT_PROJECT_DIR / "seeds" / "agency_registry.csv"


def state_dir() -> Path:
    """Local, git-ignored state of this checkout: embedded server, Airflow home, demo data."""
    return Path(os.environ.get("DTI_STATE_DIR", PROJECT_DIR / ".dti"))
