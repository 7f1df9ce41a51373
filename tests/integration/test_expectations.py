"""Every rule of every suite, violated and satisfied.

Each case breaks one thing in a small batch landed straight into a landing table (the
table the suite runs on), validates, and checks the effect: the failing row is named
with the rule (so the loader quarantines it), or the batch is rejected. Cases that
break one row's values share one batch per source, a row each; the others get a batch
of their own. The same batch unbroken passes every rule. A test also checks that no rule of a suite
is left without a case.
"""

from __future__ import annotations

import os

import psycopg
import pytest
from psycopg import sql

from ingestion.methodology_catalogue import sync_components
from ingestion.partition import Partition, query_parameters
from ingestion.registry import sync_registry
from ingestion.validation import load_suite_document, row_failures, validate_table

TS = {"received_at", "due_at", "completed_at", "detected_at", "acknowledged_at",
      "resolved_at"}

BASE = {
    "public_services": [
        {"agency_code": code, "agency_name": "x", "period_month": "2025-03-01",
         "received_online": "10", "received_full_online": "5", "received_in_person": "3",
         "received_postal": "1", "resolved_early": "4", "resolved_on_time": "5",
         "resolved_late": "1", "in_progress_within_deadline": "2", "in_progress_overdue": "0",
         "results_electronic": "8", "dossiers_digitised": "9", "dossiers_with_fees": "6",
         "paid_online": "4", "handled": "10", "dissatisfied": "1",
         "procedures_to_publish": "3", "procedures_published_on_time": "3",
         "dossiers_synced": "12", "dossiers_progress_published": "11",
         "received_of_full_online_procedures": "6", "procedures_with_fees": "4",
         "procedures_with_online_payment": "3", "procedures_with_fee_dossiers": "2",
         "petitions_due": "2", "petitions_handled_on_time": "2", "petitions_rated": "1",
         "petitions_satisfied": "1", "resolved_with_document_result": "9",
         "copies_certified": "5", "copies_certified_electronic": "2",
         "dossiers_reusing_data": "3", "results_shared": "4",
         "dossiers_population_verified": "7", "dossiers_population_prefilled": "5",
         "portal_index_766_points": "84.37"}
        for code in ("000.00.04.H49", "000.00.05.H49")
    ],
    "document_logs": [
        {"document_id": f"VB-{n}", "agency_code": "000.00.04.H49", "direction": "incoming",
         "channel": "axis", "signature_kind": "none", "processed_electronically": "true",
         "received_at": "2025-04-01 08:00:00+07:00", "due_at": "2025-04-05 08:00:00+07:00",
         "completed_at": "2025-04-02 09:00:00+07:00", "handler": "ab12", "handler_email": "cd34"}
        for n in (1, 2)
    ],
    "soc_alerts": [
        {"alert_id": f"SOC-{n}", "source_system": "soc_portal",
         "detected_at": "2025-05-01 08:00:00+07:00", "severity_raw": "Cao", "severity": "high",
         "category": "Web", "signature": "SQLi", "asset": "srv04", "agency_code": "000.00.04.H49",
         "src_ip": "192.0.2.1", "dest_ip": "10.49.4.14", "status": "resolved",
         "acknowledged_at": "2025-05-01 09:00:00+07:00", "resolved_at": "2025-05-01 10:00:00+07:00"}
        for n in (1, 2)
    ],
    "self_assessment": [
        {"agency_code": "000.00.04.H49", "agency_name": "x", "methodology_id": "QN-AGENCY-2025",
         "component_code": "qn_nhan_luc", "self_points": "8.5", "appraisal_points": "8",
         "final_points": "8", "period_month": "2025-01-01",
         "evidence_url": "https://dti.example.gov.vn/a"},
        {"agency_code": "000.00.04.H49", "agency_name": "x", "methodology_id": "QN-AGENCY-2025",
         "component_code": "qn_attt_four_layer", "raw_numerator": "1",
         "period_month": "2025-01-01", "evidence_url": "https://dti.example.gov.vn/b"},
    ],
}

# A department of another province, added to the registry the suites read, so the
# partition rule has a registered agency outside the file's province to catch.
OTHER_PROVINCE_AGENCY = "000.00.04.H22"
# The month each source's base batch reports (its partition).
MONTHS = {"public_services": "2025-03", "document_logs": "2025-04", "soc_alerts": "2025-05",
          "self_assessment": "2025-01"}

