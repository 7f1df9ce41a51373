"""The DTI ranking table from the marts: for one methodology and assessment year, each
unit's rank, DTI value and points, and its main-index values; as text, CSV or XLSX."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import psycopg


@dataclass(frozen=True)
class DtiTable:
    methodology_id: str
    assessment_year: int
    scoring_mode: str
    main_indices: list[str]  # main-index codes in the methodology's order
    main_index_names: dict[str, str]  # code -> Vietnamese name, the official headers
    rows: list[dict]  # unit_id, unit_name, unit_level, dti_rank, dti_value, dti_points,
    #                  share_not_measured, and one key per main index


def latest_year(conn: psycopg.Connection, methodology_id: str) -> int | None:
    row = conn.execute("select max(assessment_year) from marts.dti_scores "
                       "where methodology_id = %s", (methodology_id,)).fetchone()
    return row[0] if row else None


def load_table(conn: psycopg.Connection, methodology_id: str, year: int,
               mode: str = "official") -> DtiTable:
    names = dict(conn.execute(
        "select main_index_code, name_vi from reference.dti_main_indices "
        "where methodology_id = %s and is_scored order by sort_order",
        (methodology_id,)).fetchall())
    main = list(names)
    rows = conn.execute(
        """select s.unit_id, coalesce(a.agency_name_vi, s.unit_id), s.unit_level, s.dti_rank,
                  s.dti_value, s.dti_points, s.share_not_measured
           from marts.dti_scores as s
           left join lateral (
               select agency_name_vi from marts.dim_agencies as d
               where d.agency_id = s.unit_id order by d.valid_from desc limit 1) as a on true
           where s.methodology_id = %s and s.assessment_year = %s and s.scoring_mode = %s
           order by s.unit_level desc, s.dti_rank, s.unit_id""",
        (methodology_id, year, mode)).fetchall()
    values = {(u, m): v for u, m, v in conn.execute(
        """select unit_id, main_index_code, main_index_value from marts.dti_main_index_scores
           where methodology_id = %s and assessment_year = %s and scoring_mode = %s""",
        (methodology_id, year, mode))}
    keys = ["unit_id", "unit_name", "unit_level", "dti_rank", "dti_value", "dti_points",
            "share_not_measured"]
    out = []
    for r in rows:
        row = dict(zip(keys, r, strict=True))
        row.update({m: values.get((row["unit_id"], m)) for m in main})
        out.append(row)
    return DtiTable(methodology_id, year, mode, main, names, out)


def _fmt(v: object) -> str:
    if v is None:
        return "n/a"
    return f"{v:.4f}" if isinstance(v, Decimal) else str(v)


def format_text(t: DtiTable) -> str:
    head = (f"DTI {t.methodology_id}, assessment year {t.assessment_year} "
            f"({t.scoring_mode} mode: missing components score 0)"
            if t.scoring_mode == "official" else
            f"DTI {t.methodology_id}, assessment year {t.assessment_year} "
            f"(analysis mode: missing components imputed)")
    # Full main-index codes as headers, each column as wide as its header.
    widths = [max(len(m), 6) for m in t.main_indices]
    lines = [head, "=" * len(head),
             f"{'rank':>4}  {'unit':<34} {'DTI':>6} {'points':>8} {'n/m':>5}  "
             + " ".join(f"{m:>{w}}" for m, w in zip(t.main_indices, widths, strict=True))]
    for r in t.rows:
        lines.append(
            f"{r['dti_rank']:>4}  {str(r['unit_name'])[:34]:<34} {_fmt(r['dti_value']):>6} "
            f"{r['dti_points']:>8.2f} {float(r['share_not_measured']):>5.0%}  "
            + " ".join(f"{_fmt(r[m]):>{w}}"
                       for m, w in zip(t.main_indices, widths, strict=True)))
    lines.append("n/m: share of the points not measured (no export, no self-assessment "
                 "yet); ranks are among units of the same level")
    return "\n".join(lines)


def _header(t: DtiTable) -> list[str]:
    return ["unit_id", "unit_name", "unit_level", "dti_rank", "dti_value", "dti_points",
            "share_not_measured", *t.main_indices]


def write_csv(t: DtiTable, path: Path) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(_header(t))
        for r in t.rows:
            w.writerow([r[k] for k in _header(t)])


LEVELS_VI = {"province": "cấp tỉnh", "agency": "cấp sở, ban, ngành"}
FOUR_DECIMALS, TWO_DECIMALS, SHARE = "0.0000", "0.00", "0.0%"


def _sheet(book, title: str, heading: str, columns: list[tuple[str, int, str | None]],
           rows: list[list]) -> None:
    """A sheet in the layout ministries exchange: the title on row 1, headers on row 3
    (bold, wrapped, frozen with the unit column), numbers with their formats."""
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    ws = book.create_sheet(title[:31])
    ws.cell(1, 1, heading).font = Font(bold=True, size=13)
    for i, (header, width, _) in enumerate(columns, start=1):
        cell = ws.cell(3, i, header)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        ws.column_dimensions[get_column_letter(i)].width = width
    for r, values in enumerate(rows, start=4):
        for i, (value, (_, _, fmt)) in enumerate(zip(values, columns, strict=True), start=1):
            cell = ws.cell(r, i, float(value) if isinstance(value, Decimal) else value)
            if fmt and value is not None:
                cell.number_format = fmt
    ws.freeze_panes = "C4"


def write_xlsx(t: DtiTable, path: Path, index_766: list | None = None,
               period_766: object = None) -> None:
    """One sheet per level of the table, and one for the 766 index when given."""
    from openpyxl import Workbook

    from dti.scoring.index_766 import GROUPS

    book = Workbook()
    book.remove(book.active)
    columns = [("Xếp hạng", 9, None), ("Đơn vị", 40, None), ("Mã đơn vị", 16, None),
               *[(t.main_index_names[m], 14, FOUR_DECIMALS) for m in t.main_indices],
               ("Tổng điểm", 11, TWO_DECIMALS), ("Chỉ số DTI", 11, FOUR_DECIMALS),
               ("Tỷ lệ điểm chưa đo", 12, SHARE)]
    for level in dict.fromkeys(r["unit_level"] for r in t.rows):
        mode = "" if t.scoring_mode == "official" else " (chế độ phân tích)"
        _sheet(book, f"DTI {LEVELS_VI.get(level, level)}",
               f"Chỉ số chuyển đổi số (DTI) năm {t.assessment_year} – "
               f"{LEVELS_VI.get(level, level)}{mode} · bộ chỉ số {t.methodology_id}",
               columns,
               [[r["dti_rank"], r["unit_name"], r["unit_id"],
                 *[r[m] for m in t.main_indices], r["dti_points"], r["dti_value"],
                 r["share_not_measured"]] for r in t.rows if r["unit_level"] == level])
    if index_766:
        _sheet(book, "Chỉ số 766",
               f"Chỉ số phục vụ người dân, doanh nghiệp (Quyết định 766/QĐ-TTg) – tháng "
               f"{period_766:%m/%Y}",
               [("Xếp hạng", 9, None), ("Đơn vị", 40, None), ("Mã đơn vị", 16, None),
                *[(f"{n.capitalize()} (tối đa {m})", 12, TWO_DECIMALS) for _, n, m in GROUPS],
                ("Tổng điểm (tối đa 100)", 12, TWO_DECIMALS), ("Xếp loại", 14, None)],
               [[s.rank, s.agency_name, s.agency_id, *s.groups, s.total, s.rating]
                for s in index_766])
    book.save(path)


def latest_tables(conn: psycopg.Connection, mode: str = "official") -> list[DtiTable]:
    """The latest assessment year's table of every methodology that has scores."""
    found = conn.execute("select methodology_id, max(assessment_year) from marts.dti_scores "
                         "group by methodology_id order by methodology_id").fetchall()
    return [load_table(conn, m, year, mode) for m, year in found]


def log_latest_scores() -> dict[str, int]:
    """The scoring step of the transform DAG: units scored per methodology, each table
    logged; an empty result means the scoring models produced nothing."""
    import logging

    from dti.warehouse.connection import warehouse_url

    log = logging.getLogger(__name__)
    with psycopg.connect(warehouse_url()) as conn:
        tables = latest_tables(conn)
    if not tables:
        raise RuntimeError("marts.dti_scores is empty: no unit was scored")
    for t in tables:
        log.info("%s", format_text(t))
    return {f"{t.methodology_id} {t.assessment_year}": len(t.rows) for t in tables}
