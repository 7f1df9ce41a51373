"""Pull public-service statistics from a public-service portal's HTTP API.

The contract this client speaks (a provincial portal, or an adapter in front of
one): ``GET {base}/statistics/dossiers?period=YYYY-MM&page=N&page_size=M`` with
``Authorization: Bearer <token>``, answering
``{"page": N, "total_pages": T, "data": [record, ...]}``; 429 with ``Retry-After``
when rate-limited.

Pages are kept as they arrive under a pull folder, so an interrupted pull resumes
where it stopped; when every page is in, they are joined into one JSON file in the
inbox, where the loader treats it like any other export.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

log = logging.getLogger(__name__)


class PortalError(RuntimeError):
    """The portal could not be read (after retries), or refused the token."""


@dataclass
class PortalClient:
    base_url: str
    token: str
    page_size: int = 100
    timeout: float = 30.0
    max_attempts: int = 5
    backoff_seconds: float = 1.0  # doubled after each failed attempt
    max_backoff_seconds: float = 60.0
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)

    @classmethod
    def from_env(cls) -> PortalClient | None:
        url = os.environ.get("DTI_PORTAL_URL")
        if not url:
            return None
        return cls(url.rstrip("/"), os.environ.get("DTI_PORTAL_TOKEN", ""))

    def get_page(self, period: str, page: int) -> dict:
        query = urllib.parse.urlencode({"period": period, "page": page,
                                        "page_size": self.page_size})
        request = urllib.request.Request(
            f"{self.base_url}/statistics/dossiers?{query}",
            headers={"Authorization": f"Bearer {self.token}", "Accept": "application/json"},
        )
        delay = self.backoff_seconds
        for attempt in range(1, self.max_attempts + 1):
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    return json.load(response)
            except urllib.error.HTTPError as exc:
                if exc.code in (401, 403):
                    raise PortalError(f"portal refused the token ({exc.code})") from exc
                if exc.code != 429 and exc.code < 500:
                    raise PortalError(f"page {page}: HTTP {exc.code}") from exc
                wait = float(exc.headers.get("Retry-After") or delay) if exc.code == 429 else delay
                reason = f"HTTP {exc.code}"
            except (urllib.error.URLError, TimeoutError, json.JSONDecodeError) as exc:
                wait, reason = delay, str(exc)
            if attempt == self.max_attempts:
                raise PortalError(f"page {page}: gave up after {attempt} attempts ({reason})")
            log.warning("page %s: %s; retry %s in %.1fs", page, reason, attempt, wait)
            self.sleep(min(wait, self.max_backoff_seconds))
            delay = min(delay * 2, self.max_backoff_seconds)
        raise AssertionError("unreachable")


def pull_public_services(client: PortalClient, period: str, inbox: Path,
                         work_dir: Path) -> Path:
    """Fetch every page of one period (resuming a pull cut short) into one inbox file."""
    pages_dir = work_dir / f"public_services_{period}"
    pages_dir.mkdir(parents=True, exist_ok=True)
    page, total = 1, None
    while total is None or page <= total:
        cached = pages_dir / f"page_{page:05d}.json"
        if cached.exists():
            body = json.loads(cached.read_text(encoding="utf-8"))
        else:
            body = client.get_page(period, page)
            tmp = cached.with_suffix(".part")
            tmp.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
            tmp.rename(cached)  # a page is either whole on disk or absent
        total = int(body.get("total_pages", 1))
        page += 1
    records = []
    for n in range(1, total + 1):
        records += json.loads((pages_dir / f"page_{n:05d}.json").read_text("utf-8"))["data"]
    inbox.mkdir(parents=True, exist_ok=True)
    target = inbox / f"portal_dvc_{period}.json"
    tmp = target.with_suffix(".part")
    tmp.write_text(json.dumps(records, ensure_ascii=False, indent=1), encoding="utf-8")
    tmp.rename(target)
    shutil.rmtree(pages_dir)
    log.info("pulled %s records for %s in %s pages into %s", len(records), period, total, target)
    return target


def previous_month(day: date) -> str:
    first = day.replace(day=1)
    return f"{(first - timedelta(days=1)):%Y-%m}"


def pull_for_run(data_root: str | Path | None, period: str | None,
                 run_day: date | None) -> str | None:
    """The ingest DAG's pull step: the month asked for, or the month before the run's;
    nothing when no portal is configured (DTI_PORTAL_URL)."""
    from ingestion.inbox import data_root as root_of
    from ingestion.inbox import inbox_dir

    client = PortalClient.from_env()
    if client is None:
        log.info("DTI_PORTAL_URL is not set: no portal pull, inbox files only")
        return None
    period = period or previous_month(run_day or date.today())
    path = pull_public_services(client, period, inbox_dir("public_services", data_root),
                                root_of(data_root) / "pulls")
    return str(path)
