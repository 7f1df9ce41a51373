"""Loading public-service reports: ledger, idempotence, quarantine, rejection."""

import gc
import logging
from pathlib import Path

import psycopg
import pytest

from dti.cli.main import main as dti
from dti.samples.generate import default_months, public_service_months
from ingestion.ledger import file_sha256
from ingestion.load import BatchRejected, ingest_file
from tests.integration.helpers import assert_ledger_invariant as check_invariant
from tests.integration.helpers import edit_lines, rows, set_cell

SOURCE = "public_services"


def ledger(url: str) -> list[dict]:
    return rows(url, "select * from meta.batches order by batch_id")


def count(url: str, table: str) -> int:
    with psycopg.connect(url) as conn:
        return conn.execute(f"select count(*) from {table}").fetchone()[0]


def assert_ledger_invariant(url: str) -> None:
    check_invariant(url, "public_services")


def test_ingest_loads_every_agency_row_as_exported(warehouse_url, sample_exports):
    march = sample_exports[0]
    result = ingest_file(SOURCE, march)
    # What validating built (GX, its engine) is left out of the collector's rounds.
    assert gc.get_freeze_count() > 10_000
    expected = public_service_months(7, default_months())[default_months()[0]]
    assert (result.status, result.rows_read, result.rows_loaded) == ("loaded", 14, 14)
    assert (result.agency_code, result.period) == ("000.00.00.H49", "2025-03")
    with psycopg.connect(warehouse_url) as conn:
        rows = conn.execute(
            "select agency_code, received_online, resolved_on_time, in_progress_overdue, "
            "period_month, _row_number, _source_file from raw.public_services "
            "order by agency_code").fetchall()
    assert [(r[0], r[1], r[2], r[3]) for r in rows] == [
        (e.agency_code, e.received_online, e.resolved_on_time, e.in_progress_overdue)
        for e in sorted(expected, key=lambda e: e.agency_code)
    ]
    assert {r[4] for r in rows} == {default_months()[0]}
    assert [r[5] for r in rows] == list(range(6, 20))  # file lines below the header
    (batch,) = ledger(warehouse_url)
    assert batch["sha256"] == file_sha256(march)
    assert batch["status"] == "loaded"
    assert_ledger_invariant(warehouse_url)


def test_same_file_twice_changes_nothing_and_ledger_says_skipped(warehouse_url, sample_exports):
    first = ingest_file(SOURCE, sample_exports[0])
    second = ingest_file(SOURCE, sample_exports[0])
    assert second.status == "skipped"
    assert second.duplicate_of == first.batch_id
    assert count(warehouse_url, "raw.public_services") == 14
    assert [b["status"] for b in ledger(warehouse_url)] == ["loaded", "skipped"]
    assert_ledger_invariant(warehouse_url)


def test_a_replaced_version_comes_back_with_reload(warehouse_url, sample_exports, tmp_path,
                                                  capsys):
    """A month, then a correction of it; sent again, the first version is skipped (the
    ledger has loaded it) and says how to load it again; with --reload it replaces
    the correction."""
    first = ingest_file(SOURCE, sample_exports[0])
    (tmp_path / "corrected").mkdir()
    corrected = tmp_path / "corrected" / sample_exports[0].name
    corrected.write_bytes(sample_exports[0].read_bytes())
    edit_lines(corrected, lambda i, line: set_cell(line, 4, "0") if i == 6 else line)
    assert ingest_file(SOURCE, corrected).rows_loaded == 14

    def full_online() -> int:
        return count(warehouse_url, "raw.public_services where received_full_online = 0")

    assert full_online() == 1
    assert dti(["ingest", SOURCE, str(sample_exports[0])]) == 0
    assert f"(same file as batch {first.batch_id}; --reload loads it again)" in \
        capsys.readouterr().out
    assert full_online() == 1
    assert dti(["ingest", SOURCE, "--reload", str(sample_exports[0])]) == 0
    assert "batch 4 loaded; read 14, loaded 14" in capsys.readouterr().out
    assert full_online() == 0
    assert [b["status"] for b in ledger(warehouse_url)] == [
        "superseded", "superseded", "skipped", "loaded"]
    assert_ledger_invariant(warehouse_url)


