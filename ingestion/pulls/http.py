"""The one HTTP client every API pull speaks through (portal, Wazuh indexer, e-office).

Bounded: retries with doubling backoff (``Retry-After`` honoured on 429), one deadline
for the whole pull that every read, retry and wait shares, a size cap read in pieces
(a trickling server cannot hold it), and the credentials never follow a redirect to
another origin. Every failure is a ``PullError`` of one line.
"""

from __future__ import annotations

import json
import logging
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

from ingestion.limits import Limits
from ingestion.limits import limits as current_limits
from ingestion.text import printable

log = logging.getLogger(__name__)


class PullError(RuntimeError):
    """A pull could not read its remote (after retries), was refused, or was answered
    something it will not take (too big, too slow, too many pages, wrong shape).
    The message is one line."""


class BadJSON(ValueError):
    """A body that is not JSON (a proxy's error page, a cut connection): retried."""


class _SameOriginRedirects(urllib.request.HTTPRedirectHandler):
    """Follow a redirect, but never carry credentials to another origin (scheme, host
    and port): an API behind a redirect to a file store must not leak them."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        new = super().redirect_request(req, fp, code, msg, headers, newurl)
        if new is not None and origin(newurl) != origin(req.full_url):
            new.remove_header("Authorization")
            log.warning("redirect to another origin (%s): credentials not sent", origin(newurl))
        return new


def origin(url: str) -> tuple[str, str]:
    parts = urllib.parse.urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


@cache
def _opener(ca_file: str | None) -> urllib.request.OpenerDirector:
    """``ca_file``: the CA that signed a self-signed API's certificate (a Wazuh
    indexer's own CA); otherwise the system's."""
    context = ssl.create_default_context(cafile=ca_file)
    return urllib.request.build_opener(_SameOriginRedirects,
                                       urllib.request.HTTPSHandler(context=context))


def one_line(exc: BaseException) -> str:
    return printable((str(exc).strip().splitlines() or [type(exc).__name__])[0])


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def parse_json_object(body: bytes, what: str) -> dict:
    """The body as a JSON object, or BadJSON (retried) / PullError (not an object)."""
    try:
        doc = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise BadJSON(f"{what}: not JSON ({one_line(exc)})") from None
    if not isinstance(doc, dict):
        raise PullError(f"{what}: expected a JSON object, got {type(doc).__name__} "
                        "(rule: pull_schema)")
    return doc


@dataclass
class JsonClient:
    base_url: str
    authorization: str  # the Authorization header's value
    timeout: float = 30.0  # per network read
    max_attempts: int = 5
    backoff_seconds: float = 1.0  # doubled after each failed attempt
    max_backoff_seconds: float = 60.0
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)
    limits: Limits = field(default_factory=current_limits, repr=False)
    deadline: float | None = field(default=None, repr=False)  # monotonic; set per pull
    # Checks a parsed body: raises BadJSON to retry it, PullError to give up.
    check: Callable[[dict, str], dict] = field(default=lambda doc, what: doc, repr=False)
    ca_file: str | None = None

    def start_pull(self) -> None:
        """Start the clock of one pull: every page, retry and wait shares it."""
        self.deadline = time.monotonic() + self.limits.pull_total_seconds

    def remaining(self, what: str) -> float:
        if self.deadline is None:
            self.start_pull()
        assert self.deadline is not None
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise PullError(f"{what}: the pull took longer than "
                            f"{self.limits.pull_total_seconds:g} s (rule: pull_total_seconds)")
        return left

    def _read_body(self, response, what: str) -> bytes:
        """The body, read in pieces against the size cap and the deadline."""
        cap = self.limits.pull_body_bytes
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > cap:
            raise PullError(f"{what}: body of {declared} bytes, more than the {cap} "
                            "allowed (rule: pull_body_bytes)")
        chunks, size = [], 0
        while True:
            self.remaining(what)  # each read waits at most the socket timeout
            chunk = response.read1(1 << 16)
            if not chunk:
                return b"".join(chunks)
            size += len(chunk)
            if size > cap:
                raise PullError(f"{what}: body larger than the {cap} bytes allowed "
                                "(rule: pull_body_bytes)")
            chunks.append(chunk)

    def request(self, path: str, what: str, query: dict | None = None,
                body: dict | None = None) -> dict:
        """GET (or POST a JSON body to) ``base_url + path`` and return the JSON object,
        retrying 429, 5xx, timeouts, cut connections and bodies that are not JSON."""
        url = self.base_url + path + ("?" + urllib.parse.urlencode(query) if query else "")
        headers = {"Authorization": self.authorization, "Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(url, data=data, headers=headers)
        delay = self.backoff_seconds
        for attempt in range(1, self.max_attempts + 1):
            try:
                timeout = min(self.timeout, self.remaining(what))
                with _opener(self.ca_file).open(request, timeout=timeout) as response:
                    raw = self._read_body(response, what)
                return self.check(parse_json_object(raw, what), what)
            except urllib.error.HTTPError as exc:
                if exc.code in (401, 403):
                    raise PullError(f"{what}: the server refused the credentials "
                                    f"({exc.code})") from None
                if exc.code != 429 and exc.code < 500:
                    raise PullError(f"{what}: HTTP {exc.code}") from None
                retry_after = exc.headers.get("Retry-After") or ""
                wait = (float(retry_after) if exc.code == 429 and _is_number(retry_after)
                        else delay)
                reason = f"HTTP {exc.code}"
            except (urllib.error.URLError, TimeoutError, OSError, BadJSON) as exc:
                wait, reason = delay, one_line(exc)
            if attempt == self.max_attempts:
                raise PullError(f"{what}: gave up after {attempt} attempts ({reason})")
            wait = min(wait, self.max_backoff_seconds, self.remaining(what))
            # INFO: in the task log; the command line shows the outcome, not each try.
            log.info("%s: %s; retry %s in %.1fs", what, reason, attempt, wait)
            self.sleep(wait)
            delay = min(delay * 2, self.max_backoff_seconds)
        raise AssertionError("unreachable")
