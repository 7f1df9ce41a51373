"""Write the report site: index.html (the rankings), units/<code>.html (one page per
unit of any ranking), report.css. Everything the pages need is in the folder: it can
be served read-only, copied to a portal or opened from disk."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import psycopg
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from dti.report import charts
from dti.report.data import Report, Unit, load
from dti.report.numbers import vn, vn_share
from dti.scoring.index_766 import GROUPS

STATIC = Path(__file__).parent / "static"
LEVELS = {"province": "cấp tỉnh", "agency": "cấp sở, ban, ngành"}
SOURCES = {"public_services": "Dịch vụ công trực tuyến", "document_logs": "Văn bản điện tử",
           "soc_alerts": "Cảnh báo an toàn thông tin", "self_assessment": "Phiếu tự đánh giá"}
STATUSES = {"scored": "đã đo", "missing": "chưa có số liệu", "no_evidence": "thiếu minh chứng",
            "zero_denominator_full": "không phát sinh (đủ điểm)",
            "zero_denominator_zero": "không phát sinh (0 điểm)"}


def _period_name(p: dict) -> str:
    start = p["period_start"]
    if p["period_grain"] == "month":
        return f"{start:%m/%Y}"
    if p["period_grain"] == "quarter":
        return f"Quý {(start.month - 1) // 3 + 1}/{start.year}"
    return f"Năm {start.year}"


def _environment() -> Environment:
    env = Environment(loader=PackageLoader("dti.report", "templates"),
                      autoescape=select_autoescape(["j2", "html"]), undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    env.globals.update(
        vn=vn, vn_share=vn_share, level_name=lambda level: LEVELS.get(level, level),
        source_name=lambda s: SOURCES.get(s, s), status_name=lambda s: STATUSES.get(s, s),
        period_name=_period_name,
        groups=[{"column": c, "name": n.capitalize(), "max": m} for c, n, m in GROUPS],
        built_at=datetime.now().strftime("%H:%M %d/%m/%Y"))
    return env


def _unit_chart(unit: Unit) -> str:
    months = [(_period_name(p), p["total_points"]) for p in unit.index_766
              if p["period_grain"] == "month"]
    return charts.trend_766(months, "Tổng điểm 766 theo tháng") if months else ""


def write_site(report: Report, out: Path) -> Path:
    env = _environment()
    (out / "units").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(STATIC / "report.css", out / "report.css")
    bars = [charts.ranking_bars([(s["unit_name"], s["dti_value"]) for s in r.rows],
                                f"DTI {r.assessment_year} – {LEVELS.get(r.unit_level)}")
            for r in report.rankings]
    index = env.get_template("index.html.j2").render(
        title="Kết quả chuyển đổi số: Chỉ số DTI và Chỉ số 766", root="",
        rankings=report.rankings, charts=bars, ranking_766=report.ranking_766,
        period_766=report.period_766)
    (out / "index.html").write_text(index, encoding="utf-8")
    unit_page = env.get_template("unit.html.j2")
    for unit in report.units.values():
        page = unit_page.render(title=unit.name, root="../", unit=unit,
                                chart_766=_unit_chart(unit))
        (out / "units" / f"{unit.unit_id}.html").write_text(page, encoding="utf-8")
    return out / "index.html"


def build_report(url: str, out: Path) -> Path:
    """Read the marts and write the site into `out`; returns the index page."""
    with psycopg.connect(url) as conn:
        report = load(conn)
    if not report.rankings and not report.ranking_766:
        raise ValueError("no scores in the marts yet: ingest exports and run `dti transform`")
    return write_site(report, out)
