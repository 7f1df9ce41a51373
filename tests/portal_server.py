"""A small real HTTP server on 127.0.0.1 that plays a public-service portal API."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from tests.json_http import JsonHandler, serve_in_thread


@dataclass
class PortalState:
    token: str
    records: list[dict]
    # (page, attempt) -> HTTP status to answer instead of the page
    faults: dict[tuple[int, int], int] = field(default_factory=dict)
    requests: list[int] = field(default_factory=list)
    attempts: Counter = field(default_factory=Counter)
    # A misbehaving portal: "redirect" (to ``redirect_to``), "huge" (an endless body),
    # "trickle" (a byte at a time), "absurd_pages", "wrong_shape".
    hostile: str | None = None
    redirect_to: str = ""
    seen_authorization: list[str | None] = field(default_factory=list)


def serve(state: PortalState, host: str = "127.0.0.1") -> tuple[ThreadingHTTPServer, str]:
    class Handler(JsonHandler):
        def _misbehave(self) -> bool:
            if state.hostile == "redirect":
                self.send_response(302)
                self.send_header("Location", state.redirect_to + self.path)
                self.send_header("Content-Length", "0")
                self.end_headers()
            elif state.hostile in ("huge", "trickle"):
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                block = b" " * (1 << 16) if state.hostile == "huge" else b" "
                try:
                    for _ in range(3200 if state.hostile == "huge" else 10_000):  # 200 MB
                        self.wfile.write(block)
                        if state.hostile == "trickle":
                            self.wfile.flush()
                            time.sleep(0.5)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client hung up, as it should
            elif state.hostile == "absurd_pages":
                self._send(200, {"page": 1, "total_pages": 10**6, "data": []})
            elif state.hostile == "wrong_shape":
                self._send(200, {"page": 1, "total_pages": "many", "data": {"x": 1}})
            else:
                return False
            return True

        def do_GET(self):
            state.seen_authorization.append(self.headers.get("Authorization"))
            if self._misbehave():
                return None
            url = urlparse(self.path)
            if url.path != "/statistics/dossiers":
                return self._send(404, {"error": "not found"})
            if self.headers.get("Authorization") != f"Bearer {state.token}":
                return self._send(401, {"error": "bad token"})
            q = parse_qs(url.query)
            page, size = int(q["page"][0]), int(q["page_size"][0])
            state.requests.append(page)
            state.attempts[page] += 1
            fault = state.faults.get((page, state.attempts[page]))
            if fault == 429:
                return self._send(429, {"error": "slow down"}, {"Retry-After": "0"})
            if fault:
                return self._send(fault, {"error": "server error"})
            chosen = [r for r in state.records if r["kyBaoCao"] == q["period"][0]]
            total = max(1, -(-len(chosen) // size))
            return self._send(200, {"page": page, "total_pages": total,
                                    "data": chosen[(page - 1) * size: page * size]})

    return serve_in_thread(Handler, host)
