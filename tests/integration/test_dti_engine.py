"""The DTI engine on loaded sample data: component points recomputed by hand from the
generated exports, self-assessments, the audit trail back to files, reproducible
sensitivity draws, and `dti score` output."""

from __future__ import annotations

import csv
import os
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from dti.cli.main import main as dti
from dti.dbt_project import run_dbt
from dti.samples.generate import default_months, public_service_months
from tests.conftest import clone_database, drop_database
from tests.integration.helpers import rows

pytestmark = pytest.mark.dbt

YEAR = 2025
JUSTICE = "000.00.04.H49"  # Sở Tư pháp


@pytest.fixture(scope="module")
def scored(pg_admin_url, built_template, sample_set):
    """A copy of the session's warehouse with the sample set loaded and built."""
    name = f"dti_engine_{os.getpid()}"
    url = clone_database(pg_admin_url, built_template, name)
    before = os.environ.get("DTI_WAREHOUSE_URL")
    os.environ["DTI_WAREHOUSE_URL"] = url
    yield url, sample_set
    if before is None:
        os.environ.pop("DTI_WAREHOUSE_URL", None)
    else:
        os.environ["DTI_WAREHOUSE_URL"] = before
    drop_database(pg_admin_url, name)


def component(url: str, code: str, unit: str, mode: str = "official") -> dict:
    (row,) = rows(url, "select * from marts.dti_component_scores where component_code = %s "
                       "and unit_id = %s and scoring_mode = %s", (code, unit, mode))
    return row


def test_automatic_component_points_match_a_hand_computation(scored):
    url, _ = scored
    months = public_service_months(7, default_months())
    mine = [r for m in months.values() for r in m if r.agency_code == JUSTICE]
    in_time = sum(r.resolved_early + r.resolved_on_time + r.in_progress_within_deadline
                  for r in mine)
    due = sum(r.resolved_early + r.resolved_on_time + r.resolved_late
              + r.in_progress_within_deadline + r.in_progress_overdue for r in mine)
    on_time = component(url, "qn_dvc_on_time", JUSTICE)
    assert (on_time["numerator"], on_time["denominator"]) == (in_time, due)
    expected = (Decimal(10) * Decimal(in_time) / Decimal(due)).quantize(Decimal("0.0001"))
    assert on_time["points"] == expected and on_time["score_status"] == "scored"
    online = sum(r.received_online for r in mine)
    received = sum(r.received_online + r.received_in_person + r.received_postal for r in mine)
    submission = component(url, "qn_dvc_online_submission", JUSTICE)
    # ratio_target: 10 x min(1, share / 0.5)
    target = min(Decimal(1), Decimal(online) / Decimal(received) / Decimal("0.5"))
    assert submission["points"] == (10 * target).quantize(Decimal("0.0001"))


def test_self_assessed_components_use_the_final_points_and_missing_evidence_counts(scored):
    url, files = scored
    with open(files["self_assessment"][0], encoding="utf-8-sig") as fh:
        sheet = list(csv.reader(fh))[4:]
    by_key = {(r[1], r[4]): r for r in sheet}
    skills = component(url, "qn_nhan_luc", JUSTICE)
    final = Decimal(by_key[(JUSTICE, "qn_nhan_luc")][7].replace(",", "."))
    assert skills["points"] == final and skills["measurement"] == "self_assessed"
    layer = component(url, "qn_attt_four_layer", JUSTICE)
    said_yes = by_key[(JUSTICE, "qn_attt_four_layer")][8] == "1"
    assert layer["points"] == (Decimal(10) if said_yes else 0)
    # The province's DTI: points are the sum of its components, value = points / 1000.
    (province,) = rows(url, "select * from marts.dti_scores where methodology_id = 'DTI-PENDING' "
                            "and scoring_mode = 'official' and unit_level = 'province'")
    (points,) = rows(url, "select sum(points) as s from marts.dti_component_scores where "
                          "methodology_id = 'DTI-PENDING' and scoring_mode = 'official' and "
                          "unit_level = 'province'")
    assert province["dti_points"] == round(points["s"], 2)
    assert abs(province["dti_value"] - points["s"] / 1000) < Decimal("0.0001")


