"""A small real HTTP server on 127.0.0.1 that records the JSON posted to it."""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.json_http import serve_in_thread


def serve() -> tuple[ThreadingHTTPServer, str, list[dict]]:
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            received.append(json.loads(body))
            self.send_response(204)
            self.end_headers()

    server, url = serve_in_thread(Handler)
    return server, f"{url}/hook", received
