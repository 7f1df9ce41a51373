"""Pulls that read an API by time window: the Wazuh indexer's alerts and e-office
document events.

The warehouse replaces a whole (source, stream, province, month) partition with each
file, so a window that reads ten minutes of alerts cannot be loaded as a file of ten
minutes. Each pull keeps, per month, every record it has taken (``months/YYYY-MM.jsonl``,
one line per record id, the last version winning) and delivers the whole month again
when a run changes it: a late alert re-read within the lookback changes nothing, a new
one supersedes the month with one more row, never a doubled one.

A run is a plan (``run/plan.json``: the window), its pages as they arrive
(``run/page_NNNNN.json`` with the cursor to the next one), the month files delivered,
then the watermark. Killed anywhere, the next run finishes the same plan; delivering a
month file already recorded is a no-op, so nothing is lost and nothing doubled.
"""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import ClassVar

import psycopg

from ingestion.ledger import file_sha256
from ingestion.pulls import ledger
from ingestion.pulls.http import JsonClient, PullError
from ingestion.text import VIETNAM, vietnam_month, vietnam_month_of

log = logging.getLogger(__name__)


@dataclass
class WindowAPI:
    """What a time-window pull reads: one API client, pages of ``page_size``."""

    client: JsonClient
    page_size: int = 500
    prefix: ClassVar[str]  # names the delivered files: <prefix>_<connection>_<YYYY-MM>.jsonl
    # Whether the window filters on the time that also picks a record's month (an
    # alert's timestamp); e-office filters on a document's last change, which can come
    # months after the receipt that files it.
    windows_by_record_time: ClassVar[bool]

    def start(self) -> None:
        """Start the pull's clock: every page, retry and wait shares it."""
        self.client.start_pull()

    def page(self, since: str | None, until: str,
             cursor: object | None) -> tuple[list[dict], object | None]:
        """Records of [since, until) after ``cursor``, and the cursor to the next page
        (None on the last one)."""
        raise NotImplementedError

    def record_id(self, record: dict) -> str:
        raise NotImplementedError

    def record_time(self, record: dict) -> object:
        raise NotImplementedError


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """A Vietnam-time month as UTC instants [start, end)."""
    year, mon = map(int, month.split("-"))
    start = datetime(year, mon, 1, tzinfo=VIETNAM)
    end = datetime(year + mon // 12, mon % 12 + 1, 1, tzinfo=VIETNAM)
    return start.astimezone(UTC), end.astimezone(UTC)


def _iso(instant: datetime) -> str:
    return instant.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _write_whole(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(text, encoding="utf-8")
    tmp.rename(path)


@dataclass
class WindowPull:
    conn: psycopg.Connection
    pull_name: str
    connection: str
    source: str
    api: WindowAPI
    work_dir: Path
    inbox: Path
    lookback: timedelta = timedelta(minutes=30)
    max_pages: int = 1000
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))

    @property
    def months_dir(self) -> Path:
        return self.work_dir / "months"

    def run(self, month: str | None = None) -> list[Path]:
        """Take what is new (or, with ``month``, that whole month again) and deliver
        every month file it changed; returns the inbox files."""
        run_dir = self.work_dir / (f"backfill-{month}" if month else "run")
        run_dir.mkdir(parents=True, exist_ok=True)
        plan = self._plan(run_dir, month)
        self.api.start()
        taken = self._group(self._records(run_dir, plan))
        if month:
            taken = {month: taken.get(month, {})}
        # A month delivered before whose records are not kept here (a new data folder):
        # what this window saw of it would replace the whole partition, so it is read
        # again whole instead.
        unknown = [] if month else [m for m in taken if self._base_lost(m)]
        delivered = [p for m in sorted(taken) if m not in unknown
                     and (p := self._deliver_month(m, taken[m], rebuild=month is not None))]
        for lost in unknown:
            log.warning("%s: the records kept for %s are gone: reading the month again",
                        self.pull_name, lost)
            delivered += self.run(month=lost)
        if not month:
            ledger.set_watermark(self.conn, self.pull_name, {"until": plan["until"]})
        shutil.rmtree(run_dir)
        return delivered

    def _plan(self, run_dir: Path, month: str | None) -> dict:
        path = run_dir / "plan.json"
        if path.exists():  # a run cut short: finish the same window
            return json.loads(path.read_text(encoding="utf-8"))
        now = self.now().replace(microsecond=0)
        if month:
            start, end = month_bounds(month)
            until = min(end, now) if self.api.windows_by_record_time else now
            plan = {"since": _iso(start), "until": _iso(until)}
        else:
            mark = ledger.watermark(self.conn, self.pull_name)
            since = datetime.fromisoformat(mark["until"]) - self.lookback if mark else None
            plan = {"since": _iso(since) if since else None, "until": _iso(now)}
        _write_whole(path, json.dumps(plan))
        return plan

    def _records(self, run_dir: Path, plan: dict) -> Iterator[dict]:
        """The window's records, page by page: pages on disk first, then the API from
        the last stored cursor on."""
        pages = sorted(run_dir.glob("page_*.json"))
        cursor, done = None, False
        for page in pages:
            doc = json.loads(page.read_text(encoding="utf-8"))
            yield from doc["records"]
            cursor, done = doc["next"], doc["next"] is None
        number = len(pages)
        while not done:
            number += 1
            if number > self.max_pages:
                raise PullError(f"more than {self.max_pages} pages in one window "
                                "(rule: pull_pages)")
            records, cursor = self.api.page(plan["since"], plan["until"], cursor)
            _write_whole(run_dir / f"page_{number:05d}.json",
                         json.dumps({"records": records, "next": cursor}, ensure_ascii=False))
            yield from records
            done = cursor is None

    def _group(self, records: Iterator[dict]) -> dict[str, dict[str, dict]]:
        """Records by Vietnam-time month, then by id (the last version wins). A record
        without a readable time goes with the window's last month, where validation
        quarantines it by name: it is not dropped here."""
        fallback = vietnam_month_of(self.now())
        out: dict[str, dict[str, dict]] = {}
        for record in records:
            month = vietnam_month(self.api.record_time(record)) or fallback
            out.setdefault(month, {})[self.api.record_id(record)] = record
        return out

    def _base_lost(self, month: str) -> bool:
        if (self.months_dir / f"{month}.jsonl").exists():
            return False
        return self.conn.execute(
            "select exists (select 1 from meta.pulled_files where pull_name = %s and "
            "remote_key like %s)", (self.pull_name, f"{month}|%")).fetchone()[0]

    def _deliver_month(self, month: str, new: dict[str, dict], rebuild: bool) -> Path | None:
        """Merge the window's records into the month kept here, streaming (both are in
        id order, so memory holds the window, not the month), and deliver the result
        when it differs."""
        self.months_dir.mkdir(parents=True, exist_ok=True)
        kept = self.months_dir / f"{month}.jsonl"
        name = f"{self.api.prefix}_{self.connection}_{month}.jsonl"
        staged = ledger.ready_dir(self.work_dir) / name
        staged.parent.mkdir(parents=True, exist_ok=True)
        part = staged.with_name(name + ".part")
        old = iter(()) if rebuild or not kept.exists() else self._kept_lines(kept)
        changed, count = rebuild, 0
        with part.open("w", encoding="utf-8") as out:
            for line, differs in _merge(old, ((k, _line(new[k])) for k in sorted(new))):
                out.write(line)
                changed, count = changed or differs, count + 1
        if not changed:
            part.unlink()
            return None  # nothing new for this month
        part.rename(staged)
        next_kept = kept.with_name(kept.name + ".part")
        shutil.copyfile(staged, next_kept)
        target = ledger.deliver(self.conn, pull_name=self.pull_name, source=self.source,
                                remote_key=f"{month}|{file_sha256(staged)}", staged=staged,
                                inbox=self.inbox, records=count)
        next_kept.rename(kept)  # after the delivery: a rerun then repeats it, a no-op
        if target:
            log.info("%s: %s records for %s into %s", self.pull_name, count, month, target)
        return target

    def _kept_lines(self, kept: Path) -> Iterator[tuple[str, str]]:
        with kept.open(encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    yield self.api.record_id(json.loads(line)), line


def _line(record: dict) -> str:
    """One record as kept and delivered: the same record is always the same line."""
    return json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n"


def _merge(old: Iterator[tuple[str, str]], new: Iterator[tuple[str, str]]
           ) -> Iterator[tuple[str, bool]]:
    """Two id-ordered streams of (id, line) as one, the new line winning an id; each
    line with whether it differs from what was kept."""
    sentinel = (None, "")
    o, n = next(old, sentinel), next(new, sentinel)
    while o[0] is not None or n[0] is not None:
        if n[0] is None or (o[0] is not None and o[0] < n[0]):
            yield o[1], False
            o = next(old, sentinel)
        elif o[0] is None or n[0] < o[0]:
            yield n[1], True
            n = next(new, sentinel)
        else:
            yield n[1], n[1] != o[1]
            o, n = next(old, sentinel), next(new, sentinel)