# (source, rule, change to the second row or to the table, effect)
CASES = [
    ("public_services", "schema_matches", {"+column": "ghi_chu"}, "reject"),
    ("public_services", "not_empty", {"+empty": True}, "reject"),
    ("public_services", "row_count_in_band", {"+band": (5, 10)}, "warn"),
    ("public_services", "period_found", {"period_month": None, "+all": True}, "reject"),
    ("public_services", "record_readable", {"_parse_error": "13 cells, header has 12"}, "row"),
    ("public_services", "agency_code_present", {"agency_code": None}, "row"),
    ("public_services", "agency_in_registry", {"agency_code": "000.00.99.H49"}, "row"),
    ("public_services", "natural_key_unique", {"agency_code": "000.00.04.H49"}, "both"),
    ("public_services", "count_present", {"resolved_late": None}, "row"),
    ("public_services", "count_non_negative_integer", {"received_postal": "-5"}, "row"),
    ("public_services", "part_within_total", {"paid_online": "7"}, "row"),
    # the 766 inputs, checked in one scan each: a bad count, a part above its whole
    ("public_services", "count_non_negative_integer", {"petitions_due": "-1"}, "row"),
    ("public_services", "part_within_total", {"petitions_satisfied": "4"}, "row"),
    ("public_services", "number_non_negative", {"portal_index_766_points": "-3"}, "row"),
    ("public_services", "points_within_max", {"portal_index_766_points": "120.5"}, "row"),
    # A registered agency of another province does not belong in this province's file.
    ("public_services", "row_in_partition", {"agency_code": OTHER_PROVINCE_AGENCY}, "row"),
    ("document_logs", "schema_matches", {"-column": "channel"}, "reject"),
    ("document_logs", "not_empty", {"+empty": True}, "reject"),
    ("document_logs", "row_count_in_band", {"+band": (0, 1)}, "warn"),
    ("document_logs", "record_readable", {"_parse_error": "invalid JSON"}, "row"),
    ("document_logs", "timestamp_format", {"received_at": None,
                                            "_invalid_values": "received_at=31/02/2025"}, "row"),
    ("document_logs", "key_present", {"document_id": None}, "row"),
    ("document_logs", "agency_code_present", {"agency_code": None}, "row"),
    # A district's code is valid in April 2025, not after districts were abolished.
    ("document_logs", "agency_in_registry", {"agency_code": "000.00.31.H49",
                                              "received_at": "2025-08-01 08:00:00+07:00",
                                              "completed_at": None}, "row"),
    ("document_logs", "natural_key_unique", {"document_id": "VB-1"}, "both"),
    ("document_logs", "enum_present", {"channel": None}, "row"),
    ("document_logs", "enum_value", {"channel": "fax"}, "row"),
    ("document_logs", "received_at_present", {"received_at": None}, "row"),
    ("document_logs", "completed_after_received",
     {"completed_at": "2025-03-31 08:00:00+07:00"}, "row"),
    ("document_logs", "not_in_future", {"received_at": "2099-01-01 08:00:00+07:00",
                                         "completed_at": None, "due_at": None,
                                         "+month": "2099-01"}, "row"),
    ("document_logs", "row_in_partition", {"received_at": "2025-05-01 00:00:00+07:00",
                                            "completed_at": None}, "row"),
    ("soc_alerts", "schema_matches", {"+column": "extra"}, "reject"),
    ("soc_alerts", "not_empty", {"+empty": True}, "reject"),
    ("soc_alerts", "row_count_in_band", {"+band": (3, 9)}, "warn"),
    ("soc_alerts", "record_readable", {"_parse_error": "record is not a JSON object"}, "row"),
    ("soc_alerts", "timestamp_format", {"resolved_at": None,
                                         "_invalid_values": "resolved_at=hôm qua"}, "row"),
    ("soc_alerts", "key_present", {"alert_id": None}, "row"),
    ("soc_alerts", "natural_key_unique", {"alert_id": "SOC-1"}, "both"),
    ("soc_alerts", "detected_at_present", {"detected_at": None}, "row"),
    ("soc_alerts", "acknowledged_after_detected",
     {"acknowledged_at": "2025-05-01 07:00:00+07:00"}, "row"),
    ("soc_alerts", "resolved_after_detected", {"resolved_at": "2025-04-30 07:00:00+07:00"}, "row"),
    ("soc_alerts", "not_in_future", {"detected_at": "2099-05-01 08:00:00+07:00",
                                      "acknowledged_at": None, "resolved_at": None,
                                      "+month": "2099-05"}, "row"),
    ("soc_alerts", "row_in_partition", {"agency_code": OTHER_PROVINCE_AGENCY}, "row"),
    ("soc_alerts", "severity_mapped", {"severity": None}, "row"),
    ("soc_alerts", "enum_value", {"status": "closed-ish"}, "row"),
    ("soc_alerts", "asset_mapped_to_agency", {"agency_code": None}, "row"),
    ("soc_alerts", "agency_in_registry", {"agency_code": "000.00.99.H49"}, "row"),
    ("soc_alerts", "ip_address", {"src_ip": "999.1.2.3"}, "row"),
    ("self_assessment", "schema_matches", {"-column": "evidence_url"}, "reject"),
    ("self_assessment", "not_empty", {"+empty": True}, "reject"),
    ("self_assessment", "period_found", {"period_month": None, "+all": True}, "reject"),
    ("self_assessment", "record_readable", {"_parse_error": "12 cells, header has 11"}, "row"),
    ("self_assessment", "agency_code_present", {"agency_code": None}, "row"),
    ("self_assessment", "agency_in_registry", {"agency_code": "000.00.99.H49"}, "row"),
    ("self_assessment", "methodology_present", {"methodology_id": None}, "row"),
    ("self_assessment", "component_present", {"component_code": None}, "row"),
    # A component its methodology does not self-assess, or a methodology not valid for
    # the sheet's year (405 is 2024's; the sheet is of 2025): never scored, so quarantined.
    ("self_assessment", "component_in_methodology", {"component_code": "qn_dvc_on_time"}, "row"),
    ("self_assessment", "component_in_methodology", {"methodology_id": "DTI-2025",
                                                     "component_code": "c25_nhan_luc_so_all"},
     "row"),
    ("self_assessment", "natural_key_unique", {"component_code": "qn_nhan_luc"}, "both"),
    ("self_assessment", "number_non_negative", {"self_points": "-2"}, "row"),
    ("self_assessment", "score_or_value_given", {"raw_numerator": None}, "row"),
    ("self_assessment", "part_within_total", {"raw_numerator": "5", "raw_denominator": "2"},
     "row"),
    ("self_assessment", "evidence_is_link", {"evidence_url": "bản giấy"}, "row"),
    ("self_assessment", "row_in_partition", {"agency_code": OTHER_PROVINCE_AGENCY}, "row"),
]


