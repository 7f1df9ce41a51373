"""Document-management logs: CSV and JSON Lines, state secrets excluded, handlers
pseudonymised, timestamps in Vietnam time, row rules quarantined."""

import json
import logging
import re
from datetime import UTC, date, datetime, timedelta

import pytest

from dti.samples.documents import document_events, write_document_csv, write_document_jsonl
from ingestion.load import ingest_file
from ingestion.personal_data import pseudonymise
from tests.integration.helpers import assert_ledger_invariant, edit_lines, rows, set_cell

SOURCE = "document_logs"
MONTH = date(2025, 4, 1)


@pytest.fixture
def events():
    return list(document_events(3, [MONTH], per_agency_month=20))


@pytest.fixture
def csv_log(tmp_path, events):
    path = tmp_path / "qlvb_2025-04.csv"
    write_document_csv(path, iter(events))
    return path


def test_csv_log_loads_excludes_state_secrets_and_pseudonymises_handlers(
    warehouse_url, csv_log, events
):
    secrets = [e for e in events if e.secret]
    assert secrets, "the sample should hold state-secret documents"
    result = ingest_file(SOURCE, csv_log)
    assert result.rows_read == len(events)
    assert result.rows_excluded == len(secrets)
    assert result.rows_loaded == len(events) - len(secrets)
    assert (result.agency_code, result.period) == ("000.00.00.H49", "2025-04")
    loaded = {r["document_id"]: r for r in rows(warehouse_url, "select * from raw.document_events")}
    assert not {e.document_id for e in secrets} & set(loaded)
    first = next(e for e in events if not e.secret)
    row = loaded[first.document_id]
    # 'dd/mm/yyyy hh:mi' without an offset is Vietnam time, UTC+7.
    assert row["received_at"] == first.received_at.replace(tzinfo=UTC) - timedelta(hours=7)
    assert row["direction"] == {"Đến": "incoming", "Đi": "outgoing"}[first.direction]
    assert row["handler"] == pseudonymise(first.handler)
    assert re.fullmatch("[0-9a-f]{32}", row["handler"]) and first.handler not in str(row)
    assert_ledger_invariant(warehouse_url, "document_events")


def test_json_lines_log_loads_the_same_values_as_csv(warehouse_url, tmp_path, events, csv_log):
    jsonl = tmp_path / "qlvb_2025-04.jsonl"
    write_document_jsonl(jsonl, iter(events))
    ingest_file(SOURCE, csv_log)
    cols = ("document_id, agency_code, direction, channel, signature_kind, "
            "processed_electronically, received_at, due_at, completed_at, handler, handler_email")
    from_csv = rows(warehouse_url, f"select {cols} from raw.document_events order by 1")
    second = ingest_file(SOURCE, jsonl)  # same partition: replaces the CSV load
    assert second.status == "loaded"
    from_json = rows(warehouse_url, f"select {cols} from raw.document_events order by 1")
    assert from_json == from_csv
    assert_ledger_invariant(warehouse_url, "document_events")


def test_row_rules_quarantine_bad_events(warehouse_url, csv_log):
    # Line 2 is the first event. Columns: 3 channel, 6 received, 8 completed.
    edit_lines(csv_log, lambda i, line: (
        set_cell(line, 3, "Fax") if i == 2 else
        set_cell(line, 6, "31/02/2025 10:00") if i == 3 else
        set_cell(set_cell(line, 6, "10/04/2025 10:00"), 8, "09/04/2025 10:00") if i == 4 else
        set_cell(line, 1, "") if i == 5 else line))
    result = ingest_file(SOURCE, csv_log)
    failures = {r["_row_number"]: r["failures"] for r in rows(
        warehouse_url, "select _row_number, failures from quarantine.document_events")}
    rules = {n: {f["rule"] for f in fs} for n, fs in failures.items()}
    assert rules[2] == {"enum_value"} and failures[2][0]["value"] == "Fax"
    assert rules[3] == {"timestamp_format"}
    assert rules[4] == {"completed_after_received"}
    # Times are reported as landed: ISO 8601 in Vietnam time.
    assert failures[4][0]["value"] == {"received_at": "2025-04-10T10:00:00+07:00",
                                       "completed_at": "2025-04-09T10:00:00+07:00"}
    assert failures[3][0]["value"] == "received_at=31/02/2025 10:00"
    assert "agency_code_present" in rules[5]
    assert result.rows_quarantined == 4
    assert_ledger_invariant(warehouse_url, "document_events")


def test_malformed_json_line_is_quarantined_not_lost(warehouse_url, tmp_path, events):
    path = tmp_path / "log.jsonl"
    write_document_jsonl(path, iter(events[:5]))
    lines = path.read_text().splitlines()
    lines.insert(2, '{"document_id": "VB-broken", ')
    path.write_text("\n".join(lines) + "\n")
    result = ingest_file(SOURCE, path)
    assert result.rows_read == 6
    (bad,) = rows(warehouse_url, "select _row_number, failures from quarantine.document_events")
    assert bad["_row_number"] == 3
    readable = [f for f in bad["failures"] if f["rule"] == "record_readable"]
    assert "invalid JSON" in readable[0]["value"]
    assert json.dumps(bad["failures"])  # the reason is stored as data
    assert_ledger_invariant(warehouse_url, "document_events")


def test_future_receipt_is_quarantined(warehouse_url, csv_log):
    future = (datetime.now() + timedelta(days=30)).strftime("%d/%m/%Y %H:%M")
    edit_lines(csv_log, lambda i, line: set_cell(set_cell(line, 6, future), 8, "")
               if i == 2 else line)
    ingest_file(SOURCE, csv_log)
    (bad,) = rows(warehouse_url, "select failures from quarantine.document_events")
    # In the future, and so also outside the month the file reports.
    assert {f["rule"] for f in bad["failures"]} == {"not_in_future", "row_in_partition"}


def test_many_failing_rows_are_all_quarantined_and_the_first_logged(warehouse_url, csv_log,
                                                                    caplog):
    """A row rule broken on many rows: every one of them goes to quarantine (the rows
    are gathered in the warehouse, not in the loader's memory), and the log names the
    first rows, then how many more failed and by which rules, rather than a line each."""
    edit_lines(csv_log, lambda i, line: (
        line if i < 2 or i % 5 else
        set_cell(line, 3, "Fax") if i % 10 else set_cell(line, 6, "31/02/2025 10:00")))
    with caplog.at_level(logging.WARNING, logger="ingestion.load"):
        result = ingest_file(SOURCE, csv_log)
    quarantined = rows(warehouse_url, "select _row_number, failures "
                                      "from quarantine.document_events order by 1")
    assert len(quarantined) == result.rows_quarantined > 40
    assert {f["rule"] for q in quarantined for f in q["failures"]} == {
        "enum_value", "timestamp_format"}
    *named, summary = caplog.messages
    assert [int(m.split(":")[1]) for m in named] == [q["_row_number"]
                                                     for q in quarantined[:20]]
    counts = {r: sum(f["rule"] == r for q in quarantined for f in q["failures"])
              for r in ("enum_value", "timestamp_format")}
    assert summary.startswith(f"{csv_log.name}: {len(quarantined) - 20} more rows failed "
                              "row rules (")
    assert summary.endswith("): every one, with its rules, is in quarantine.document_events")
    assert all(f"{rule} x{n}" in summary for rule, n in counts.items())
    assert_ledger_invariant(warehouse_url, "document_events")
