"""A small real HTTP server on 127.0.0.1 that plays a public-service portal API."""

from __future__ import annotations

import json
import threading
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


@dataclass
class PortalState:
    token: str
    records: list[dict]
    # (page, attempt) -> HTTP status to answer instead of the page
    faults: dict[tuple[int, int], int] = field(default_factory=dict)
    requests: list[int] = field(default_factory=list)
    attempts: Counter = field(default_factory=Counter)


def serve(state: PortalState) -> tuple[ThreadingHTTPServer, str]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # keep test output quiet
            pass

        def _send(self, status: int, body: dict, headers: dict | None = None) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
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

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"
