"""Document events from an e-office (QLVB-ĐH) system's HTTP export.

The contract (the system's export, or an adapter in front of it):
``GET {base}/documents/events?from=ISO&to=ISO&page_size=N[&page_token=T]`` with
``Authorization: Bearer <token>``, answering ``{"events": [document, ...],
"next_page_token": T | null}``: the documents created or changed in [from, to), in
the document-log JSON shape (``config/document_logs.yaml``). A document changed twice
keeps its last state: one row per document, in the month it was received.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from ingestion.pulls.http import PullError
from ingestion.pulls.window import WindowAPI


def check_events(doc: dict, what: str) -> dict:
    events, token = doc.get("events"), doc.get("next_page_token")
    if not isinstance(events, list) or not all(isinstance(e, dict) for e in events):
        raise PullError(f"{what}: 'events' is not a list of records (rule: pull_schema)")
    if token is not None and not isinstance(token, str):
        raise PullError(f"{what}: next_page_token is not text (rule: pull_schema)")
    return doc


@dataclass
class EofficeExport(WindowAPI):
    prefix = "eoffice"
    windows_by_record_time = False

    def page(self, since: str | None, until: str,
             cursor: object | None) -> tuple[list[dict], object | None]:
        query = {"to": until, "page_size": self.page_size,
                 **({"from": since} if since else {}),
                 **({"page_token": cursor} if cursor else {})}
        doc = self.client.request("/documents/events", "events page"
                                  + (f" {cursor}" if cursor else " 1"), query)
        return doc["events"], doc.get("next_page_token") or None

    def record_id(self, record: dict) -> str:
        key = record.get("document_id") or record.get("id") or record.get("event_id")
        if key:
            return str(key)
        # No id at all: the content is the id, so a repeat is still not a double.
        return hashlib.sha256(json.dumps(record, sort_keys=True).encode()).hexdigest()

    def record_time(self, record: dict) -> object:
        return record.get("received_at")
