"""Hostile exports end in one clean line or in quarantine, never in a traceback,
a lost line or a doubled row (the corpus is tests/hostile.py, built at run time)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from dti.cli.main import main
from dti.dbt_project import run_dbt
from ingestion.load import BatchRejected, ingest_file
from tests import hostile
from tests.integration.helpers import rows

RAW_TABLES = ("public_services", "document_events", "security_alerts", "self_assessments")


def raw_counts(url: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        return {t: conn.execute(f"select count(*) from raw.{t}").fetchone()[0]
                for t in RAW_TABLES}


def last_batch(url: str) -> dict:
    return rows(url, "select * from meta.batches order by batch_id desc limit 1")[0]


def assert_balanced(batch: dict) -> None:
    assert batch["rows_read"] == (batch["rows_loaded"] + batch["rows_quarantined"]
                                  + batch["rows_excluded"])
    if batch["lines_read"] is not None:
        assert batch["lines_read"] == (batch["lines_loaded"] + batch["lines_quarantined"]
                                       + batch["lines_excluded"])


def ingest_cli(capsys, source: str, path: Path) -> tuple[int, list[str], list[str]]:
    status = main(["ingest", source, str(path)])
    out, err = capsys.readouterr()
    return status, out.splitlines(), err.splitlines()


@pytest.mark.parametrize("case", hostile.CASES, ids=[c.name for c in hostile.CASES])
def test_hostile_export_gets_one_line_or_quarantine(warehouse_url, tmp_path, capsys, case):
    path = case.build(tmp_path)
    before = raw_counts(warehouse_url)
    status, out, err = ingest_cli(capsys, case.source, path)
    assert not any("Traceback" in line for line in out + err)
    batch = last_batch(warehouse_url)
    if case.outcome == "rejected":
        assert status == 1
        assert out == [] and len(err) == 1, err
        assert err[0].startswith("REJECTED ") and f"(rule: {case.rule})" in err[0], err
        assert batch["status"] == "rejected" and f"rule: {case.rule}" in batch["error"]
        assert raw_counts(warehouse_url) == before
        assert path.exists() == (case.name != "missing_file")  # the file is kept
    else:
        assert status == 0 and err == [] and len(out) == 1, (out, err)
        assert batch["status"] == "loaded"
        assert_balanced(batch)
        assert batch["rows_quarantined"] >= 1
        table = _raw_table(case.source)
        failures = rows(warehouse_url, f"select failures from quarantine.{table} "
                        "where _batch_id = %s", (batch["batch_id"],))
        assert case.rule in {f["rule"] for r in failures for f in r["failures"]}


def _raw_table(source: str) -> str:
    return {"public_services": "public_services", "document_logs": "document_events",
            "soc_alerts": "security_alerts"}[source]


def test_unterminated_quote_quarantines_exactly_its_line(warehouse_url, tmp_path, capsys):
    path = hostile.unterminated_quote(tmp_path)
    status, _, _ = ingest_cli(capsys, "public_services", path)
    batch = last_batch(warehouse_url)
    agencies = len(hostile.agency_rows())
    assert status == 0
    assert (batch["rows_loaded"], batch["rows_quarantined"]) == (agencies - 1, 1)
    assert batch["lines_quarantined"] == 1
    (bad,) = rows(warehouse_url, "select _row_number, failures from quarantine.public_services")
    lines = path.read_bytes().decode("utf-8-sig").split("\r\n")
    assert '"' in lines[bad["_row_number"] - 1]  # the line with the quote, by its number
    (readable,) = [f for f in bad["failures"] if f["rule"] == "record_readable"]
    assert "quote_closed" in readable["value"]


def test_a_file_name_cannot_forge_an_output_line(warehouse_url, tmp_path, capsys):
    path = hostile.newline_in_name(tmp_path)
    _, _, err = ingest_cli(capsys, "public_services", path)
    assert len(err) == 1 and err[0].count("REJECTED") == 2  # the forged one is escaped
    assert "\\nREJECTED forged.csv" in err[0]


@pytest.mark.parametrize("build", [hostile.stray_future_event, hostile.other_province_row],
                         ids=["stray_future_event", "other_province_row"])
def test_a_stray_row_cannot_move_the_partition(warehouse_url, tmp_path, build):
    """The clean file, then the same month with one stray row: the second replaces the
    first exactly; the stray row sits in quarantine, nothing is doubled."""
    source = "document_logs" if build is hostile.stray_future_event else "public_services"
    (tmp_path / "clean").mkdir()
    (tmp_path / "stray").mkdir()
    clean = (hostile.document_log if source == "document_logs" else hostile.report)(
        tmp_path / "clean")
    first = ingest_file(source, clean)
    stray = ingest_file(source, build(tmp_path / "stray"))
    assert (stray.agency_code, stray.period) == (first.agency_code, first.period) \
        == ("000.00.00.H49", "2025-04")
    assert stray.rows_quarantined == 1
    loaded = rows(warehouse_url, "select batch_id from meta.batches where status = 'loaded'")
    assert loaded == [{"batch_id": stray.batch_id}]
    assert raw_counts(warehouse_url)[_raw_table(source)] == stray.rows_loaded


@pytest.mark.dbt
def test_every_hostile_file_then_dbt_build_passes(warehouse_url, tmp_path, capsys):
    """After every case has been offered (and a clean month loaded), the ledger
    balances and the next `dti transform` passes: nothing doubled reached staging."""
    for case in hostile.CASES:
        folder = tmp_path / case.name
        folder.mkdir()
        ingest_cli(capsys, case.source, case.build(folder))
    for batch in rows(warehouse_url, "select * from meta.batches where status = 'loaded'"):
        assert_balanced(batch)
    doubled = rows(warehouse_url, "select source, stream, agency_code, period from meta.batches "
                   "where status = 'loaded' group by 1, 2, 3, 4 having count(*) > 1")
    assert doubled == []
    assert run_dbt(["build", "--quiet"], warehouse_url, check=False) == 0


@pytest.mark.parametrize("build, source", [(hostile.xlsx_bomb, "public_services"),
                                           (hostile.line_bomb, "document_logs")],
                         ids=["xlsx_bomb", "line_bomb"])
def test_bombs_are_refused_before_they_cost_memory(warehouse_url, tmp_path, build, source):
    path = build(tmp_path)
    code = (
        "import sys\n"
        "from dti.cli.main import main\n"
        "status = main(['ingest', sys.argv[1], sys.argv[2]])\n"
        # VmHWM is this process's own peak: ru_maxrss would carry the forking test
        # process's size across exec.
        "peak = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0]\n"
        "print(peak.split()[1], file=sys.stderr)\n"
        "sys.exit(status)\n")
    proc = subprocess.run([sys.executable, "-c", code, source, str(path)],
                          env={**os.environ, "DTI_WAREHOUSE_URL": warehouse_url},
                          capture_output=True, text=True)
    *lines, peak_kb = proc.stderr.strip().splitlines()
    assert proc.returncode == 1, proc.stderr
    assert len([line for line in lines if line.startswith("REJECTED ")]) == 1, lines
    assert int(peak_kb) / 1024 < 400, f"peak RSS {int(peak_kb) / 1024:.0f} MB"


def test_unreadable_file_is_rejected_in_one_line(warehouse_url, tmp_path):
    path = hostile.report(tmp_path)
    path.chmod(0)
    # Root reads anything: drop the capabilities that let it, as a plain user has none.
    prefix = (["setpriv", "--bounding-set", "-dac_override,-dac_read_search"]
              if os.geteuid() == 0 else [])
    proc = subprocess.run([*prefix, sys.executable, "-m", "dti.cli.main", "ingest",
                           "public_services", str(path)],
                          env={**os.environ, "DTI_WAREHOUSE_URL": warehouse_url},
                          capture_output=True, text=True)
    assert proc.returncode == 1 and proc.stdout == ""
    assert proc.stderr.strip().splitlines() == [
        f"REJECTED {path.name}: the file cannot be read (permission denied) "
        "(rule: file_readable)"]
    assert last_batch(warehouse_url)["status"] == "rejected"


def test_warehouse_lost_mid_load_is_one_line_and_the_next_load_recovers(
        warehouse_url, tmp_path, pg_admin_url):
    """The server ends the loading session halfway through its COPY: one FAILED line,
    exit 1, no traceback; the next load marks the batch failed and loads the file."""
    path = hostile.document_log(tmp_path, per_agency=3000)  # ~40k events: a COPY of ~1 s
    proc = subprocess.Popen([sys.executable, "-m", "dti.cli.main", "ingest", "document_logs",
                             str(path)], env={**os.environ, "DTI_WAREHOUSE_URL": warehouse_url},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    database = warehouse_url.rsplit("/", 1)[1]
    with psycopg.connect(pg_admin_url, autocommit=True) as admin:
        for _ in range(600):
            killed = admin.execute(
                "select pg_terminate_backend(pid) from pg_stat_activity where datname = %s "
                "and query ilike 'copy%%'", (database,)).fetchall()
            if killed or proc.poll() is not None:
                break
            time.sleep(0.05)
    _, err = proc.communicate(timeout=300)
    assert killed, "the load finished before its COPY could be interrupted"
    assert proc.returncode == 1 and "Traceback" not in err
    (line,) = err.strip().splitlines()
    assert line.startswith("FAILED ") and "(rule: warehouse_available)" in line
    result = ingest_file("document_logs", path)
    assert result.status == "loaded"
    statuses = [b["status"] for b in rows(warehouse_url,
                                          "select status from meta.batches order by batch_id")]
    assert statuses == ["failed", "loaded"]


def test_every_failing_row_is_quarantined_however_many_fail(warehouse_url, tmp_path):
    """GX's results list 20 failing rows of a column rule and 200 keys of a uniqueness
    rule. 300 events exported twice and 60 unknown channels: every one of them
    quarantined, none loaded (before, 200 doubled rows and 40 bad channels loaded).
    The log is long enough that they stay under quarantine_share."""
    path = hostile.edit(hostile.document_log(tmp_path, per_agency=120), lambda lines: [
        *lines[:-1],
        *lines[1:301],  # the first 300 events again
        lines[-1],
    ])
    hostile.edit(path, lambda lines: [
        lines[0], *(hostile._cell(line, 3, "Fax") for line in lines[400:460]),
        *lines[1:400], *lines[460:]])
    result = ingest_file("document_logs", path)
    batch = last_batch(warehouse_url)
    assert_balanced(batch)
    with psycopg.connect(warehouse_url) as conn:
        doubled = conn.execute(
            "select count(*) from (select 1 from raw.document_events group by document_id, "
            "agency_code, direction having count(*) > 1) as d").fetchone()[0]
        fax = conn.execute("select count(*) from raw.document_events "
                           "where channel = 'Fax'").fetchone()[0]
        rules = dict(conn.execute(
            "select f ->> 'rule', count(distinct _row_number) from quarantine.document_events, "
            "jsonb_array_elements(failures) as f group by 1").fetchall())
    assert (doubled, fax) == (0, 0)
    assert rules["enum_value"] == 60
    assert rules["natural_key_unique"] >= 2 * 290  # both copies; a few are state secrets
    assert result.rows_quarantined == batch["rows_quarantined"] >= 60 + 2 * 290


def _channels_unknown(path: Path, share: float) -> Path:
    """The log with the channel of its first ``share`` of records made unknown."""
    def change(lines: list[str]) -> list[str]:
        bad = int((len(lines) - 2) * share)
        return [lines[0], *(hostile._cell(line, 3, "Fax") for line in lines[1:1 + bad]),
                *lines[1 + bad:]]
    return hostile.edit(path, change)


def test_a_re_export_mostly_failing_is_refused_and_the_month_stays(warehouse_url, tmp_path,
                                                                   capsys):
    """A month loaded, then a re-export of it whose every channel is unknown (a changed
    export format): loaded, it would have replaced the month's rows with none. It is
    refused in one line naming the share, the rule and the first failing line, and the
    month's load stays whole."""
    (tmp_path / "good").mkdir()
    (tmp_path / "broken").mkdir()
    good = ingest_file("document_logs", hostile.document_log(tmp_path / "good"))
    broken = _channels_unknown(hostile.document_log(tmp_path / "broken"), 1.0)
    status, out, err = ingest_cli(capsys, "document_logs", broken)
    assert (status, out, len(err)) == (1, [], 1), err
    assert err[0].startswith("REJECTED qlvb_2025-04.csv: ")
    assert "rows fail row rules (100%: enum_value x" in err[0]
    assert "the first, line 2: column channel: rule enum_value, value 'Fax'" in err[0]
    assert err[0].endswith("(rule: quarantine_share)")
    assert rows(warehouse_url, "select batch_id, status from meta.batches order by 1") == [
        {"batch_id": good.batch_id, "status": "loaded"},
        {"batch_id": last_batch(warehouse_url)["batch_id"], "status": "rejected"}]
    assert raw_counts(warehouse_url)["document_events"] == good.rows_loaded > 500
    assert rows(warehouse_url, "select count(*) as n from quarantine.document_events") == [
        {"n": 0}]


