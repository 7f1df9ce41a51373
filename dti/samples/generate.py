"""Sample agency exports for the demo and the tests.

The public-service report mimics what a provincial one-stop-shop system exports:
title rows, a reporting-period line, Vietnamese headers, dot thousands, a closing
"Tổng cộng" row. Volumes differ by department the way they do in practice
(construction and justice handle many dossiers, the inspectorate few).
"""

from __future__ import annotations

import csv
import random
import re
import zipfile
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path

from dti.settings import sample_end_month
from ingestion.registry import active
from ingestion.text import strip_diacritics, to_cp1258_form

HEADERS = [
    "STT", "Mã cơ quan", "Tên cơ quan",
    "Tiếp nhận trực tuyến", "Trong đó: trực tuyến toàn trình",
    "Tiếp nhận trực tiếp", "Tiếp nhận qua bưu chính",
    "Giải quyết trước hạn", "Giải quyết đúng hạn", "Giải quyết quá hạn",
    "Đang giải quyết trong hạn", "Đang giải quyết quá hạn",
    "Trả kết quả điện tử", "Số hóa hồ sơ", "Hồ sơ có phí/lệ phí", "Thanh toán trực tuyến",
    "Số hồ sơ đã xử lý", "Không hài lòng",
    # the inputs of the other 766 items (what newer one-stop-shop systems add)
    "TTHC phải công bố, công khai",
    "TTHC công bố, công khai đúng hạn",
    "Hồ sơ đồng bộ lên Cổng DVC quốc gia",
    "Hồ sơ công khai tiến độ đúng hạn",
    "Hồ sơ của TTHC đủ điều kiện toàn trình",
    "TTHC có phí, lệ phí",
    "TTHC có thanh toán trực tuyến",
    "TTHC phát sinh hồ sơ có phí",
    "Phản ánh, kiến nghị đến hạn xử lý",
    "Phản ánh, kiến nghị xử lý đúng hạn",
    "Phản ánh, kiến nghị được đánh giá",
    "Phản ánh, kiến nghị hài lòng",
    "Hồ sơ có kết quả là giấy tờ",
    "Bản sao chứng thực",
    "Chứng thực bản sao điện tử",
    "Hồ sơ tái sử dụng dữ liệu số hóa",
    "Kết quả số hóa được chia sẻ",
    "Hồ sơ xác thực qua CSDL dân cư",
    "Hồ sơ điền sẵn từ CSDL dân cư",
]

# Monthly dossier volume by department (by its number in the agency code).
_BASE_VOLUME = {1: 120, 2: 900, 3: 700, 4: 2600, 5: 1900, 6: 2300, 7: 2100,
                8: 260, 9: 800, 10: 1500, 11: 600, 12: 90, 13: 40, 14: 1100}


@dataclass(frozen=True)
class AgencyMonth:
    """One generated row; also what the tests compare the warehouse against."""

    agency_code: str
    agency_name: str
    period: date
    received_online: int
    received_full_online: int
    received_in_person: int
    received_postal: int
    resolved_early: int
    resolved_on_time: int
    resolved_late: int
    in_progress_within_deadline: int
    in_progress_overdue: int
    results_electronic: int = 0
    dossiers_digitised: int = 0
    dossiers_with_fees: int = 0
    paid_online: int = 0
    handled: int = 0
    dissatisfied: int = 0
    procedures_to_publish: int = 0
    procedures_published_on_time: int = 0
    dossiers_synced: int = 0
    dossiers_progress_published: int = 0
    received_of_full_online_procedures: int = 0
    procedures_with_fees: int = 0
    procedures_with_online_payment: int = 0
    procedures_with_fee_dossiers: int = 0
    petitions_due: int = 0
    petitions_handled_on_time: int = 0
    petitions_rated: int = 0
    petitions_satisfied: int = 0
    resolved_with_document_result: int = 0
    copies_certified: int = 0
    copies_certified_electronic: int = 0
    dossiers_reusing_data: int = 0
    results_shared: int = 0
    dossiers_population_verified: int = 0
    dossiers_population_prefilled: int = 0

    @property
    def counts(self) -> list[int]:
        return [self.received_online, self.received_full_online, self.received_in_person,
                self.received_postal, self.resolved_early, self.resolved_on_time,
                self.resolved_late, self.in_progress_within_deadline, self.in_progress_overdue,
                self.results_electronic, self.dossiers_digitised, self.dossiers_with_fees,
                self.paid_online, self.handled, self.dissatisfied,
                *(getattr(self, name) for name in INDEX_766_INPUTS)]


