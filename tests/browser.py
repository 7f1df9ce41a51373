"""Headless Chromium for the tests: Debian's browser driven by Playwright.

Playwright's own browser builds cannot be downloaded on these machines; it drives
the system's `chromium` instead (`.ci/run` installs it). Every request a page makes
is recorded, so a test can assert that nothing left the machine.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"]


def chromium_path() -> str:
    """The system browser, or skip with how to get it (a failure under CI)."""
    path = os.environ.get("DTI_CHROMIUM") or shutil.which("chromium")
    if path:
        return path
    reason = "no chromium on this machine: apt-get install chromium (.ci/run does)"
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


@dataclass
class Visit:
    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # requests that got no answer

    def external(self) -> list[str]:
        """Requests to anything but local files, inline data or loopback."""
        local = ("file://", "data:", "about:", "http://127.0.0.1", "blob:")
        return [u for u in self.requests if not u.startswith(local)]


@contextmanager
def browser_page(width: int = 1280, height: int = 900) -> Iterator[tuple[object, Visit]]:
    from playwright.sync_api import sync_playwright

    visit = Visit()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.on("request", lambda r: visit.requests.append(r.url))
            page.on("console", lambda m: m.type == "error"
                    and visit.console_errors.append(m.text))
            page.on("pageerror", lambda e: visit.page_errors.append(str(e)))
            page.on("requestfailed", lambda r: visit.failed.append(r.url))
            yield page, visit
        finally:
            browser.close()
