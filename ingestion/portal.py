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
import re
import shutil
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from dti.settings import portal
from ingestion.limits import Limits
from ingestion.limits import limits as current_limits
from ingestion.text import printable

log = logging.getLogger(__name__)


class PortalError(RuntimeError):
    """The portal could not be read (after retries), refused the token, or answered
    something this client will not take (too big, too slow, too many pages, wrong
    shape). The message is one line."""


class _SameOriginRedirects(urllib.request.HTTPRedirectHandler):
    """Follow a redirect, but never carry the token to another origin (scheme, host
    and port): a portal behind a redirect to a file store must not leak it."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        new = super().redirect_request(req, fp, code, msg, headers, newurl)
        if new is not None and _origin(newurl) != _origin(req.full_url):
            new.remove_header("Authorization")
            log.warning("redirect to another origin (%s): token not sent", _origin(newurl))
        return new


def _origin(url: str) -> tuple[str, str]:
    parts = urllib.parse.urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


_OPENER = urllib.request.build_opener(_SameOriginRedirects)


@dataclass
class PortalClient:
    base_url: str
    token: str
    page_size: int = 100
    timeout: float = 30.0  # per network read
    max_attempts: int = 5
    backoff_seconds: float = 1.0  # doubled after each failed attempt
    max_backoff_seconds: float = 60.0
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)
    limits: Limits = field(default_factory=current_limits, repr=False)
    deadline: float | None = field(default=None, repr=False)  # monotonic; set per pull

    @classmethod
    def from_env(cls) -> PortalClient | None:
        url, token = portal()
        return cls(url.rstrip("/"), token) if url else None

    def start_pull(self) -> None:
        """Start the clock of one pull: every page, retry and wait shares it."""
        self.deadline = time.monotonic() + self.limits.portal_total_seconds

    def _remaining(self, page: int) -> float:
        if self.deadline is None:
            self.start_pull()
        assert self.deadline is not None
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise PortalError(f"page {page}: the pull took longer than "
                              f"{self.limits.portal_total_seconds:g} s "
                              "(rule: portal_total_seconds)")
        return left

    def _read_body(self, response, page: int) -> bytes:
        """The body, read in pieces against the size cap and the deadline (a server
        trickling a byte at a time cannot hold the pull past its deadline)."""
        cap = self.limits.portal_body_bytes
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > cap:
            raise PortalError(f"page {page}: body of {declared} bytes, more than the {cap} "
                              "allowed (rule: portal_body_bytes)")
        chunks, size = [], 0
        while True:
            self._remaining(page)  # each read waits at most the socket timeout
            chunk = response.read1(1 << 16)
            if not chunk:
                return b"".join(chunks)
            size += len(chunk)
            if size > cap:
                raise PortalError(f"page {page}: body larger than the {cap} bytes allowed "
                                  "(rule: portal_body_bytes)")
            chunks.append(chunk)

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
                timeout = min(self.timeout, self._remaining(page))
                with _OPENER.open(request, timeout=timeout) as response:
                    body = self._read_body(response, page)
                return _page_document(body, page)
            except urllib.error.HTTPError as exc:
                if exc.code in (401, 403):
                    raise PortalError(f"portal refused the token ({exc.code})") from None
                if exc.code != 429 and exc.code < 500:
                    raise PortalError(f"page {page}: HTTP {exc.code}") from None
                retry_after = exc.headers.get("Retry-After") or ""
                wait = (float(retry_after) if exc.code == 429 and _is_number(retry_after)
                        else delay)
                reason = f"HTTP {exc.code}"
            except (urllib.error.URLError, TimeoutError, OSError, _BadJSON) as exc:
                wait, reason = delay, _one_line(exc)
            if attempt == self.max_attempts:
                raise PortalError(f"page {page}: gave up after {attempt} attempts ({reason})")
            wait = min(wait, self.max_backoff_seconds, self._remaining(page))
            log.warning("page %s: %s; retry %s in %.1fs", page, reason, attempt, wait)
            self.sleep(wait)
            delay = min(delay * 2, self.max_backoff_seconds)
        raise AssertionError("unreachable")


class _BadJSON(ValueError):
    """A body that is not JSON (a proxy's error page, a cut connection): retried."""


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _one_line(exc: BaseException) -> str:
    return printable((str(exc).strip().splitlines() or [type(exc).__name__])[0])


def _page_document(body: bytes, page: int) -> dict:
    """The page as the contract says it is, or a PortalError saying what is not."""
    try:
        doc = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise _BadJSON(f"page {page}: not JSON ({_one_line(exc)})") from None
    if not isinstance(doc, dict):
        raise PortalError(f"page {page}: expected a JSON object, got {type(doc).__name__} "
                          "(rule: portal_schema)")
    total = doc.get("total_pages", 1)
    if isinstance(total, bool) or not isinstance(total, int) or total < 1:
        raise PortalError(f"page {page}: total_pages is {printable(repr(total))[:80]}, not a "
                          "positive whole number (rule: portal_schema)")
    data = doc.get("data")
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise PortalError(f"page {page}: 'data' is not a list of records (rule: portal_schema)")
    return doc


def pull_public_services(client: PortalClient, period: str, inbox: Path,
                         work_dir: Path) -> Path:
    """Fetch every page of one period (resuming a pull cut short) into one inbox file."""
    if not re.fullmatch(r"[0-9]{4}-(0[1-9]|1[0-2])", period):
        raise PortalError(f"period {printable(period)!r} is not a month YYYY-MM")
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
        if total > client.limits.portal_pages:
            raise PortalError(f"the portal announces {total} pages, more than the "
                              f"{client.limits.portal_pages} allowed (rule: portal_pages)")
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
