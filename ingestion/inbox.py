"""The inbox: where agency exports arrive, one folder per source."""

from __future__ import annotations

import os
from pathlib import Path

from ingestion.paths import PROJECT_DIR

SUFFIXES = {".csv", ".xlsx", ".json", ".jsonl"}


def inbox_dir(source: str, root: str | Path | None = None) -> Path:
    base = Path(root or os.environ.get("DTI_INBOX_DIR", PROJECT_DIR / "data" / "inbox"))
    return base / source


def discover(source: str, root: str | Path | None = None) -> list[Path]:
    """Files waiting in the source's inbox, in name order (monthly names sort by period)."""
    folder = inbox_dir(source, root)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in SUFFIXES)
