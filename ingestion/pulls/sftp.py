"""Exports that agencies leave in an SFTP drop folder.

A file is taken once: its (size, mtime, path) is its key in ``meta.pulled_files``, so
a corrected file uploaded under the same name is taken again and an unchanged one
never is. A file still being written is left alone: a ``.part``/``.tmp``/``.filepart``
name, an mtime younger than ``settle_seconds``, or a size or mtime that changed while
it was downloaded. Once its load is verified (a batch with the same sha256 loaded), the
remote copy may be removed or moved (``after_load``), never before.

Connection (Airflow ``sftp``): host, port, login, password or extra ``private_key`` /
``key_file``; the server's key in extra ``host_key`` (or a ``known_hosts`` file) —
an unknown server is refused unless extra ``no_host_key_check`` is true. Extras
``remote_folder`` (or the connection's schema), ``pattern`` (default ``*``),
``settle_seconds`` (60), ``after_load``: ``keep`` (default), ``delete`` or
``move:<folder>``.
"""

from __future__ import annotations

import asyncio
import fnmatch
import logging
import posixpath
import stat
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import asyncssh
import psycopg

from ingestion.ledger import file_sha256
from ingestion.limits import Limits
from ingestion.limits import limits as current_limits
from ingestion.partition import month_in_name
from ingestion.pulls import ledger
from ingestion.pulls.connections import Endpoint
from ingestion.pulls.http import PullError, one_line
from ingestion.text import vietnam_month_of

log = logging.getLogger(__name__)

PARTIAL_SUFFIXES = (".part", ".tmp", ".filepart", ".partial", ".crdownload")


def _truthy(value: object) -> bool:
    return str(value).strip().lower() in ("1", "true", "yes", "on")


def _known_hosts(endpoint: Endpoint):
    extra = endpoint.extra
    if extra.get("host_key"):
        words = str(extra["host_key"]).split()
        if words and not words[0].startswith(("ssh-", "ecdsa-", "sk-")):
            words = words[1:]  # a known_hosts line: drop the host name
        try:
            key = asyncssh.import_public_key(" ".join(words[:2]))
        except (asyncssh.KeyImportError, ValueError) as exc:
            raise PullError(f"extra host_key is not a public key "
                            f"({one_line(exc)})") from None
        return [key], [], []
    if extra.get("known_hosts"):
        return str(extra["known_hosts"])
    if _truthy(extra.get("no_host_key_check", "")):
        return None
    raise PullError(f"no host key to check {endpoint.host} against: "
                    "set extra host_key (or known_hosts, or no_host_key_check: true)")


def _client_keys(endpoint: Endpoint) -> list | None:
    extra, passphrase = endpoint.extra, endpoint.extra.get("private_key_passphrase")
    try:
        if extra.get("private_key"):
            return [asyncssh.import_private_key(str(extra["private_key"]), passphrase)]
        if extra.get("key_file"):
            return [asyncssh.read_private_key(str(extra["key_file"]), passphrase)]
    except (asyncssh.KeyImportError, OSError, ValueError) as exc:
        raise PullError(f"the private key cannot be read "
                        f"({one_line(exc)})") from None
    return None


def _is_file(attrs: asyncssh.SFTPAttrs) -> bool:
    if attrs.type == asyncssh.FILEXFER_TYPE_REGULAR:
        return True
    return attrs.permissions is not None and stat.S_ISREG(attrs.permissions)


def file_month(name: str, mtime: float) -> str:
    """The month a file reports: the one in its name, else its mtime's (Vietnam time)."""
    return month_in_name(name) or vietnam_month_of(datetime.fromtimestamp(mtime, UTC))


