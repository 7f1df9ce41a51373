"""Pulls by time window, each against a real HTTP server on 127.0.0.1: the Wazuh
indexer's search API (search_after, a 429, a body cut short, a scroll that ends
mid-page) and an e-office export of document events (page tokens, a bearer token).

For each: a first run takes everything, a second nothing, a run after new data exactly
the new data (late records within the lookback not doubled), a run killed midway and
re-run loses and doubles nothing, and a backfill of a past month takes that month."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest

from dti.samples.alerts import write_wazuh_alerts
from dti.samples.documents import document_events, write_document_jsonl
from dti.samples.generate import default_months
from ingestion.inbox import discover, process_file
from ingestion.pulls import ledger
from ingestion.pulls.connections import Endpoint
from ingestion.pulls.run import PullsFailed, pull_source
from ingestion.text import vietnam_month
from tests.integration.helpers import rows
from tests.pull_servers import ApiState, basic, serve

MONTHS = default_months()[-2:]
SOURCE = {"wazuh": "soc_alerts", "eoffice": "document_logs"}
CONNECTION = {"wazuh": "dti_wazuh_indexer", "eoffice": "dti_eoffice"}
ID = {"wazuh": "id", "eoffice": "document_id"}
TIME = {"wazuh": "timestamp", "eoffice": "received_at"}
RAW = {"wazuh": "select alert_id as id from raw.security_alerts",
       "eoffice": "select document_id as id from raw.document_events"}


def wazuh_records(tmp: Path) -> list[dict]:
    out = []
    for i, month in enumerate(MONTHS):
        path = tmp / f"w{i}.json"
        write_wazuh_alerts(path, 11 + i, month, count=23)
        out += [json.loads(line) for line in path.read_text().splitlines()]
    return out


def eoffice_records(tmp: Path) -> list[dict]:
    path = tmp / "e.jsonl"
    write_document_jsonl(path, document_events(5, MONTHS, per_agency_month=1))
    records = [json.loads(line) for line in path.read_text().splitlines()]
    for r in records:
        r["updated_at"] = r["completed_at"] or r["received_at"]
    return [r for r in records if not r["security_class"]]  # state secrets never load


@dataclass
class Api:
    kind: str
    state: ApiState
    endpoint: Endpoint
    url: str

    @property
    def source(self) -> str:
        return SOURCE[self.kind]

    def new_record(self, n: int, at: datetime) -> dict:
        """A copy of a known record, with a new id, at ``at``."""
        record = dict(self.state.records[0])
        stamp = at.astimezone(UTC).isoformat(timespec="milliseconds")
        if self.kind == "wazuh":
            return {**record, "id": f"{int(at.timestamp())}.{900000 + n}", "timestamp": stamp}
        return {**record, "document_id": f"NEW-{n:04d}", "received_at": stamp,
                "due_at": None, "completed_at": None, "updated_at": stamp}

    def uri(self) -> str:
        host = self.url.removeprefix("http://")
        if self.kind == "wazuh":
            return f"http://admin:pw@{host}?page_size=7"
        return f"http://:tok@{host}?page_size=7"


@pytest.fixture(params=["wazuh", "eoffice"])
def api(request, tmp_path):
    kind = request.param
    records = (wazuh_records if kind == "wazuh" else eoffice_records)(tmp_path)
    state = ApiState(basic("admin", "pw") if kind == "wazuh" else "Bearer tok", records)
    server, url = serve(kind, state)
    port = server.server_address[1]
    endpoint = Endpoint(CONNECTION[kind], "http", "127.0.0.1", port,
                        "admin" if kind == "wazuh" else "",
                        "pw" if kind == "wazuh" else "tok", "",
                        {"page_size": 7, "lookback_minutes": 30, "backoff_seconds": 0.01})
    yield Api(kind, state, endpoint, url)
    server.shutdown()


def pull(api: Api, root: Path, month: str | None = None) -> list[Path]:
    outcomes = pull_source(api.source, root, month,
                           resolve=lambda c: api.endpoint if c == api.endpoint.conn_id else None)
    return [p for o in outcomes for p in o.delivered]


def load_inbox(api: Api, root: Path) -> None:
    for path in discover(api.source, root):
        process_file(api.source, path, root)


def warehouse_ids(url: str, api: Api) -> Counter:
    return Counter(r["id"] for r in rows(url, RAW[api.kind]))


def ids(records) -> Counter:
    return Counter(r["id"] if "id" in r and "document_id" not in r else r["document_id"]
                   for r in records)


def months_of(records, kind: str) -> set[str]:
    return {vietnam_month(r[TIME[kind]]) for r in records}


def month_records(api: Api, month: str) -> list[dict]:
    return [r for r in api.state.records if vietnam_month(r[TIME[api.kind]]) == month]


def window_start(api: Api, query: dict) -> datetime:
    text = query["query"]["range"]["timestamp"]["gte"] if api.kind == "wazuh" else query["from"]
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def delivered_records(paths: list[Path]) -> list[dict]:
    return [json.loads(line) for p in paths for line in p.read_text().splitlines()]


def test_first_run_takes_all_second_nothing_then_exactly_the_new(api, tmp_path,
                                                                  warehouse_url):
    api.state.faults = {2: "429", 3: "truncated"}
    first = pull(api, tmp_path)
    assert sorted(p.name for p in first) == sorted(
        f"{api.kind}_{api.endpoint.conn_id}_{m:%Y-%m}.jsonl" for m in MONTHS)
    assert ids(delivered_records(first)) == ids(api.state.records)
    # Pages of 7: the last page is shorter (the scroll ends mid-page); the 429 and the
    # cut body were retried, so some pages were asked for twice.
    pages = -(-len(api.state.records) // 7)
    assert len(api.state.requests) == pages + 2
    load_inbox(api, tmp_path)
    assert warehouse_ids(warehouse_url, api) == ids(api.state.records)

    asked = len(api.state.requests)
    assert pull(api, tmp_path) == []
    assert len(api.state.requests) == asked + 1  # one empty page: nothing new
    assert discover(api.source, tmp_path) == []

    # New records, and one that arrives late (before the last run's end, in the lookback).
    now = datetime.now(UTC)
    new = [api.new_record(n, now - timedelta(minutes=2)) for n in range(3)]
    late = api.new_record(9, now - timedelta(minutes=12))
    api.state.add(*new, late)
    third = pull(api, tmp_path)
    # Exactly the months the new records fall in, each delivered whole (it replaces its
    # partition): the month's earlier records and the new ones, each once.
    assert {p.stem[-7:] for p in third} == months_of([*new, late], api.kind)
    for path in third:
        assert ids(delivered_records([path])) == ids(month_records(api, path.stem[-7:]))
    load_inbox(api, tmp_path)
    assert warehouse_ids(warehouse_url, api) == ids(api.state.records)

    # Re-read within the lookback, the same records are not doubled; one more is added.
    api.state.add(api.new_record(10, datetime.now(UTC) - timedelta(minutes=1)))
    pull(api, tmp_path)
    load_inbox(api, tmp_path)
    assert warehouse_ids(warehouse_url, api) == ids(api.state.records)

    # The records kept per month are lost (a new data folder): the month is read again
    # whole, not replaced by the one record the window saw.
    shutil.rmtree(tmp_path / "pulls" / api.endpoint.conn_id / "months")
    api.state.add(api.new_record(11, datetime.now(UTC) - timedelta(minutes=1)))
    (whole,) = pull(api, tmp_path)
    assert ids(delivered_records([whole])) == ids(month_records(api, whole.stem[-7:]))
    load_inbox(api, tmp_path)
    assert warehouse_ids(warehouse_url, api) == ids(api.state.records)


def test_a_pull_killed_midway_resumes_where_it_stopped(api, tmp_path, warehouse_url):
    api.state.faults = {3: "pause"}
    env = {**os.environ, f"AIRFLOW_CONN_{api.endpoint.conn_id.upper()}": api.uri(),
           "DTI_DATA_DIR": str(tmp_path), "DTI_WAREHOUSE_URL": warehouse_url}
    proc = subprocess.Popen([str(Path(sys.executable).with_name("dti")), "pull", api.source],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert api.state.paused.wait(60), "the pull never reached its third page"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert discover(api.source, tmp_path) == []  # nothing half-delivered
    cut = api.state.requests[-1]
    api.state.faults = {}
    delivered = pull(api, tmp_path)
    # The rerun went on from the third page's cursor: pages 1 and 2 were not asked again.
    assert api.state.requests[3] == cut
    assert len(api.state.requests) == -(-len(api.state.records) // 7) + 1
    assert ids(delivered_records(delivered)) == ids(api.state.records)
    load_inbox(api, tmp_path)
    assert warehouse_ids(warehouse_url, api) == ids(api.state.records)


def test_killed_after_delivering_before_the_watermark(api, tmp_path, warehouse_url,
                                                      monkeypatch):
    def killed(*args):
        raise PullsFailed(["killed"], [])

    with monkeypatch.context() as patched, pytest.raises(PullsFailed):
        patched.setattr(ledger, "set_watermark", killed)
        pull(api, tmp_path)
    delivered_first = discover(api.source, tmp_path)
    assert len(delivered_first) == len(MONTHS)
    assert pull(api, tmp_path) == []  # the same months again: already delivered
    load_inbox(api, tmp_path)
    assert warehouse_ids(warehouse_url, api) == ids(api.state.records)
    with psycopg.connect(warehouse_url) as conn:
        (count,) = conn.execute("select count(*) from meta.pulled_files").fetchone()
        assert count == len(MONTHS)
        assert ledger.watermark(conn, f"{api.kind}:{api.endpoint.conn_id}") is not None


def test_backfill_of_a_past_month_takes_that_month(api, tmp_path, warehouse_url):
    pull(api, tmp_path)
    load_inbox(api, tmp_path)
    # Indexed late, far outside the lookback: a normal run cannot see it.
    past = datetime(MONTHS[0].year, MONTHS[0].month, 14, 3, tzinfo=UTC)
    api.state.add(api.new_record(1, past))
    assert pull(api, tmp_path) == []
    with psycopg.connect(warehouse_url) as conn:
        mark = ledger.watermark(conn, f"{api.kind}:{api.endpoint.conn_id}")
    month = f"{MONTHS[0]:%Y-%m}"
    asked = len(api.state.requests)
    (delivered,) = pull(api, tmp_path, month=month)
    assert delivered.name.endswith(f"_{month}.jsonl")
    start = datetime(MONTHS[0].year, MONTHS[0].month, 1, tzinfo=UTC) - timedelta(hours=7)
    assert window_start(api, api.state.requests[asked]) == start  # asked for that month
    assert ids(delivered_records([delivered])) == ids(month_records(api, month))
    load_inbox(api, tmp_path)
    assert warehouse_ids(warehouse_url, api) == ids(api.state.records)
    with psycopg.connect(warehouse_url) as conn:  # a backfill leaves the watermark be
        assert ledger.watermark(conn, f"{api.kind}:{api.endpoint.conn_id}") == mark


def test_a_wrong_answer_or_wrong_credentials_is_one_line(api, tmp_path, warehouse_url):
    api.state.faults = {1: "wrong_shape"}
    with pytest.raises(PullsFailed) as failed:
        pull(api, tmp_path)
    (line,) = failed.value.failures
    assert line.startswith(f"{api.endpoint.conn_id} ({api.kind}): ") and "pull_schema" in line
    bad = Endpoint(**{**api.endpoint.__dict__, "password": "wrong"})
    with pytest.raises(PullsFailed) as failed:
        pull_source(api.source, tmp_path, resolve=lambda c: bad if c == bad.conn_id else None)
    what = "wazuh-alerts-* search" if api.kind == "wazuh" else "events page 1"
    assert failed.value.failures == [
        f"{bad.conn_id} ({api.kind}): {what}: the server refused the credentials (401)"]
    assert discover(api.source, tmp_path) == []
