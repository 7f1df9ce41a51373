"""The pull ledger (``meta.pulled_files``, ``meta.pull_watermarks``) and the hand-over
of a pulled file to the inbox.

A pulled file is written whole under the pull's ``ready/`` folder, hashed, recorded,
and only then moved into the inbox: a run killed at any point either left nothing
(the file is fetched again) or left a recorded file that the next run moves on.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import psycopg
from psycopg.types.json import Jsonb

from ingestion.ledger import file_sha256


def watermark(conn: psycopg.Connection, pull_name: str) -> dict | None:
    row = conn.execute("select watermark from meta.pull_watermarks where pull_name = %s",
                       (pull_name,)).fetchone()
    return row[0] if row else None


def set_watermark(conn: psycopg.Connection, pull_name: str, value: dict) -> None:
    conn.execute(
        "insert into meta.pull_watermarks (pull_name, watermark) values (%s, %s) "
        "on conflict (pull_name) do update set watermark = excluded.watermark, "
        "updated_at = now()", (pull_name, Jsonb(value)))


def pulled_keys(conn: psycopg.Connection, pull_name: str) -> set[str]:
    return {r[0] for r in conn.execute(
        "select remote_key from meta.pulled_files where pull_name = %s", (pull_name,))}


def ready_dir(work_dir: Path) -> Path:
    return work_dir / "ready"


def _inbox_target(inbox: Path, name: str, pulled_file_id: int) -> Path:
    target = inbox / name
    # An earlier delivery of the same name still waits: the id, zero-padded, keeps the
    # inbox (listed by name) in delivery order, so the newer file is loaded last.
    if target.exists():
        target = inbox / f"{Path(name).stem}.pull{pulled_file_id:010d}{Path(name).suffix}"
    return target


def deliver(conn: psycopg.Connection, *, pull_name: str, source: str, remote_key: str,
            staged: Path, inbox: Path, remote_path: str | None = None,
            records: int | None = None) -> Path | None:
    """Record ``staged`` (a whole file under ready/) and move it into the inbox; None
    when this remote object was already delivered (the staged copy is dropped)."""
    with conn.transaction():
        row = conn.execute(
            "insert into meta.pulled_files (pull_name, source, remote_key, remote_path, "
            "inbox_file, sha256, file_bytes, records) values (%s, %s, %s, %s, '', %s, %s, %s) "
            "on conflict (pull_name, remote_key) do nothing returning pulled_file_id",
            (pull_name, source, remote_key, remote_path, file_sha256(staged),
             staged.stat().st_size, records)).fetchone()
        if row is None:
            staged.unlink()
            return None
        inbox.mkdir(parents=True, exist_ok=True)
        target = _inbox_target(inbox, staged.name, row[0])
        conn.execute("update meta.pulled_files set inbox_file = %s where pulled_file_id = %s",
                     (str(target), row[0]))
    _move(staged, target)
    return target


def _move(staged: Path, target: Path) -> None:
    tmp = target.with_name(target.name + ".part")  # the inbox never lists a .part
    if staged.stat().st_dev == target.parent.stat().st_dev:
        staged.rename(tmp)
    else:  # another file system: copy, then drop the staged copy
        shutil.copyfile(staged, tmp)
    tmp.rename(target)
    staged.unlink(missing_ok=True)


def recover(conn: psycopg.Connection, pull_name: str, work_dir: Path) -> list[Path]:
    """Finish what a killed run left under ready/: a recorded file goes on to the
    inbox, an unrecorded one is dropped (the run fetches it again)."""
    folder = ready_dir(work_dir)
    if not folder.is_dir():
        return []
    moved = []
    for staged in sorted(folder.iterdir()):
        row = conn.execute(
            "select inbox_file, sha256 from meta.pulled_files where pull_name = %s "
            "and inbox_file <> '' and sha256 = %s order by pulled_file_id desc limit 1",
            (pull_name, file_sha256(staged))).fetchone()
        if row is None:
            staged.unlink()
            continue
        target = Path(row[0])
        if target.exists() or _already_loaded(conn, row[1]):
            staged.unlink()
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            _move(staged, target)
            moved.append(target)
    return moved


def _already_loaded(conn: psycopg.Connection, sha256: str) -> bool:
    return conn.execute("select exists (select 1 from meta.batches where sha256 = %s)",
                        (sha256,)).fetchone()[0]