@pytest.fixture(scope="module")
def cases_url(pg_admin_url, template_db):
    """One database for every case of this module: each case lands its own table, and
    validating in one database reuses one Great Expectations engine."""
    from tests.conftest import clone_database, drop_database

    name = f"dti_expectations_{os.getpid()}"
    url = clone_database(pg_admin_url, template_db, name)
    with psycopg.connect(url, autocommit=True) as conn, conn.transaction():
        sync_registry(conn)
        sync_components(conn)
        conn.execute(
            "insert into meta.agencies (agency_code, name_vi, name_ascii, level, "
            "province_code, valid_from) values (%s, 'Sở khác', 'So khac', 'department', "
            "'000.00.00.H22', '2008-01-01')", (OTHER_PROVINCE_AGENCY,))
    yield url
    drop_database(pg_admin_url, name)


def land(url: str, source: str, rows: list[dict], drop: str | None = None,
         add: str | None = None) -> str:
    suite = load_suite_document(source)
    columns = next(e for e in suite["expectations"]
                   if e["meta"]["rule"] == "schema_matches")["kwargs"]["column_set"]
    columns = [c for c in columns if c != drop] + ([add] if add else [])
    table = f"{source}_case"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql.SQL("drop table if exists {}").format(sql.Identifier("landing", table)))
        conn.execute(sql.SQL("create table {} ({})").format(
            sql.Identifier("landing", table),
            sql.SQL(", ").join(sql.SQL("{} {}").format(
                sql.Identifier(c), sql.SQL("integer" if c == "_row_number" else
                                           "timestamptz" if c in TS else "text"))
                for c in columns)))
        for n, row in enumerate(rows, start=1):
            values = {**row, "_row_number": n}
            cols = [c for c in columns if c in values]
            conn.execute(sql.SQL("insert into {} ({}) values ({})").format(
                sql.Identifier("landing", table), sql.SQL(", ").join(map(sql.Identifier, cols)),
                sql.SQL(", ").join(sql.Placeholder() * len(cols))),
                [values[c] for c in cols])
    return table