@dataclass
class SftpDrop:
    conn: psycopg.Connection
    pull_name: str
    source: str
    endpoint: Endpoint
    work_dir: Path
    inbox: Path
    limits: Limits = field(default_factory=current_limits)
    notes: list[str] = field(default_factory=list)

    @property
    def folder(self) -> str:
        return str(self.endpoint.extra.get("remote_folder") or self.endpoint.schema or ".")

    def _connect(self):
        e = self.endpoint
        return asyncssh.connect(
            e.host, e.port or 22, username=e.login or None, password=e.password or None,
            client_keys=_client_keys(e), known_hosts=_known_hosts(e),
            connect_timeout=30, login_timeout=30)

    def _run(self, work):
        """One connection for the whole pull, bounded by the pull's deadline."""
        async def session():
            async with self._connect() as ssh, ssh.start_sftp_client() as sftp:
                return await work(sftp)

        try:
            return asyncio.run(asyncio.wait_for(session(), self.limits.pull_total_seconds))
        except TimeoutError:
            raise PullError(f"the pull took longer than "
                            f"{self.limits.pull_total_seconds:g} s (rule: pull_total_seconds)"
                            ) from None
        except asyncssh.HostKeyNotVerifiable as exc:
            raise PullError(f"{self.endpoint.host}'s host key is not the "
                            f"one configured ({one_line(exc)})") from None
        except asyncssh.PermissionDenied:
            raise PullError("the server refused the credentials") from None
        except (asyncssh.Error, OSError) as exc:
            raise PullError(one_line(exc)) from None

    def pull(self, month: str | None = None) -> list[Path]:
        self.after_load()  # a wrong value is refused now, not after the loads
        return self._run(lambda sftp: self._pull(sftp, month))

    async def _pull(self, sftp: asyncssh.SFTPClient, month: str | None) -> list[Path]:
        extra = self.endpoint.extra
        pattern = str(extra.get("pattern") or "*")
        settle = self.endpoint.number("settle_seconds", 60)
        taken = ledger.pulled_keys(self.conn, self.pull_name)
        delivered: list[Path] = []
        newest = 0.0
        for entry in sorted(await sftp.readdir(self.folder), key=lambda e: e.filename):
            name, attrs = entry.filename, entry.attrs
            if name.startswith(".") or not _is_file(attrs) or not fnmatch.fnmatch(name, pattern):
                continue
            if name.lower().endswith(PARTIAL_SUFFIXES):
                continue  # an upload in progress
            path = posixpath.join(self.folder, name)
            key = f"{attrs.size}|{int(attrs.mtime or 0)}|{path}"
            if month and file_month(name, attrs.mtime or 0) != month:
                continue
            if key in taken and not month:
                continue
            if time.time() - (attrs.mtime or 0) < settle:
                self.notes.append(f"{path}: changed less than {settle:g} s ago, left for "
                                  "the next run")
                continue
            if (attrs.size or 0) > self.limits.file_bytes:
                self.notes.append(f"{path}: {attrs.size} bytes, more than the "
                                  f"{self.limits.file_bytes} allowed (rule: file_bytes)")
                continue
            if len(delivered) >= self.limits.pull_pages:
                self.notes.append(f"more than {self.limits.pull_pages} new files: the rest "
                                  "next run (rule: pull_pages)")
                break
            target = await self._take(sftp, path, name, attrs, key, key in taken)
            if target:
                delivered.append(target)
                newest = max(newest, attrs.mtime or 0)
        if newest and not month:
            ledger.set_watermark(self.conn, self.pull_name, {"newest_mtime": newest})
        return delivered

    async def _take(self, sftp: asyncssh.SFTPClient, path: str, name: str,
                    attrs: asyncssh.SFTPAttrs, key: str, again: bool) -> Path | None:
        staged = ledger.ready_dir(self.work_dir) / name
        staged.parent.mkdir(parents=True, exist_ok=True)
        part = staged.with_name(name + ".part")
        await sftp.get(path, str(part))
        after = await sftp.stat(path)
        if (after.size, after.mtime) != (attrs.size, attrs.mtime) or \
                part.stat().st_size != attrs.size:
            part.unlink()
            self.notes.append(f"{path}: changed while it was read, left for the next run")
            return None
        part.rename(staged)
        if again:  # a backfill: take it again unless the warehouse already has it
            if _loaded(self.conn, file_sha256(staged)):
                staged.unlink()
                return None
            key = f"{key}#{datetime.now(UTC):%Y%m%dT%H%M%S}"
        return ledger.deliver(self.conn, pull_name=self.pull_name, source=self.source,
                              remote_key=key, staged=staged, inbox=self.inbox,
                              remote_path=path)

    def after_load(self) -> str:
        action = str(self.endpoint.extra.get("after_load") or "keep")
        if action not in ("keep", "delete") and not action.startswith("move:"):
            raise PullError(f"extra after_load {action!r} is not keep, delete or "
                            "move:<folder>")
        return action

    def settle(self) -> list[str]:
        """Remove or move the remote copies whose load is verified (``after_load``)."""
        action = self.after_load()
        if action == "keep":
            return []
        rows = self.conn.execute(
            "select p.pulled_file_id, p.remote_key, p.remote_path from meta.pulled_files p "
            "where p.pull_name = %s and p.settled_at is null and exists (select 1 from "
            "meta.batches b where b.sha256 = p.sha256 and b.status in ('loaded', "
            "'superseded'))", (self.pull_name,)).fetchall()
        return self._run(lambda sftp: self._settle(sftp, action, rows)) if rows else []

    async def _settle(self, sftp: asyncssh.SFTPClient, action: str, rows) -> list[str]:
        done = []
        for pulled_file_id, key, path in rows:
            size, mtime = key.split("|")[:2]
            try:
                attrs = await sftp.stat(path)
            except asyncssh.SFTPNoSuchFile:
                attrs = None
            if attrs and (str(attrs.size), str(int(attrs.mtime or 0))) == (size, mtime):
                if action == "delete":
                    await sftp.remove(path)
                else:
                    folder = action.removeprefix("move:")
                    await sftp.makedirs(folder, exist_ok=True)
                    await sftp.rename(path, posixpath.join(folder, posixpath.basename(path)))
                done.append(path)
            # Gone, or replaced by a newer upload: nothing of ours left to settle.
            self.conn.execute("update meta.pulled_files set settled_at = now() "
                              "where pulled_file_id = %s", (pulled_file_id,))
        return done


def _loaded(conn: psycopg.Connection, sha256: str) -> bool:
    return conn.execute("select exists (select 1 from meta.batches where sha256 = %s and "
                        "status in ('loaded', 'superseded'))", (sha256,)).fetchone()[0]
