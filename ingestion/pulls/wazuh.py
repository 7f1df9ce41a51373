"""SOC alerts from the Wazuh indexer (OpenSearch's search API).

``POST {base}/{index}/_search`` with basic authentication, a range on the alert's
``timestamp`` and ``search_after`` on (timestamp, id): stable under new alerts being
indexed while the pull runs, unlike from/size. Each hit's ``_source`` is the alert as
Wazuh wrote it to ``alerts.json``, which the SOC reader already knows.
"""

from __future__ import annotations

from dataclasses import dataclass

from ingestion.pulls.http import BadJSON, PullError
from ingestion.pulls.window import WindowAPI


def _hits(doc: dict, what: str) -> list[dict]:
    hits = (doc.get("hits") or {}).get("hits") if isinstance(doc.get("hits"), dict) else None
    if not isinstance(hits, list) or not all(
            isinstance(h, dict) and isinstance(h.get("_source"), dict) for h in hits):
        if doc.get("timed_out") or doc.get("_shards", {}).get("failed"):
            raise BadJSON(f"{what}: the indexer answered a partial result")  # retried
        raise PullError(f"{what}: no hits.hits list of documents (rule: pull_schema)")
    return hits


@dataclass
class WazuhIndexer(WindowAPI):
    index: str = "wazuh-alerts-*"
    prefix = "wazuh"
    windows_by_record_time = True

    def page(self, since: str | None, until: str,
             cursor: object | None) -> tuple[list[dict], object | None]:
        window = {"lt": until, **({"gte": since} if since else {})}
        query: dict = {"size": self.page_size,
                       "sort": [{"timestamp": {"order": "asc"}}, {"id": {"order": "asc"}}],
                       "query": {"range": {"timestamp": window}}}
        if cursor is not None:
            query["search_after"] = cursor
        what = f"{self.index} search after {cursor}" if cursor else f"{self.index} search"
        hits = _hits(self.client.request(f"/{self.index}/_search", what, body=query), what)
        records = [{**h["_source"], "id": str(h["_source"].get("id") or h.get("_id"))}
                   for h in hits]
        # A page shorter than asked for is the last one (the scroll ends mid-page).
        last = len(hits) < self.page_size or not isinstance(hits[-1].get("sort"), list)
        return records, None if last else hits[-1]["sort"]

    def record_id(self, record: dict) -> str:
        return str(record["id"])

    def record_time(self, record: dict) -> object:
        return record.get("timestamp")
