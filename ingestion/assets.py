"""Airflow Assets the DAGs produce and consume (one per raw table, one for the marts)."""

from __future__ import annotations

from airflow.sdk import Asset

RAW_PUBLIC_SERVICES = Asset(name="raw.public_services", uri="dti://warehouse/raw/public_services")
MARTS = Asset(name="marts", uri="dti://warehouse/marts")
