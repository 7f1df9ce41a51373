"""Ingestion alone: source readers and their config, the agency registry, the batch
ledger, landing, validation (Great Expectations), publishing, the inbox and the
portal pull. Nothing here imports Airflow."""

from pathlib import Path

CONFIG_DIR = Path(__file__).resolve().parent / "config"
