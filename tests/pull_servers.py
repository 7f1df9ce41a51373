"""Small real HTTP servers on 127.0.0.1 that answer as a Wazuh indexer's search API and
an e-office system's document-event export do."""

from __future__ import annotations

import base64
import json
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from tests.json_http import JsonHandler, serve_in_thread


def instant(text: str) -> datetime:
    t = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return t if t.tzinfo else t.replace(tzinfo=UTC)


@dataclass
class ApiState:
    credentials: str  # the Authorization header the server accepts
    records: list[dict]
    # request number (1-based) -> "429", "503", "truncated", "wrong_shape" or "pause"
    faults: dict[int, str] = field(default_factory=dict)
    requests: list[dict] = field(default_factory=list)  # each request's query
    paused: threading.Event = field(default_factory=threading.Event)

    def add(self, *records: dict) -> None:
        self.records.extend(records)


class _Handler(JsonHandler):
    state: ApiState

    def _fault(self, query: dict) -> bool:
        """Count the request; answer a fault instead of it when one is due."""
        if self.headers.get("Authorization") != self.state.credentials:
            self._send(401, {"error": "unauthorized"})
            return True
        self.state.requests.append(query)
        fault = self.state.faults.get(len(self.state.requests))
        if fault == "429":
            self._send(429, {"error": "too many requests"}, {"Retry-After": "0"})
        elif fault == "503":
            self._send(503, {"error": "unavailable"})
        elif fault == "truncated":  # the connection is cut mid-body
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"hits": {"hits": [{"_id": "x", "_sou')
        elif fault == "wrong_shape":  # a 200 that is not the API's answer
            self._send(200, {"hits": 5, "events": "none"})
        elif fault == "pause":  # hold the request until the client is killed
            self.state.paused.set()
            time.sleep(30)
        else:
            return False
        return True


class _Indexer(_Handler):
    """``POST /<index>/_search`` with range, sort [timestamp, id] and search_after;
    hits carry ``sort`` values as OpenSearch does (epoch milliseconds, id)."""

    def do_POST(self):
        if not urlparse(self.path).path.endswith("/_search"):
            return self._send(404, {"error": "no such index"})
        query = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        if self._fault(query):
            return None
        window = query["query"]["range"]["timestamp"]
        since = instant(window["gte"]) if "gte" in window else None
        until = instant(window["lt"])
        keyed = sorted(
            ((int(instant(r["timestamp"]).timestamp() * 1000), r["id"]), r)
            for r in self.state.records
            if (since is None or instant(r["timestamp"]) >= since)
            and instant(r["timestamp"]) < until)
        after = tuple(query["search_after"]) if query.get("search_after") else None
        page = [(k, r) for k, r in keyed if after is None or k > after][:query["size"]]
        self._send(200, {"took": 1, "timed_out": False,
                         "_shards": {"total": 1, "successful": 1, "failed": 0},
                         "hits": {"total": {"value": len(keyed), "relation": "eq"},
                                  "hits": [{"_index": "wazuh-alerts-4.x", "_id": r["id"],
                                            "_source": r, "sort": list(k)}
                                           for k, r in page]}})


class _Eoffice(_Handler):
    """``GET /documents/events?from=&to=&page_size=&page_token=``: documents changed
    in [from, to) by their ``updated_at``; the token is an opaque offset."""

    def do_GET(self):
        url = urlparse(self.path)
        if url.path != "/documents/events":
            return self._send(404, {"error": "not found"})
        q = {k: v[0] for k, v in parse_qs(url.query).items()}
        if self._fault(q):
            return None
        since = instant(q["from"]) if "from" in q else None
        until = instant(q["to"])
        chosen = sorted((r for r in self.state.records
                         if (since is None or instant(r["updated_at"]) >= since)
                         and instant(r["updated_at"]) < until),
                        key=lambda r: (r["updated_at"], r["document_id"]))
        start = int(base64.urlsafe_b64decode(q["page_token"])) if "page_token" in q else 0
        size = int(q["page_size"])
        more = start + size < len(chosen)
        self._send(200, {"events": chosen[start:start + size],
                         "next_page_token": base64.urlsafe_b64encode(
                             str(start + size).encode()).decode() if more else None})


def serve(kind: str, state: ApiState) -> tuple[ThreadingHTTPServer, str]:
    handler = type("Handler", (_Indexer if kind == "wazuh" else _Eoffice,), {"state": state})
    return serve_in_thread(handler)


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