def test_negative_count_and_unknown_agency_go_to_quarantine_with_their_rule(
    warehouse_url, sample_exports
):
    # Line 6 is the first agency row, line 7 the second; column 3 is received_online.
    path = edit_lines(sample_exports[0], lambda i, line: (
        set_cell(line, 3, "-5") if i == 6 else
        set_cell(line, 1, "000.00.99.H49") if i == 7 else line))
    result = ingest_file(SOURCE, path)
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (14, 12, 2)
    assert "count_non_negative_integer" in result.error
    assert "agency_in_registry" in result.error
    with psycopg.connect(warehouse_url) as conn:
        quarantined = dict(conn.execute(
            "select _row_number, failures from quarantine.public_services").fetchall())
        raw_codes = {r[0] for r in conn.execute("select agency_code from raw.public_services")}
        failed = dict(conn.execute(
            "select rule, unexpected_count from dq.expectation_results where not success"))
    assert quarantined[6] == [{"rule": "count_non_negative_integer", "column": "received_online",
                               "value": "-5",
                               "expectation": "unexpected_rows_count_expectation"}]
    assert quarantined[7][0]["rule"] == "agency_in_registry"
    assert quarantined[7][0]["value"] == "000.00.99.H49"
    assert "000.00.99.H49" not in raw_codes
    assert failed == {"count_non_negative_integer": 1, "agency_in_registry": 1}
    assert_ledger_invariant(warehouse_url)


def test_row_errors_name_file_row_column_rule_and_value(warehouse_url, sample_exports, caplog):
    path = edit_lines(sample_exports[0], lambda i, line: set_cell(line, 5, "mười") if i == 9
                      else line)
    with caplog.at_level(logging.WARNING, logger="ingestion.load"):
        result = ingest_file(SOURCE, path)
    assert result.rows_quarantined == 1
    with psycopg.connect(warehouse_url) as conn:
        (failures,) = conn.execute("select failures from quarantine.public_services").fetchone()
    assert failures[0]["column"] == "received_in_person"
    # One line per failed rule and row, naming the column though the rule checks all
    # the counts in one query.
    assert caplog.messages == [
        f"{path.name}:9: column received_in_person: rule count_non_negative_integer "
        "(unexpected_rows_count_expectation) failed: value 'mười'"
    ]


def test_duplicate_agency_rows_are_both_quarantined(warehouse_url, sample_exports):
    path = edit_lines(sample_exports[0], lambda i, line: (
        set_cell(line, 1, "000.00.01.H49") if i == 7 else line))
    result = ingest_file(SOURCE, path)
    assert result.rows_quarantined == 2
    with psycopg.connect(warehouse_url) as conn:
        rules = {r[0]: r[1] for r in conn.execute(
            "select _row_number, failures->0->>'rule' from quarantine.public_services")}
    assert rules == {6: "natural_key_unique", 7: "natural_key_unique"}
    assert_ledger_invariant(warehouse_url)


def test_schema_drift_rejects_the_batch_and_keeps_the_file(warehouse_url, sample_exports):
    path = edit_lines(sample_exports[0], lambda i, line: (
        line + ",Ghi chú" if i == 5 else line + "," if i > 5 and line else line))
    with pytest.raises(BatchRejected) as info:
        ingest_file(SOURCE, path)
    message = str(info.value)
    assert path.name in message and "schema_matches" in message and "__ghi_chu" in message
    assert path.exists()
    (batch,) = ledger(warehouse_url)
    assert batch["status"] == "rejected"
    assert "schema_matches" in batch["error"]
    assert count(warehouse_url, "raw.public_services") == 0
    assert count(warehouse_url, "quarantine.public_services") == 0
    with psycopg.connect(warehouse_url) as conn:
        left = conn.execute("select count(*) from pg_tables where schemaname = 'landing'")
        assert left.fetchone()[0] == 0


def test_report_without_period_is_rejected(warehouse_url, sample_exports):
    path = edit_lines(sample_exports[0], lambda i, line: None if i == 3 else line)
    with pytest.raises(BatchRejected, match="period_found"):
        ingest_file(SOURCE, path)


def test_corrected_redelivery_replaces_the_partition(warehouse_url, sample_exports):
    march = sample_exports[0]
    first = ingest_file(SOURCE, march)
    edit_lines(march, lambda i, line: set_cell(line, 3, "999") if i == 6 else line)
    second = ingest_file(SOURCE, march)
    assert second.status == "loaded" and second.batch_id != first.batch_id
    with psycopg.connect(warehouse_url) as conn:
        batches = {r[0] for r in conn.execute("select distinct _batch_id from raw.public_services")}
        value = conn.execute("select received_online from raw.public_services "
                             "where _row_number = 6").fetchone()[0]
    assert batches == {second.batch_id}
    assert value == 999
    assert count(warehouse_url, "raw.public_services") == 14
    statuses = {b["batch_id"]: b["status"] for b in ledger(warehouse_url)}
    assert statuses == {first.batch_id: "superseded", second.batch_id: "loaded"}
    assert_ledger_invariant(warehouse_url)


