"""Failure alerts: an Airflow callback that logs the failure and posts it to a webhook.

Set ``DTI_ALERT_WEBHOOK_URL`` (a chat or incident tool's incoming webhook) to be told;
the log gets every failure either way. An alert that cannot be sent is logged and
dropped: it must never hide the failure it reports.
"""

from __future__ import annotations

import json
import logging
import urllib.request

from dti.settings import alert_webhook_url

log = logging.getLogger(__name__)


def failure_payload(context: dict) -> dict:
    ti = context.get("ti") or context.get("task_instance")
    exception = context.get("exception")
    return {
        "event": "task_failed",
        "dag_id": getattr(ti, "dag_id", None),
        "task_id": getattr(ti, "task_id", None),
        "map_index": getattr(ti, "map_index", None),
        "run_id": getattr(ti, "run_id", None) or context.get("run_id"),
        "try_number": getattr(ti, "try_number", None),
        "error": f"{type(exception).__name__}: {exception}" if exception else None,
    }


def notify_failure(context: dict) -> None:
    payload = failure_payload(context)
    log.error("task failed: %s", json.dumps(payload, ensure_ascii=False))
    url = alert_webhook_url()
    if not url:
        return
    request = urllib.request.Request(
        url, data=json.dumps(payload, ensure_ascii=False).encode(),
        headers={"Content-Type": "application/json"}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10):
            pass
    except OSError as exc:
        log.warning("failure alert not delivered to the webhook: %s", exc)
