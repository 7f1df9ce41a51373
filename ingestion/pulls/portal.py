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
import shutil
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from ingestion.pulls.http import JsonClient, PullError
from ingestion.pulls.http import parse_json_object as _parse
from ingestion.text import is_month, printable

log = logging.getLogger(__name__)

PortalError = PullError


def _page_document(body: dict | bytes, page: int) -> dict:
    """The page as the contract says it is, or a PullError saying what is not."""
    doc = _parse(body, f"page {page}") if isinstance(body, bytes) else body
    what = f"page {page}"
    total = doc.get("total_pages", 1)
    if isinstance(total, bool) or not isinstance(total, int) or total < 1:
        raise PullError(f"{what}: total_pages is {printable(repr(total))[:80]}, not a "
                        "positive whole number (rule: pull_schema)")
    data = doc.get("data")
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise PullError(f"{what}: 'data' is not a list of records (rule: pull_schema)")
    return doc


@dataclass
class PortalClient(JsonClient):
    page_size: int = 100

    def __post_init__(self) -> None:
        self.check = lambda doc, what: _page_document(doc, int(what.split()[-1]))

    @classmethod
    def with_token(cls, base_url: str, token: str, **kw) -> PortalClient:
        return cls(base_url.rstrip("/"), f"Bearer {token}", **kw)

    def get_page(self, period: str, page: int) -> dict:
        return self.request("/statistics/dossiers", f"page {page}",
                            {"period": period, "page": page, "page_size": self.page_size})


def pull_public_services(client: PortalClient, period: str, inbox: Path,
                         work_dir: Path) -> Path:
    """Fetch every page of one period (resuming a pull cut short) into one inbox file."""
    if not is_month(period):
        raise PullError(f"period {printable(period)!r} is not a month YYYY-MM")
    client.start_pull()
    pages_dir = work_dir / f"public_services_{period}"
    pages_dir.mkdir(parents=True, exist_ok=True)
    page, total = 1, None
    while total is None or page <= total:
        cached = pages_dir / f"page_{page:05d}.json"
        if cached.exists():
            body = _page_document(cached.read_bytes(), page)
        else:
            body = client.get_page(period, page)
            tmp = cached.with_suffix(".part")
            tmp.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
            tmp.rename(cached)  # a page is either whole on disk or absent
        total = body.get("total_pages", 1)
        if total > client.limits.pull_pages:
            raise PullError(f"the portal announces {total} pages, more than the "
                              f"{client.limits.pull_pages} allowed (rule: pull_pages)")
        page += 1
    inbox.mkdir(parents=True, exist_ok=True)
    target = inbox / f"portal_dvc_{period}.json"
    tmp = target.with_suffix(".part")
    # Pages are joined one at a time, so memory holds one page, not the month.
    with tmp.open("w", encoding="utf-8") as out:
        out.write("[")
        count = 0
        for n in range(1, total + 1):
            for record in _page_document(
                    (pages_dir / f"page_{n:05d}.json").read_bytes(), n)["data"]:
                out.write(("," if count else "") + "\n" + json.dumps(record, ensure_ascii=False))
                count += 1
        out.write("\n]\n")
    tmp.rename(target)
    shutil.rmtree(pages_dir)
    log.info("pulled %s records for %s in %s pages into %s", count, period, total, target)
    return target


def previous_month(day: date) -> str:
    first = day.replace(day=1)
    return f"{(first - timedelta(days=1)):%Y-%m}"
