"""`dti generate`: every layout it writes loads, and every injected defect is
quarantined under the rule that catches it, nothing else and nothing lost."""

from datetime import date

from dti.samples.generate import generate
from ingestion.load import ingest_file
from ingestion.sources import get_source
from tests.integration.helpers import assert_ledger_invariant, rows

MAY = date(2025, 5, 1)
# The rule each injected defect breaks.
DEFECT_RULES = {
    "public_services": {"count_non_negative_integer"},
    "document_logs": {"agency_in_registry"},
    "soc_alerts": {"asset_mapped_to_agency"},
    "self_assessment": {"evidence_is_link"},
}


def _month(n: int) -> date:
    return date(2025, n, 1)


def test_generated_exports_load_with_each_defect_quarantined(warehouse_url, tmp_path):
    # Five months give every public-service layout; two give both document-log formats
    # and every SOC format. Each source's files come from one call, so its defect
    # count is the one to find in quarantine.
    five = generate(tmp_path / "five", seed=5, scale=2, defect_rate=0.05,
                    months=[_month(n) for n in range(3, 8)])
    two = generate(tmp_path / "two", seed=5, scale=2, defect_rate=0.05,
                   months=[_month(6), _month(7)])
    layouts = {"public_services": five, "self_assessment": five,
               "document_logs": two, "soc_alerts": two}
    assert {p.suffix for p in five.files["public_services"]} == {".csv", ".xlsx"}
    assert {p.suffix for p in two.files["document_logs"]} == {".csv", ".jsonl"}
    assert {p.name.rsplit("_", 1)[0] for p in two.files["soc_alerts"]} == {
        "suricata_eve", "wazuh_alerts", "soc_portal"}
    for source, exports in layouts.items():
        assert exports.defects[source] > 0, (source, exports.defects)
        paths = exports.files[source]
        results = [ingest_file(source, p) for p in paths]
        assert {r.status for r in results} == {"loaded"}, source
        table = get_source(source).config.raw_table.split(".")[-1]
        quarantined = rows(warehouse_url, f"select _batch_id, _row_number, f ->> 'rule' as rule "
                                          f"from quarantine.{table}, "
                                          f"jsonb_array_elements(failures) as f")
        assert {q["rule"] for q in quarantined} == DEFECT_RULES[source]
        # One quarantined record per defect: no clean record is caught, none slips by.
        assert len({(q["_batch_id"], q["_row_number"]) for q in quarantined}) \
            == exports.defects[source] == sum(r.rows_quarantined for r in results)
        assert_ledger_invariant(warehouse_url, table)


def test_scale_multiplies_event_volumes_and_is_deterministic(tmp_path):
    one = generate(tmp_path / "s1", seed=9, months=[MAY])
    ten = generate(tmp_path / "s10", seed=9, months=[MAY], scale=10)
    again = generate(tmp_path / "again", seed=9, months=[MAY], scale=10)

    def lines(exports, source):
        return sum(len(p.read_bytes().splitlines()) for p in exports.files[source])

    # A single month is written as JSON Lines: 40 x scale events per department.
    assert lines(one, "document_logs") == 40 * 14
    assert lines(ten, "document_logs") == 10 * lines(one, "document_logs")
    assert [p.read_bytes() for p in ten.files["soc_alerts"]] == \
        [p.read_bytes() for p in again.files["soc_alerts"]]


def test_every_layout_is_the_same_file_when_written_again(tmp_path):
    """A re-run of the demo must find its exports unchanged (skipped by the ledger), the
    XLSX report too, whose writer stamps the time of saving."""
    import time

    months = [_month(n) for n in range(3, 8)]  # every public-service layout
    first = generate(tmp_path / "first", seed=4, months=months)
    time.sleep(1.1)  # a zip entry's time has two-second steps; the core properties seconds
    second = generate(tmp_path / "second", seed=4, months=months)
    assert {p.suffix for p in first.files["public_services"]} == {".csv", ".xlsx"}
    for source, paths in first.files.items():
        assert [p.read_bytes() for p in paths] == \
            [p.read_bytes() for p in second.files[source]], source
