"""Run the pulls of one source: every connection ``config/pulls.yaml`` names for it
that is defined, each into the source's inbox, before the inbox is loaded.

A failed pull does not stop the others; each failure is one line, and the run fails
after the rest are done, so the loads still run on what did arrive.
"""

from __future__ import annotations

import base64
import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import psycopg

from dti import settings
from dti.warehouse.connection import warehouse_url
from ingestion.inbox import data_root, inbox_dir
from ingestion.ledger import file_sha256
from ingestion.limits import limits
from ingestion.pulls import ledger
from ingestion.pulls.connections import (
    BadConnection,
    Endpoint,
    PullSpec,
    Resolver,
    from_env,
    from_uri,
    pulls_for,
)
from ingestion.pulls.eoffice import EofficeExport, check_events
from ingestion.pulls.http import JsonClient, PullError
from ingestion.pulls.portal import PortalClient, previous_month, pull_public_services
from ingestion.pulls.sftp import SftpDrop
from ingestion.pulls.wazuh import WazuhIndexer
from ingestion.pulls.window import WindowPull
from ingestion.text import VIETNAM, is_month, printable

log = logging.getLogger(__name__)


class PullsFailed(PullError):
    def __init__(self, failures: list[str], outcomes: list[PullOutcome]):
        super().__init__("; ".join(failures))
        self.failures, self.outcomes = failures, outcomes


@dataclass
class PullOutcome:
    connection: str
    kind: str
    delivered: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    skipped: bool = False  # the connection is not defined

    def lines(self) -> list[str]:
        if self.skipped:
            return [f"{self.connection} ({self.kind}): not defined, nothing pulled"]
        head = f"{self.connection} ({self.kind}): {len(self.delivered)} file(s) into the inbox"
        return [head] + [f"  {p.name}" for p in self.delivered] + [
            f"  {note}" for note in self.notes]


def _legacy_portal() -> Endpoint | None:
    """DTI_PORTAL_URL / DTI_PORTAL_TOKEN, from before portal pulls had a connection."""
    url, token = settings.portal()
    if not url:
        return None
    e = from_uri("dti_portal", url)
    return Endpoint(e.conn_id, e.conn_type, e.host, e.port, "", token, e.schema, e.extra)


def _json_client(endpoint: Endpoint, authorization: str, **kw) -> dict:
    return {"base_url": endpoint.base_url().rstrip("/"), "authorization": authorization,
            "ca_file": endpoint.extra.get("ca_file"),
            "backoff_seconds": endpoint.number("backoff_seconds", 1.0), **kw}


def _basic(endpoint: Endpoint) -> str:
    pair = f"{endpoint.login}:{endpoint.password}".encode()
    return "Basic " + base64.b64encode(pair).decode()


def _window_api(spec: PullSpec, endpoint: Endpoint):
    size = int(endpoint.number("page_size", 500)) or 500
    if spec.kind == "wazuh":
        return WazuhIndexer(JsonClient(**_json_client(endpoint, _basic(endpoint))),
                            index=str(endpoint.extra.get("index") or "wazuh-alerts-*"),
                            page_size=size)
    return EofficeExport(JsonClient(**_json_client(endpoint, f"Bearer {endpoint.password}",
                                                   check=check_events)), page_size=size)


def pull_one(conn: psycopg.Connection, spec: PullSpec, endpoint: Endpoint, root: Path,
             month: str | None = None, today: date | None = None) -> PullOutcome:
    pull_name = f"{spec.kind}:{spec.connection}"
    work_dir = root / "pulls" / spec.connection
    inbox = inbox_dir(spec.source, root)
    outcome = PullOutcome(spec.connection, spec.kind)
    outcome.delivered += ledger.recover(conn, pull_name, work_dir)
    if spec.kind == "sftp":
        drop = SftpDrop(conn, pull_name, spec.source, endpoint, work_dir, inbox)
        outcome.delivered += drop.pull(month)
        outcome.notes += drop.notes
    elif spec.kind == "portal":
        period = month or previous_month(today or datetime.now(VIETNAM).date())
        client = PortalClient(**_json_client(endpoint, f"Bearer {endpoint.password}"),
                              page_size=int(endpoint.number("page_size", 100)) or 100)
        staged = pull_public_services(client, period, ledger.ready_dir(work_dir), work_dir)
        target = ledger.deliver(conn, pull_name=pull_name, source=spec.source,
                                remote_key=f"{period}|{file_sha256(staged)}", staged=staged,
                                inbox=inbox)
        outcome.delivered += [target] if target else []
        if not target:
            outcome.notes.append(f"{period}: the same as already pulled")
    else:
        pull = WindowPull(conn, pull_name, spec.connection, spec.source,
                          _window_api(spec, endpoint), work_dir, inbox,
                          lookback=timedelta(minutes=endpoint.number("lookback_minutes", 30)),
                          max_pages=limits().pull_pages)
        outcome.delivered += pull.run(month)
    return outcome


def pull_source(source: str, root: str | Path | None = None, month: str | None = None,
                resolve: Resolver = from_env, today: date | None = None) -> list[PullOutcome]:
    """Pull every defined connection of ``source`` into its inbox; ``month`` (YYYY-MM)
    takes that month again (a backfill) instead of what is new."""
    if month is not None and not is_month(month):
        # Checked here, once for every caller (the command line, a DAG's month param).
        raise PullsFailed([f"{printable(repr(month))[:40]} is not a month (YYYY-MM)"], [])
    base = data_root(root)
    outcomes, failures = [], []
    for spec in pulls_for(source):
        try:
            endpoint = resolve(spec.connection)
            if endpoint is None and spec.kind == "portal":
                endpoint = _legacy_portal()
            if endpoint is None:
                outcomes.append(PullOutcome(spec.connection, spec.kind, skipped=True))
                continue
            endpoint.check()
            with psycopg.connect(warehouse_url(), autocommit=True) as conn:
                outcomes.append(pull_one(conn, spec, endpoint, base, month, today))
        except (PullError, BadConnection) as exc:
            failures.append(f"{spec.connection} ({spec.kind}): {exc}")
    for outcome in outcomes:
        for line in outcome.lines():
            log.info("%s", line)
    if failures:
        raise PullsFailed(failures, outcomes)
    return outcomes


def settle_source(source: str, resolve: Resolver = from_env) -> list[str]:
    """After the loads: remove or move the SFTP copies whose load is verified."""
    done, failures = [], []
    for spec in pulls_for(source):
        try:
            endpoint = resolve(spec.connection) if spec.kind == "sftp" else None
            if endpoint is None:
                continue
            with psycopg.connect(warehouse_url(), autocommit=True) as conn:
                done += SftpDrop(conn, f"sftp:{spec.connection}", source, endpoint,
                                 Path(), Path()).settle()
        except (PullError, BadConnection) as exc:
            failures.append(f"{spec.connection} (sftp): {exc}")
    if failures:
        raise PullsFailed(failures, [])
    return done