def test_quarantine_share_is_a_limit(warehouse_url, tmp_path, monkeypatch):
    """A tenth of the records failing loads the rest by default; with the limit set
    below a tenth (DTI_LIMIT_QUARANTINE_SHARE), the same file is refused."""
    path = _channels_unknown(hostile.document_log(tmp_path), 0.1)
    loaded = ingest_file("document_logs", path)
    assert loaded.status == "loaded" and loaded.rows_quarantined >= 50
    share = loaded.rows_quarantined / (loaded.rows_read - loaded.rows_excluded)
    monkeypatch.setenv("DTI_LIMIT_QUARANTINE_SHARE", str(share - 0.01))
    hostile.edit(path, lambda lines: [*lines, ""])  # another file, the same records
    with pytest.raises(BatchRejected) as refused:
        ingest_file("document_logs", path)
    assert [f.rule for f in refused.value.failures] == ["quarantine_share"]
    monkeypatch.setenv("DTI_LIMIT_QUARANTINE_SHARE", str(share))  # at the limit: loads
    hostile.edit(path, lambda lines: [*lines, ""])
    assert ingest_file("document_logs", path).rows_quarantined == loaded.rows_quarantined


def test_a_partial_re_export_cannot_remove_the_agencies_it_leaves_out(warehouse_url,
                                                                     tmp_path, capsys,
                                                                     monkeypatch):
    """The month's report, then a report of the same month naming two of its agencies
    (one department's export): refused, naming the agencies it leaves out, and the
    month's load stays whole. Allowed by the limit, it replaces the month."""
    (tmp_path / "whole").mkdir()
    (tmp_path / "part").mkdir()
    whole = ingest_file("public_services", hostile.report(tmp_path / "whole"))
    part = hostile.edit(hostile.report(tmp_path / "part"), lambda lines: (
        lines[:hostile.header_index(lines) + 3]))
    status, out, err = ingest_cli(capsys, "public_services", part)
    assert (status, out, len(err)) == (1, [], 1), err
    assert f"would replace batch {whole.batch_id} for 000.00.00.H49 2025-04 but leaves " \
        "out 12 of the 14 agencies it loaded (000.00.03.H49, " in err[0]
    # Both rules it breaks, each with the limit that lets it through, in one line.
    assert "anyway) (rule: agencies_kept); " in err[0]
    assert "with 2 rows where that load has 14 (14%" in err[0]
    assert err[0].endswith("(rule: rows_kept)")
    assert rows(warehouse_url, "select status from meta.batches order by batch_id") == [
        {"status": "loaded"}, {"status": "rejected"}]
    assert raw_counts(warehouse_url)["public_services"] == 14

    monkeypatch.setenv("DTI_LIMIT_REPLACED_AGENCIES_LEFT_OUT", "1")
    with pytest.raises(BatchRejected) as shrinking:  # 2 rows of 14: the rows' guard
        ingest_file("public_services", part)
    assert [f.rule for f in shrinking.value.failures] == ["rows_kept"]
    monkeypatch.setenv("DTI_LIMIT_REPLACED_ROWS_KEPT", "0")
    assert ingest_file("public_services", part).rows_loaded == 2
    assert raw_counts(warehouse_url)["public_services"] == 2