INDEX_766_INPUTS = (
    "procedures_to_publish", "procedures_published_on_time", "dossiers_synced",
    "dossiers_progress_published", "received_of_full_online_procedures", "procedures_with_fees",
    "procedures_with_online_payment", "procedures_with_fee_dossiers", "petitions_due",
    "petitions_handled_on_time", "petitions_rated", "petitions_satisfied",
    "resolved_with_document_result", "copies_certified", "copies_certified_electronic",
    "dossiers_reusing_data", "results_shared", "dossiers_population_verified",
    "dossiers_population_prefilled",
)


def vn_int(n: int) -> str:
    """1234567 -> '1.234.567' as Vietnamese reports print it."""
    return f"{n:,}".replace(",", ".")


def _month_end(first: date) -> date:
    nxt = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return nxt - timedelta(days=1)


def simulate_month(rng: random.Random, code: str, name: str, period: date) -> AgencyMonth:
    dept_no = int(code.split(".")[2])
    received = max(5, int(rng.gauss(_BASE_VOLUME.get(dept_no, 300), 0.15 *
                                    _BASE_VOLUME.get(dept_no, 300))))
    online_share = rng.uniform(0.55, 0.97)
    online = int(received * online_share)
    postal = int((received - online) * rng.uniform(0.0, 0.15))
    in_person = received - online - postal
    full_online = int(online * rng.uniform(0.3, 0.8))
    # Of what fell due this month: most early or on time, a few late, some still open.
    due = int(received * rng.uniform(0.85, 1.0))
    late_share = rng.choice([0.0, 0.003, 0.005, 0.01, 0.02, 0.04, 0.08])
    late = int(due * late_share)
    in_overdue = int(due * late_share * rng.uniform(0.0, 0.5))
    in_within = int(due * rng.uniform(0.02, 0.10))
    resolved_in_time = due - late - in_overdue - in_within
    early = int(resolved_in_time * rng.uniform(0.2, 0.7))
    # The optional measures draw from their own generator, so adding them left the
    # core counts of every seed as they were.
    extra = random.Random(f"{code}|{period}")
    handled = resolved_in_time + late
    with_fees = int(received * extra.uniform(0.2, 0.6))
    e_results = int(handled * extra.uniform(0.6, 1.0))
    return AgencyMonth(code, name, period, online, full_online, in_person, postal,
                       early, resolved_in_time - early, late, in_within, in_overdue,
                       results_electronic=e_results,
                       dossiers_digitised=int(received * extra.uniform(0.5, 1.0)),
                       dossiers_with_fees=with_fees,
                       paid_online=int(with_fees * extra.uniform(0.3, 0.9)),
                       handled=handled,
                       dissatisfied=int(handled * extra.uniform(0.0, 0.05)),
                       **_index_766_inputs(random.Random(f"{code}|{period}|766"), received,
                                           online, full_online, handled, e_results))


def _index_766_inputs(rng: random.Random, received: int, online: int, full_online: int,
                      resolved: int, e_results: int) -> dict[str, int]:
    """The inputs of the other 766 items, each part within its whole (own generator:
    the counts above stay those of earlier versions for every seed)."""
    to_publish = rng.randint(2, 12)
    with_fees = rng.randint(5, 40)
    petitions = rng.randint(0, 6)
    rated = rng.randint(0, petitions)
    certified = rng.randint(0, 200)
    return {
        "procedures_to_publish": to_publish,
        "procedures_published_on_time": to_publish - rng.randint(0, 1),
        "dossiers_synced": int(received * rng.uniform(0.9, 1.0)),
        "dossiers_progress_published": int(received * rng.uniform(0.8, 1.0)),
        "received_of_full_online_procedures":
            full_online + int((online - full_online) * rng.uniform(0.2, 0.6)),
        "procedures_with_fees": with_fees,
        "procedures_with_online_payment": int(with_fees * rng.uniform(0.5, 1.0)),
        "procedures_with_fee_dossiers": int(with_fees * rng.uniform(0.4, 0.9)),
        "petitions_due": petitions,
        "petitions_handled_on_time": petitions - rng.randint(0, min(1, petitions)),
        "petitions_rated": rated,
        "petitions_satisfied": rated - rng.randint(0, min(1, rated)),
        "resolved_with_document_result":
            e_results + int((resolved - e_results) * rng.uniform(0.3, 1.0)),
        "copies_certified": certified,
        "copies_certified_electronic": int(certified * rng.uniform(0.1, 0.6)),
        "dossiers_reusing_data": int(received * rng.uniform(0.2, 0.7)),
        "results_shared": int(e_results * rng.uniform(0.3, 0.9)),
        "dossiers_population_verified": int(online * rng.uniform(0.5, 1.0)),
        "dossiers_population_prefilled": int(online * rng.uniform(0.3, 0.9)),
    }


