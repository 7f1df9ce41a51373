"""Each source's columns are declared once (ingestion/config/<source>.yaml); the GX
suite, the raw table and the staging model are checked against that declaration, so
adding a column in one place and not the others fails here."""

from __future__ import annotations

import re

import psycopg
import pytest

from dti.settings import DBT_PROJECT_DIR
from ingestion.sources import SOURCES, get_source
from ingestion.validation import _unexpected_values, load_suite_document

# Columns a source keeps in raw that staging deliberately leaves out.
NOT_STAGED = {"soc_alerts": {"src_ip", "dest_ip"},  # addresses: not needed downstream
              "self_assessment": {"agency_name"}}  # names come from the registry
STAGING = {"public_services": "stg_public_services__agency_months",
           "document_logs": "stg_document_logs__document_events",
           "soc_alerts": "stg_soc_alerts__security_alerts",
           "self_assessment": "stg_self_assessment__self_assessments"}
LANDING_EXTRA = ["_parse_error", "_invalid_values"]
RAW_EXTRA = {"_batch_id", "_source_file", "_row_number", "_loaded_at"}


def declared(source: str) -> list[str]:
    spec = get_source(source)
    names = [c.name for c in spec.config.stored_columns]
    return names + (["period_month"] if spec.period_column is None else [])


def expectations(source: str, rule: str) -> list[dict]:
    return [e for e in load_suite_document(source)["expectations"]
            if e["meta"].get("rule") == rule]


@pytest.mark.parametrize("source", sorted(SOURCES))
def test_suite_checks_exactly_the_declared_columns(source):
    (schema,) = expectations(source, "schema_matches")
    assert sorted(schema["kwargs"]["column_set"]) == sorted(
        ["_row_number", *declared(source), *LANDING_EXTRA])
    config = get_source(source).config
    for column in config.stored_columns:
        if column.type == "enum":
            sets = [e["kwargs"]["value_set"] for e in expectations(source, "enum_value")
                    if e["kwargs"]["column"] == column.name]
            assert sets and sorted(sets[0]) == sorted(set(column.values.values())), column.name
        if column.type == "count":
            # one expectation per column, or one scan over several (meta.columns)
            checked = {c for e in expectations(source, "count_non_negative_integer")
                       for c in e["meta"].get("columns") or [e["kwargs"]["column"]]}
            assert column.name in checked
            present = {c for e in expectations(source, "count_present")
                       for c in e["meta"].get("columns") or [e["kwargs"]["column"]]}
            assert (column.name in present) == column.required, column.name


@pytest.mark.parametrize("source", sorted(SOURCES))
def test_every_row_rule_can_name_its_rows(source):
    """A failed row rule's rows are found by a query written here per kind of rule: a
    kind without one would refuse every file that breaks the rule."""
    for e in load_suite_document(source)["expectations"]:
        if e["meta"].get("level", "row") != "row" or "unexpected_rows_query" in e["kwargs"]:
            continue
        kwargs = {k: "2025-01-01" if isinstance(v, dict) else v for k, v in e["kwargs"].items()}
        assert _unexpected_values(e["type"], kwargs) is not None, e


@pytest.mark.parametrize("source", sorted(SOURCES))
def test_raw_table_holds_exactly_the_declared_columns(warehouse_url, source):
    table = get_source(source).config.raw_table
    with psycopg.connect(warehouse_url) as conn:
        columns = {r[0] for r in conn.execute(
            "select column_name from information_schema.columns "
            "where table_schema = 'raw' and table_name = %s", (table,))}
    assert columns == set(declared(source)) | RAW_EXTRA


@pytest.mark.parametrize("source", sorted(SOURCES))
def test_staging_reads_every_declared_column(source):
    sql = (DBT_PROJECT_DIR / "models" / "staging" / f"{STAGING[source]}.sql").read_text()
    table = get_source(source).config.raw_table
    assert f"source('raw', '{table}')" in sql
    missing = {c for c in declared(source) if not re.search(rf"\b{c}\b", sql)}
    assert missing == NOT_STAGED.get(source, set())
