"""The inbox: where agency exports arrive, one folder per source.

A processed file leaves the inbox, so the next run does not see it again: a loaded
(or already-loaded) file goes to ``archive/<source>/``, a rejected one to
``rejected/<source>/``, both named with the file's hash so nothing is overwritten,
and the ledger row says where it went. A file whose load failed for another reason
(the warehouse was down) stays in the inbox for the next try. Nothing is deleted.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import psycopg

from dti import settings
from dti.warehouse.connection import warehouse_url
from ingestion.ledger import BatchResult
from ingestion.load import BatchRejected, ingest_file

SUFFIXES = {".csv", ".xlsx", ".json", ".jsonl", ".ndjson"}


def data_root(root: str | Path | None = None) -> Path:
    """The folder holding inbox/, archive/ and rejected/."""
    return Path(root) if root else settings.data_dir()


def inbox_dir(source: str, root: str | Path | None = None) -> Path:
    return data_root(root) / "inbox" / source


def discover(source: str, root: str | Path | None = None) -> list[Path]:
    """Files waiting in the source's inbox, in name order (monthly names sort by period)."""
    folder = inbox_dir(source, root)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in SUFFIXES)


def _move(path: Path, folder: Path, sha256: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{sha256[:12]}_{path.name}"
    shutil.move(str(path), target)
    return target


def _record_archive(batch_id: int, target: Path) -> None:
    with psycopg.connect(warehouse_url(), autocommit=True) as conn:
        conn.execute("update meta.batches set archived_to = %s where batch_id = %s",
                     (str(target), batch_id))


def process_file(source: str, path: str | Path, root: str | Path | None = None, *,
                 reload: bool = False) -> BatchResult:
    """Load one inbox file (``reload``: as ``ingest_file``) and move it out of the inbox
    according to the outcome."""
    path = Path(path)
    base = data_root(root)
    try:
        result = ingest_file(source, path, reload=reload)
    except BatchRejected as exc:
        if path.is_file():  # a path that is gone or not a file has nothing to move
            _record_archive(exc.result.batch_id, _move(
                path, base / "rejected" / source, exc.result.sha256 or "unhashed0000"))
        raise
    _record_archive(result.batch_id, _move(path, base / "archive" / source, result.sha256))
    return result