def test_cli_ingest_exits_non_zero_on_a_rejected_file(warehouse_url, sample_exports, capsys):
    bad = edit_lines(sample_exports[1], lambda i, line: None if i == 3 else line)
    assert dti(["ingest", SOURCE, str(sample_exports[0]), str(bad)]) == 1
    captured = capsys.readouterr()
    assert "loaded 14" in captured.out
    assert f"REJECTED {bad.name}" in captured.err


def test_xlsx_with_two_row_merged_header_loads_like_the_csv(warehouse_url, tmp_path,
                                                            sample_exports):
    from dti.samples.generate import write_public_service_xlsx

    month = default_months()[0]
    xlsx = tmp_path / "dvc_2025-03.xlsx"
    write_public_service_xlsx(xlsx, public_service_months(7, default_months())[month], month)
    cols = ("agency_code, agency_name, period_month, received_online, received_full_online, "
            "received_in_person, received_postal, resolved_early, resolved_on_time, "
            "resolved_late, in_progress_within_deadline, in_progress_overdue")
    ingest_file(SOURCE, sample_exports[0])
    from_csv = rows(warehouse_url, f"select {cols} from raw.public_services order by 1")
    result = ingest_file(SOURCE, xlsx)  # same partition: replaces the CSV's rows
    assert (result.status, result.rows_loaded, result.rows_quarantined) == ("loaded", 14, 0)
    assert rows(warehouse_url, f"select {cols} from raw.public_services order by 1") == from_csv


def _report_for(tmp_path, month, code, name):
    from dti.samples.generate import AgencyMonth, write_public_service_report

    row = AgencyMonth(code, name, month, 10, 5, 3, 1, 4, 5, 1, 2, 0)
    path = tmp_path / f"r_{month:%Y%m}_{code}.csv"
    write_public_service_report(path, [row], month)
    return path


def test_registry_checks_codes_for_the_period_reported(warehouse_url, tmp_path, monkeypatch):
    from datetime import date

    # Reports of one agency each: one failing row is the whole file, which
    # quarantine_share would refuse, and each report of August replaces the last,
    # which agencies_kept and rows_kept would refuse; here the row's rule is checked.
    monkeypatch.setenv("DTI_LIMIT_QUARANTINE_SHARE", "1")
    monkeypatch.setenv("DTI_LIMIT_REPLACED_AGENCIES_LEFT_OUT", "1")
    monkeypatch.setenv("DTI_LIMIT_REPLACED_ROWS_KEPT", "0")

    ict, ha_long = "000.00.20.H49", "000.00.31.H49"
    # A department merged in March 2025 still reports under its old code: kept in raw,
    # dbt resolves it to its successor. A district after July 2025 has no successor.
    ok = ingest_file(SOURCE, _report_for(tmp_path, date(2025, 8, 1), ict, "Sở TT&TT"))
    assert ok.rows_loaded == 1
    before = ingest_file(SOURCE, _report_for(tmp_path, date(2025, 6, 1), ha_long, "TP Hạ Long"))
    assert before.rows_loaded == 1
    after = ingest_file(SOURCE, _report_for(tmp_path, date(2025, 8, 1), ha_long, "TP Hạ Long"))
    assert (after.rows_loaded, after.rows_quarantined) == (0, 1)
    (bad,) = rows(warehouse_url, "select failures from quarantine.public_services")
    assert bad["failures"][0]["rule"] == "agency_in_registry"


def test_export_naming_agencies_without_codes_gets_them_from_the_registry(
    warehouse_url, sample_exports
):
    # Drop the code column (header and cells): names alone, with and without diacritics.
    def drop_code(i, line):
        cells = line.split(",")
        if i >= 5 and len(cells) > 2:
            if i == 8:  # Sở Tài chính, written without diacritics
                cells[2] = "So Tai chinh"
            return ",".join(cells[:1] + cells[2:])
        return line

    path = edit_lines(sample_exports[0], drop_code)
    result = ingest_file(SOURCE, path)
    assert (result.rows_loaded, result.rows_quarantined) == (14, 0)
    codes = {r["agency_name"]: r["agency_code"] for r in rows(
        warehouse_url, "select agency_name, agency_code from raw.public_services")}
    assert codes["So Tai chinh"] == "000.00.03.H49"
    assert codes["Sở Tư pháp"] == "000.00.04.H49"