# How provincial systems encode their CSV reports; "ascii" is UTF-8 with the
# diacritics stripped, as older systems print them.


def _encoded(text: str, encoding: str) -> str:
    if encoding == "cp1258":
        return to_cp1258_form(text)
    return strip_diacritics(text) if encoding == "ascii" else text


def write_public_service_report(path: Path, rows: list[AgencyMonth], period: date,
                                encoding: str = "utf-8-sig") -> None:
    totals = [sum(col) for col in zip(*(r.counts for r in rows), strict=True)] if rows else []
    end = _month_end(period)
    lines = [["ỦY BAN NHÂN DÂN TỈNH QUẢNG NINH"],
             ["BÁO CÁO TÌNH HÌNH GIẢI QUYẾT HỒ SƠ THỦ TỤC HÀNH CHÍNH"],
             [f"Kỳ báo cáo: từ ngày {period:%d/%m/%Y} đến ngày {end:%d/%m/%Y}"],
             [], HEADERS]
    lines += [[i, r.agency_code, r.agency_name, *(vn_int(n) for n in r.counts)]
              for i, r in enumerate(rows, start=1)]
    lines.append(["", "", "Tổng cộng", *(vn_int(n) for n in totals)])
    file_encoding = "utf-8" if encoding == "ascii" else encoding
    with path.open("w", encoding=file_encoding, newline="") as fh:
        w = csv.writer(fh, lineterminator="\r\n")
        for line in lines:
            w.writerow([_encoded(str(c), encoding) for c in line])