def run(url: str, source: str, change: dict):
    rows = [dict(r) for r in BASE[source]]
    if change.get("+empty"):
        rows = []
    targets = rows if change.get("+all") else rows[1:]
    for row in targets:
        row.update({k: v for k, v in change.items() if not k.startswith("+")
                    and not k.startswith("-")})
    table = land(url, source, rows, drop=change.get("-column"), add=change.get("+column"))
    lo, hi = change.get("+band", (0, 2**62))
    month = change.get("+month", MONTHS[source])
    return validate_table(url, "landing", table, source,
                          {"row_count_min": lo, "row_count_max": hi},
                          query_parameters(Partition("000.00.00.H49", month, "test")))


@pytest.mark.parametrize("source", sorted(BASE))
def test_the_unbroken_batch_passes_every_rule(cases_url, source):
    outcome = run(cases_url, source, {})
    assert outcome.table_failures == [] and outcome.warnings == []
    assert (outcome.failing_rows, outcome.rule_counts) == (0, {})
    assert all(r["success"] for r in outcome.results)


def _plain_row_case(case) -> bool:
    """A row rule broken by changing one row's values alone: many share one batch."""
    return case[3] == "row" and not any(k.startswith(("+", "-")) for k in case[2])


ROW_CASES = [c for c in CASES if _plain_row_case(c)]
TABLE_CASES = [c for c in CASES if not _plain_row_case(c)]


@pytest.mark.parametrize("source", sorted(BASE))
def test_each_row_rule_flags_the_row_that_breaks_it(cases_url, source):
    """One batch per source (one validation, not one per case): row 1 unbroken, then a
    row per case, the second base row with that case's change. Each case's rule names
    its row; the unbroken row is named by none and the batch is not rejected."""
    cases = [c for c in ROW_CASES if c[0] == source]
    rows = [dict(BASE[source][0])] + [{**BASE[source][1], **change} for _, _, change, _ in cases]
    table = land(cases_url, source, rows)
    outcome = validate_table(cases_url, "landing", table, source,
                             {"row_count_min": 0, "row_count_max": 2**62},
                             query_parameters(Partition("000.00.00.H49", MONTHS[source], "test")))
    assert not outcome.table_failures
    with psycopg.connect(cases_url) as conn:
        failures = row_failures(conn, outcome)
    assert 1 not in failures
    for row_number, (_, rule, change, _) in enumerate(cases, start=2):
        named = {f.rule for f in failures.get(row_number, [])}
        assert rule in named, (rule, change, named)


@pytest.mark.parametrize(("source", "rule", "change", "effect"), TABLE_CASES,
                         ids=[f"{s}-{r}" for s, r, _, _ in TABLE_CASES])
def test_breaking_a_rule_has_its_effect(cases_url, source, rule, change, effect):
    outcome = run(cases_url, source, change)
    if effect == "reject":
        assert rule in {f.rule for f in outcome.table_failures}
    elif effect == "warn":
        assert rule in {f.rule for f in outcome.warnings}
        assert not outcome.table_failures
    else:
        assert not outcome.table_failures
        expected_rows = {1, 2} if effect == "both" else {2}
        with psycopg.connect(cases_url) as conn:
            failures = row_failures(conn, outcome)
        flagged = {n for n, fs in failures.items() if rule in {f.rule for f in fs}}
        assert flagged == expected_rows


@pytest.mark.parametrize("source", sorted(BASE))
def test_every_rule_of_the_suite_has_a_case(source):
    rules = {e["meta"]["rule"] for e in load_suite_document(source)["expectations"]}
    covered = {rule for s, rule, _, _ in CASES if s == source}
    assert rules == covered


def test_validation_survives_the_server_ending_its_pooled_connections(cases_url,
                                                                       pg_admin_url):
    """A long-lived worker's Great Expectations engine outlives a warehouse restart."""
    assert not run(cases_url, "public_services", {}).table_failures
    with psycopg.connect(pg_admin_url, autocommit=True) as admin:
        ended = admin.execute("select pg_terminate_backend(pid) from pg_stat_activity "
                              "where datname = %s", (cases_url.rsplit("/", 1)[1],)).fetchall()
    assert ended  # the engine's pooled connections were there, and are gone
    assert not run(cases_url, "public_services", {}).table_failures