def test_a_load_failing_mid_way_leaves_nothing_in_raw(warehouse_url, sample_exports,
                                                      monkeypatch):
    import ingestion.load as load

    def broken_close(conn, result):
        raise RuntimeError("disk full")  # after raw rows were inserted, same transaction

    with monkeypatch.context() as m:
        m.setattr(load.ledger, "close_batch", broken_close)
        with pytest.raises(RuntimeError, match="disk full"):
            ingest_file(SOURCE, sample_exports[0])
    assert count(warehouse_url, "raw.public_services") == 0
    assert count(warehouse_url, "quarantine.public_services") == 0
    # The file can then be loaded: a failed attempt is not a load of the file.
    assert ingest_file(SOURCE, sample_exports[0]).status == "loaded"


def test_a_killed_load_is_reaped_by_the_next_one(warehouse_url, sample_exports):
    import psycopg

    from ingestion import ledger as ledger_mod

    # A loader that dies after opening its batch and landing: its session ends.
    with psycopg.connect(warehouse_url, autocommit=True) as dying:
        dead = ledger_mod.open_batch(dying, SOURCE, "x.csv", "0" * 64, 1)
        dying.execute(f"create table landing.public_services_b{dead} (x int)")
    ingest_file(SOURCE, sample_exports[0])
    statuses = {b["batch_id"]: (b["status"], b["error"]) for b in ledger(warehouse_url)}
    assert statuses[dead] == ("failed", "interrupted: the loading process died")
    assert count(warehouse_url, "pg_tables where schemaname = 'landing'") == 0


def test_two_loads_of_one_partition_at_once_leave_one_version(warehouse_url, sample_exports,
                                                               tmp_path):
    import shutil
    from concurrent.futures import ThreadPoolExecutor

    first = sample_exports[0]
    second = shutil.copy(first, tmp_path / "redelivered.csv")
    edit_lines(Path(second), lambda i, line: set_cell(line, 3, "777") if i == 6 else line)
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda p: ingest_file(SOURCE, p), [first, second]))
    assert {r.status for r in results} == {"loaded"}
    assert count(warehouse_url, "raw.public_services") == 14
    statuses = sorted(b["status"] for b in ledger(warehouse_url))
    assert statuses == ["loaded", "superseded"]
    assert_ledger_invariant(warehouse_url)


def test_a_file_far_smaller_than_usual_loads_with_a_warning(warehouse_url, sample_exports):
    ingest_file(SOURCE, sample_exports[0])  # 14 agencies: the usual size
    small = edit_lines(sample_exports[1], lambda i, line: None if 9 <= i <= 19 else line)
    result = ingest_file(SOURCE, small)
    assert (result.status, result.rows_loaded) == ("loaded", 3)
    assert "warning: rule row_count_in_band failed (observed 3)" in result.error


def test_cli_ingest_on_a_warehouse_behind_the_checkout_is_one_line(
        warehouse_url, sample_exports, monkeypatch, capsys):
    # As after `git pull` without `dti migrate`: the newest migration is not applied.
    with psycopg.connect(warehouse_url, autocommit=True) as conn:
        (newest,) = conn.execute("select max(version) from meta.schema_migrations").fetchone()
        conn.execute("delete from meta.schema_migrations where version = %s", (newest,))
    assert dti(["ingest", "public_services", str(sample_exports[0])]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: the warehouse lacks migrations {newest:04d}_")
    assert "run `dti migrate` first (no file was touched)" in err
    assert rows(warehouse_url, "select count(*) as n from meta.batches")[0]["n"] == 0


def test_verbose_logs_carry_no_great_expectations_chatter():
    """`dti -v` logs at INFO: GX's import announces ~30 functions it skips documenting
    at INFO, before any context exists; none of it reaches the user."""
    import subprocess
    import sys

    code = ("import logging, sys; logging.basicConfig(level=logging.INFO, stream=sys.stderr);"
            "from ingestion.validation import prepare; prepare();"
            "logging.getLogger('ingestion.load').info('the project line')")
    err = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stderr
    assert "the project line" in err
    assert "great_expectations" not in err, err[:500]
