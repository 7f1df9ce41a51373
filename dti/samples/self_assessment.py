"""Sample self-assessment sheets (phiếu tự đánh giá) for the DTI components no export
measures: the province's for the provincial methodology, each department's for the
province's own agency-level set. Points are claimed by the unit, lowered a little by
the appraisal council, and the appraised points are final."""

from __future__ import annotations

import csv
import random
from datetime import date
from decimal import Decimal
from pathlib import Path

from dti.settings import DBT_PROJECT_DIR
from ingestion.registry import active, province_of

METHODOLOGY_SEEDS = DBT_PROJECT_DIR / "seeds" / "methodology"
COMPONENTS_CSV = METHODOLOGY_SEEDS / "dti_components.csv"
HEADERS = ["STT", "Mã đơn vị", "Tên đơn vị", "Bộ chỉ số", "Mã chỉ số", "Điểm tự đánh giá",
           "Điểm thẩm định", "Điểm chính thức", "Tử số", "Mẫu số", "Minh chứng"]
NOT_A_LINK = "minh chứng gửi kèm bản giấy"  # the defect: evidence that is not a link


def self_assessed_components(methodology_id: str) -> list[dict]:
    with COMPONENTS_CSV.open(encoding="utf-8") as fh:
        return [r for r in csv.DictReader(fh)
                if r["methodology_id"] == methodology_id and r["measurement"] == "self_assessed"]


def provincial_methodology(year: int) -> str:
    """The provincial methodology valid for an assessment year (seed dti_methodologies)."""
    with (METHODOLOGY_SEEDS / "dti_methodologies.csv").open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            if r["unit_level"] == "province" and int(r["valid_from_year"]) <= year <= int(
                    r["valid_to_year"] or 9999):
                return r["methodology_id"]
    raise ValueError(f"no provincial DTI methodology is valid for {year}")


def _vn(x: Decimal) -> str:
    return str(x).replace(".", ",")


def write_self_assessment(path: Path, seed: int, year: int, defect_rate: float = 0.0) -> int:
    """One sheet for the year; returns the number of rows given a defect."""
    rng, defects_rng = random.Random(seed), random.Random(seed * 31 + 7)
    on = date(year, 12, 1)  # the units being assessed: those at the end of the year
    departments = active("department", on)
    province = province_of(departments[0].agency_code)
    units = [(province, provincial_methodology(year))] + [
        (a.agency_code, "QN-AGENCY-2025") for a in departments]
    rows, defects = [], 0
    for unit, methodology in units:
        for c in self_assessed_components(methodology):
            cap = Decimal(c["max_points"])
            link = f"https://dti.quangninh.gov.vn/minh-chung/{year}/{unit}/{c['component_code']}"
            if defect_rate and defects_rng.random() < defect_rate:
                link, defects = NOT_A_LINK, defects + 1
            if c["rule"] == "binary":
                rows.append([unit, methodology, c["component_code"], "", "", "",
                             "1" if rng.random() < 0.8 else "0", "", link])
                continue
            claimed = (cap * Decimal(rng.uniform(0.5, 0.95))).quantize(Decimal("0.01"))
            appraised = max(Decimal(0), claimed - Decimal(rng.randint(0, 300)) / 100)
            rows.append([unit, methodology, c["component_code"], _vn(claimed), _vn(appraised),
                         _vn(appraised), "", "", link])
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh, lineterminator="\r\n")
        w.writerow(["ỦY BAN NHÂN DÂN TỈNH QUẢNG NINH"])
        w.writerow(["PHIẾU TỰ ĐÁNH GIÁ CHỈ SỐ CHUYỂN ĐỔI SỐ"])
        w.writerow([f"Năm đánh giá: {year}"])
        w.writerow(HEADERS)
        for i, r in enumerate(rows, start=1):
            w.writerow([i, r[0], "", *r[1:]])
    return defects
