"""SOC alerts from Suricata EVE, Wazuh and the SOC portal, in one schema."""

from datetime import date

from dti.samples.alerts import write_portal_csv, write_suricata_eve, write_wazuh_alerts
from ingestion.load import ingest_file
from tests.integration.helpers import assert_ledger_invariant, edit_lines, rows

SOURCE = "soc_alerts"
MONTH = date(2025, 5, 1)


def test_suricata_eve_alerts_load_other_events_excluded(warehouse_url, tmp_path):
    path = tmp_path / "eve.json"
    alerts = write_suricata_eve(path, 1, MONTH, count=25).alerts
    flows = sum(1 for line in path.read_text().splitlines() if '"event_type": "flow"' in line)
    result = ingest_file(SOURCE, path)
    assert (result.rows_loaded, result.rows_excluded) == (alerts, flows)
    assert result.stream == "suricata"
    loaded = rows(warehouse_url, "select * from raw.security_alerts")
    sev = {(r["severity_raw"], r["severity"]) for r in loaded}
    assert sev <= {("1", "high"), ("2", "medium"), ("3", "low")}
    # Agencies come from the asset map: 10.49.N.x belongs to department N.
    for r in loaded:
        assert r["agency_code"] == f"000.00.{int(str(r['dest_ip']).split('.')[2]):02d}.H49"
        assert r["status"] == "open" and r["alert_id"].startswith("suricata-")
    # The derived id is stable: the same file again is skipped, a copy is the same rows.
    copy = tmp_path / "eve_copy.json"
    copy.write_bytes(path.read_bytes() + b"\n")
    ingest_file(SOURCE, copy)
    assert {r["alert_id"] for r in rows(warehouse_url, "select alert_id from raw.security_alerts")
            } == {r["alert_id"] for r in loaded}
    assert_ledger_invariant(warehouse_url, "security_alerts")


def test_wazuh_levels_map_to_four_bands_and_hosts_to_agencies(warehouse_url, tmp_path):
    path = tmp_path / "alerts.json"
    write_wazuh_alerts(path, 2, MONTH, count=40)
    ingest_file(SOURCE, path)
    loaded = rows(warehouse_url, "select * from raw.security_alerts")
    bands = {int(r["severity_raw"]): r["severity"] for r in loaded}
    assert bands == {level: ("medium" if 5 <= level <= 7 else "high" if level <= 11
                             else "critical") for level in bands}
    hosted = [r for r in loaded if r["asset"].endswith(".stp.quangninh.gov.vn")]
    assert hosted and all(r["agency_code"] == "000.00.04.H49" for r in hosted)


def test_portal_csv_vietnamese_levels_and_statuses(warehouse_url, tmp_path):
    path = tmp_path / "portal.csv"
    write_portal_csv(path, 3, MONTH, count=30)
    result = ingest_file(SOURCE, path)
    assert result.rows_loaded == 30
    loaded = rows(warehouse_url, "select * from raw.security_alerts")
    pairs = {(r["severity_raw"], r["severity"]) for r in loaded}
    assert pairs <= {("Thấp", "low"), ("Trung bình", "medium"), ("Cao", "high"),
                     ("Nghiêm trọng", "critical")}
    assert {r["status"] for r in loaded} <= {"open", "acknowledged", "resolved",
                                             "false_positive"}
    assert all(r["resolved_at"] is None or r["resolved_at"] >= r["detected_at"] for r in loaded)


def test_alert_on_an_unknown_asset_is_quarantined(warehouse_url, tmp_path):
    path = tmp_path / "eve.json"
    write_suricata_eve(path, 4, MONTH, count=5)
    edit_lines(path, lambda i, line: line.replace('"dest_ip": "10.49.', '"dest_ip": "172.31.')
               if i == 1 else line, encoding="utf-8")
    result = ingest_file(SOURCE, path)
    (bad,) = rows(warehouse_url, "select failures from quarantine.security_alerts")
    assert [f["rule"] for f in bad["failures"]] == ["asset_mapped_to_agency"]
    assert result.rows_quarantined == 1
    assert_ledger_invariant(warehouse_url, "security_alerts")


def test_three_systems_for_one_month_are_three_partitions(warehouse_url, tmp_path):
    for name, writer in (("eve.json", write_suricata_eve), ("wazuh.json", write_wazuh_alerts),
                         ("portal.csv", write_portal_csv)):
        writer(tmp_path / name, 5, MONTH)
        ingest_file(SOURCE, tmp_path / name)
    batches = rows(warehouse_url, "select stream, status, period from meta.batches")
    assert {(b["stream"], b["status"], b["period"]) for b in batches} == {
        ("suricata", "loaded", "2025-05"), ("wazuh", "loaded", "2025-05"),
        ("soc_portal", "loaded", "2025-05")}
    systems = rows(warehouse_url, "select source_system, count(*) from raw.security_alerts "
                                  "group by 1")
    assert {s["source_system"] for s in systems} == {"suricata", "wazuh", "soc_portal"}