def test_a_cut_off_re_export_cannot_shrink_the_month(warehouse_url, tmp_path, capsys,
                                                     monkeypatch):
    """The month's log, then the same month's log with a fifth of its events, every
    agency still in it (an export cut at a page limit, a source that purged old
    records): refused, the month's load staying whole. Allowed by the limit, it
    replaces the month."""
    (tmp_path / "whole").mkdir()
    (tmp_path / "cut").mkdir()
    whole = ingest_file("document_logs", hostile.document_log(tmp_path / "whole"))
    cut = hostile.edit(hostile.document_log(tmp_path / "cut"), lambda lines: [
        line for i, line in enumerate(lines) if i == 0 or i % 5 == 1 or not line])
    status, out, err = ingest_cli(capsys, "document_logs", cut)
    assert (status, out, len(err)) == (1, [], 1), err
    assert f"would replace batch {whole.batch_id} for 000.00.00.H49 2025-04 with " in err[0]
    assert f" rows where that load has {whole.rows_loaded} (" in err[0]
    assert err[0].endswith("(rule: rows_kept)")
    assert raw_counts(warehouse_url)["document_events"] == whole.rows_loaded

    monkeypatch.setenv("DTI_LIMIT_REPLACED_ROWS_KEPT", "0")
    smaller = ingest_file("document_logs", cut)
    assert 0 < smaller.rows_loaded < whole.rows_loaded / 4
    assert raw_counts(warehouse_url)["document_events"] == smaller.rows_loaded


def test_a_rule_naming_fewer_rows_than_failed_refuses_the_file(warehouse_url):
    """Should a result ever name fewer rows than it counts, the file is refused rather
    than the rows it did not name loaded."""
    from ingestion.validation import _sort_failures

    with psycopg.connect(warehouse_url, autocommit=True) as conn:
        conn.execute("create table landing.few (_row_number integer, channel text)")
        conn.execute("insert into landing.few values (1, 'Fax'), (2, 'Giấy')")
    result = {"expectation_config": {
        "type": "expect_column_values_to_be_in_set",
        "kwargs": {"column": "channel", "value_set": ["Giấy"]},
        "meta": {"rule": "enum_value"}},
        "success": False,
        "result": {"unexpected_count": 5, "unexpected_index_query":
                   "SELECT _row_number, channel FROM landing.few "
                   "WHERE channel NOT IN ('Giấy');"}}
    outcome = _sort_failures(warehouse_url, "landing", "few", "document_logs",
                             {"results": [result]})
    assert (outcome.failing_rows, outcome.rule_counts, outcome.first_failures) == (0, {}, {})
    (failure,) = outcome.table_failures
    assert (failure.rule, failure.value) == ("enum_value", "5 rows failed, 1 could be named")