def test_every_score_walks_back_to_the_files_it_came_from_and_only_those(scored, capsys):
    url, files = scored
    score = component(url, "qn_dvc_on_time", JUSTICE)
    ids = [int(i) for i in score["input_batch_ids"].split(",")]
    loaded = rows(url, "select source, source_file from meta.batches where batch_id = any(%s)",
                  (ids,))
    # A public-service component: the public-service files of its year, no other source.
    expected = {str(p) for p in files["public_services"]}
    assert {r["source"] for r in loaded} == {"public_services"}
    assert {r["source_file"] for r in loaded} == expected
    assert score["run_id"]
    # A self-assessed component: the one sheet row that gives it.
    sheet = component(url, "qn_nhan_luc", JUSTICE)
    (own,) = rows(url, "select * from marts.dti_input_files where batch_id = %s and "
                       "unit_id = %s and component_code = 'qn_nhan_luc'",
                  (int(sheet["input_batch_ids"]), JUSTICE))
    assert own["input_source"] == "self_assessment" and own["rows_used"] == 1

    assert dti(["explain", JUSTICE, "qn_dvc_on_time"]) == 0
    text = capsys.readouterr().out
    assert f"points:  {score['points']} of 10" in text
    assert (f"10 × clamp({score['numerator']} / {score['denominator']}, 0, 1)" in text)
    listed = [line.split()[-3] for line in text.splitlines()
              if line.startswith("public_services")]
    assert sorted(listed) == sorted(expected)  # every file, once, and nothing else
    assert f"files:   {len(expected)}, {len(expected)} rows used" in text  # a row a month
    assert not any(line.startswith(("document_logs", "soc_alerts", "self_assessment"))
                   for line in text.splitlines())

    assert dti(["explain", JUSTICE, "no_such_component"]) == 2
    assert "has no component 'no_such_component'" in capsys.readouterr().err


def test_rank_intervals_are_reproducible_by_seed(scored):
    url, _ = scored
    query = ("select unit_id, median_rank, rank_p05, rank_p95 from marts.dti_rank_intervals "
             "where methodology_id = 'QN-AGENCY-2025' order by unit_id")
    first = rows(url, query)
    assert len(first) == 14 and all(r["rank_p05"] <= r["median_rank"] <= r["rank_p95"]
                                    for r in first)
    assert run_dbt(["run", "--quiet", "--select", "dti_rank_intervals"], url) == 0
    assert rows(url, query) == first
    assert run_dbt(["run", "--quiet", "--select", "dti_rank_intervals",
                    "--vars", "{dti_mc_seed: 99, dti_mc_draws: 300}"], url) == 0
    assert rows(url, query) != first


def test_dti_score_prints_and_writes_the_ranking(scored, tmp_path, capsys):
    url, _ = scored
    assert dti(["score", "--methodology", "QN-AGENCY-2025", "--period", str(YEAR)]) == 0
    text = capsys.readouterr().out
    assert "Sở Tư pháp" in text and "nhan_thuc_nhan_luc" in text  # full headers
    out = tmp_path / "dti.csv"
    assert dti(["score", "--methodology", "QN-AGENCY-2025", "--format", "csv",
                "--out", str(out)]) == 0
    with out.open(encoding="utf-8-sig") as fh:
        table = list(csv.DictReader(fh))
    scores = rows(url, "select unit_id, dti_rank, dti_value from marts.dti_scores where "
                       "methodology_id = 'QN-AGENCY-2025' and scoring_mode = 'official'")
    assert sorted((r["unit_id"], int(r["dti_rank"]), Decimal(r["dti_value"])) for r in table) \
        == sorted((s["unit_id"], s["dti_rank"], s["dti_value"]) for s in scores)
    xlsx = tmp_path / "dti.xlsx"
    assert dti(["score", "--methodology", "DTI-PENDING", "--mode", "analysis", "--format", "xlsx",
                "--out", str(xlsx)]) == 0
    book = load_workbook(xlsx)
    assert book.sheetnames == ["DTI cấp tỉnh", "Chỉ số 766"]
    sheet = book["DTI cấp tỉnh"]
    assert sheet["A1"].value.startswith(f"Chỉ số chuyển đổi số (DTI) năm {YEAR} – cấp tỉnh")
    headers = [c.value for c in sheet[3]]
    assert headers[:5] == ["Xếp hạng", "Đơn vị", "Mã đơn vị", "Nhận thức số", "Thể chế số"]
    assert headers[-3:] == ["Tổng điểm", "Chỉ số DTI", "Tỷ lệ điểm chưa đo"]
    assert sheet.freeze_panes == "C4" and sheet.column_dimensions["B"].width >= 30
    (province,) = rows(url, "select * from marts.dti_scores where methodology_id = "
                            "'DTI-PENDING' and scoring_mode = 'analysis'")
    dti_cell = sheet.cell(4, headers.index("Chỉ số DTI") + 1)
    assert sheet["C4"].value == "000.00.00.H49" and sheet["A4"].value == province["dti_rank"]
    assert dti_cell.number_format == "0.0000"
    assert round(Decimal(str(dti_cell.value)), 4) == province["dti_value"]
    index_766 = book["Chỉ số 766"]
    assert [c.value for c in index_766[3]][-2:] == ["Tổng điểm (tối đa 100)", "Xếp loại"]
    totals = rows(url, "select agency_id, total_points from marts.fct_index_766 where "
                       "period_month = (select max(period_month) from marts.fct_index_766)")
    sheet_totals = {r[2].value: r[8].value for r in index_766.iter_rows(min_row=4)}
    assert sheet_totals == {t["agency_id"]: float(t["total_points"]) for t in totals}
