"""Airflow Assets the DAGs produce and consume (one per raw table, one for the marts)."""

from __future__ import annotations

from airflow.sdk import Asset

RAW_ASSETS = {
    "public_services": Asset(name="raw.public_services",
                             uri="dti://warehouse/raw/public_services"),
    "document_logs": Asset(name="raw.document_events", uri="dti://warehouse/raw/document_events"),
    "soc_alerts": Asset(name="raw.security_alerts", uri="dti://warehouse/raw/security_alerts"),
    "self_assessment": Asset(name="raw.self_assessments",
                             uri="dti://warehouse/raw/self_assessments"),
}
MARTS = Asset(name="marts", uri="dti://warehouse/marts")