def write_public_service_xlsx(path: Path, rows: list[AgencyMonth], period: date) -> None:
    """The same report as an XLSX workbook with a two-row header of merged cells, the
    layout one-stop-shop systems print."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    book = Workbook()
    ws = book.active
    ws.title = "Bao cao"
    ws.append(["ỦY BAN NHÂN DÂN TỈNH QUẢNG NINH"])
    ws.append(["BÁO CÁO TÌNH HÌNH GIẢI QUYẾT HỒ SƠ THỦ TỤC HÀNH CHÍNH"])
    end = _month_end(period)
    ws.append([f"Kỳ báo cáo: từ ngày {period:%d/%m/%Y} đến ngày {end:%d/%m/%Y}"])
    ws.append([])
    ws.append(["STT", "Mã cơ quan", "Tên cơ quan", "Số hồ sơ tiếp nhận", None, None, None,
               "Đã giải quyết", None, None, "Đang giải quyết", None, *HEADERS[12:]])
    ws.append([None, None, None, "Trực tuyến", "Trực tuyến toàn trình", "Trực tiếp",
               "Bưu chính", "Trước hạn", "Đúng hạn", "Quá hạn", "Trong hạn", "Quá hạn"])
    last = get_column_letter(len(HEADERS))
    merged = ["A5:A6", "B5:B6", "C5:C6", "D5:G5", "H5:J5", "K5:L5", f"A1:{last}1", f"A2:{last}2"]
    # the measures span both header rows
    merged += [f"{get_column_letter(i)}5:{get_column_letter(i)}6"
               for i in range(13, len(HEADERS) + 1)]
    for cells in merged:
        ws.merge_cells(cells)
    for i, r in enumerate(rows, start=1):
        ws.append([i, r.agency_code, r.agency_name, *r.counts])
    totals = [sum(col) for col in zip(*(r.counts for r in rows), strict=True)]
    ws.append([None, None, "Tổng cộng", *totals])
    book.save(path)
    _fix_zip_times(path, datetime.combine(end, time(17)))


def _fix_zip_times(path: Path, when: datetime) -> None:
    """The same workbook, byte for byte, whenever it is written: openpyxl stamps the
    save time in docProps/core.xml and in every zip entry, which made each generated
    XLSX a new file to the ledger (a re-run of the demo superseded its month)."""
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(path) as zin:
        members = [(info, zin.read(info)) for info in zin.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info, data in members:
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>" + stamp,
                              data)
            fixed = zipfile.ZipInfo(info.filename, date_time=when.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            zout.writestr(fixed, data)


def public_service_months(seed: int, months: list[date]) -> dict[date, list[AgencyMonth]]:
    rng = random.Random(seed)
    return {
        m: [simulate_month(rng, a.agency_code, a.name_vi, m) for a in active("department", m)]
        for m in months
    }


def default_months(today: date | None = None) -> list[date]:
    """Six months ending with DTI_SAMPLE_END_MONTH, else with the last complete month."""
    configured = sample_end_month()
    if configured:
        year, month = configured
    else:
        today = today or date.today()
        year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    ends = year * 12 + month - 1
    return [date(m // 12, m % 12 + 1, 1) for m in range(ends - 5, ends + 1)]


def generate_public_services(out: Path, seed: int = 7,
                             months: list[date] | None = None) -> list[Path]:
    """One public-service report per month under out/public_services/."""
    target = out / "public_services"
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for period, rows in public_service_months(seed, months or default_months()).items():
        path = target / f"dvc_quang_ninh_{period:%Y-%m}.csv"
        write_public_service_report(path, rows, period)
        written.append(path)
    return written


UNKNOWN_AGENCY = "000.00.99.H49"  # in no registry: the defect the generator injects


@dataclass
class Exports:
    """What ``generate`` wrote: files per source, and how many records per source
    carry an injected defect (each must end up quarantined, not loaded)."""

    files: dict[str, list[Path]]
    defects: dict[str, int]


def _with_defects(rows: list[AgencyMonth], rng: random.Random, rate: float
                  ) -> tuple[list[AgencyMonth], int]:
    """A negative count is the commonest hand-edit error in these reports."""
    out, n = [], 0
    for r in rows:
        if rate and rng.random() < rate:
            r = replace(r, resolved_late=-max(1, r.resolved_late))
            n += 1
        out.append(r)
    return out, n


def generate(out: Path, seed: int = 7, months: list[date] | None = None, scale: int = 1,
             defect_rate: float = 0.0) -> Exports:
    """Sample exports of every source under out/<source>/, deterministic by seed.

    Public-service reports: one per month, rotating through the layouts provinces
    produce (UTF-8 CSV, XLSX with merged two-row headers, Windows-1258, UTF-16,
    CSV without diacritics). Document logs: CSV months and one JSON Lines month,
    40 x ``scale`` events per department and month. SOC alerts: one Suricata, Wazuh
    and portal file per month, ``scale`` times the demo's volume. Self-assessments:
    one sheet per assessment year (the province and its departments). ``defect_rate``
    is the share of records given a defect the validation must quarantine.
    """
    from dti.samples.alerts import write_portal_csv, write_suricata_eve, write_wazuh_alerts
    from dti.samples.documents import (
        document_events,
        write_document_csv,
        write_document_jsonl,
    )

    months = months or default_months()
    defects_rng = random.Random(seed * 7919)
    files: dict[str, list[Path]] = {s: [] for s in ("public_services", "document_logs",
                                                    "soc_alerts", "self_assessment")}
    defects = dict.fromkeys(files, 0)
    dirs = {s: out / s for s in files}
    for d in dirs.values():
        d.mkdir(parents=True, exist_ok=True)
    layouts = ("utf-8-sig", "xlsx", "cp1258", "utf-16", "ascii")
    for i, (period, rows) in enumerate(public_service_months(seed, months).items()):
        rows, n = _with_defects(rows, defects_rng, defect_rate)
        defects["public_services"] += n
        layout = layouts[i % len(layouts)]
        stem = dirs["public_services"] / f"dvc_quang_ninh_{period:%Y-%m}"
        if layout == "xlsx":
            path = stem.with_suffix(".xlsx")
            write_public_service_xlsx(path, rows, period)
        else:
            path = stem.with_suffix(".csv")
            write_public_service_report(path, rows, period, layout)
        files["public_services"].append(path)
    for i, month in enumerate(months):
        events = []
        for e in document_events(seed + i, [month], per_agency_month=40 * scale):
            # State secrets are excluded before validation: a defect there would not show.
            if defect_rate and not e.secret and defects_rng.random() < defect_rate:
                e = replace(e, agency_code=UNKNOWN_AGENCY)
                defects["document_logs"] += 1
            events.append(e)
        jsonl = i == len(months) - 1
        suffix = "jsonl" if jsonl else "csv"
        path = dirs["document_logs"] / f"qlvb_quang_ninh_{month:%Y-%m}.{suffix}"
        (write_document_jsonl if jsonl else write_document_csv)(path, iter(events))
        files["document_logs"].append(path)
        for name, writer, count in (("suricata_eve", write_suricata_eve, 60),
                                    ("wazuh_alerts", write_wazuh_alerts, 40),
                                    ("soc_portal", write_portal_csv, 30)):
            suffix = "csv" if name == "soc_portal" else "json"
            path = dirs["soc_alerts"] / f"{name}_{month:%Y-%m}.{suffix}"
            defects["soc_alerts"] += writer(path, seed + i, month, count * scale,
                                            defect_rate=defect_rate).defects
            files["soc_alerts"].append(path)
    from dti.samples.self_assessment import write_self_assessment

    for year in sorted({m.year for m in months}):
        path = dirs["self_assessment"] / f"tu_danh_gia_dti_{year}.csv"
        defects["self_assessment"] += write_self_assessment(path, seed + year, year, defect_rate)
        files["self_assessment"].append(path)
    return Exports(files, defects)
