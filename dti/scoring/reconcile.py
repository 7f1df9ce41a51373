"""`dti reconcile FILE`: recompute published DTI results and show the differences.

The file: ``province,year,methodology,<eight main-index values 0-1>,published_dti,
published_rank``. It is imported into ``meta.published_dti``; dbt recomputes it
(``fct_dti_reconciliation``, with the methodology seeds), and each row is printed with
its difference. Only the warehouse is needed, not a pipeline run.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import psycopg

from dti.dbt_project import run_dbt

MAIN_INDICES = ["nhan_thuc_so", "the_che_so", "ha_tang_so", "nhan_luc_so",
                "an_toan_thong_tin_mang", "hd_chinh_quyen_so", "hd_kinh_te_so", "hd_xa_hoi_so"]
COLUMNS = ["province", "year", "methodology", *MAIN_INDICES, "published_dti", "published_rank"]


class ReconcileError(ValueError):
    pass


@dataclass(frozen=True)
class Reconciled:
    province: str
    year: int
    methodology: str
    dti_points: Decimal
    dti_value: Decimal
    published_dti: Decimal | None
    difference: Decimal | None
    recomputed_rank: int
    published_rank: int | None
    ranks_checked: bool


def _number(path: Path, line: int, column: str, text: str) -> Decimal | None:
    if not text.strip():
        return None
    try:
        return Decimal(text.strip().replace(",", "."))
    except ArithmeticError as exc:
        raise ReconcileError(f"{path.name}:{line}: column {column}: not a number: {text!r}"
                             ) from exc


def import_file(conn: psycopg.Connection, path: Path) -> int:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise ReconcileError(f"{path.name}: missing columns {', '.join(missing)}")
        rows = list(reader)
    import_id = conn.execute(
        "select coalesce(max(import_id), 0) + 1 from meta.published_dti").fetchone()[0]
    with conn.cursor().copy(
        "copy meta.published_dti (import_id, row_number, province, assessment_year, "
        "methodology_id, " + ", ".join(MAIN_INDICES) + ", published_dti, published_rank) "
        "from stdin"
    ) as copy:
        for n, r in enumerate(rows, start=1):
            line = n + 1
            rank = r["published_rank"].strip()
            copy.write_row([import_id, n, r["province"].strip(), int(r["year"]),
                            r["methodology"].strip(),
                            *(_number(path, line, c, r[c]) for c in MAIN_INDICES),
                            _number(path, line, "published_dti", r["published_dti"]),
                            int(rank) if rank else None])
    return len(rows)


def reconcile(url: str, path: Path) -> list[Reconciled]:
    with psycopg.connect(url) as conn:
        import_file(conn, path)
    # The seeds' own tests check component bindings against metric_definitions.
    run_dbt(["build", "--quiet", "--select", "+fct_dti_reconciliation",
             "+dti_merged_province_scores", "path:seeds/methodology", "metric_definitions",
             "--indirect-selection", "cautious"], url)
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "select province, assessment_year, methodology_id, dti_points, dti_value, "
            "published_dti, "
            "dti_difference, recomputed_rank, published_rank, ranks_checked "
            "from marts.fct_dti_reconciliation order by import_row_number").fetchall()
    return [Reconciled(*r) for r in rows]


def failures(rows: list[Reconciled], tolerance: Decimal) -> list[str]:
    out = []
    for r in rows:
        if r.difference is not None and abs(r.difference) > tolerance:
            out.append(f"{r.province} {r.year}: DTI {r.dti_value} vs published "
                       f"{r.published_dti} (difference {r.difference:+.4f})")
        if r.ranks_checked and r.published_rank is not None \
                and r.recomputed_rank != r.published_rank:
            out.append(f"{r.province} {r.year}: rank {r.recomputed_rank} vs published "
                       f"{r.published_rank}")
    return out


def format_table(rows: list[Reconciled]) -> str:
    lines = [f"{'province':<24} {'year':>4} {'methodology':<10} {'points':>7} {'DTI':>7} "
             f"{'published':>9} "
             f"{'diff':>8} {'rank':>5} {'pub.':>5}"]
    for r in rows:
        diff = f"{r.difference:+.4f}" if r.difference is not None else "n/a"
        pub = f"{r.published_dti:.4f}" if r.published_dti is not None else "n/a"
        rank = f"{r.recomputed_rank}" + ("" if r.ranks_checked else "*")
        lines.append(f"{r.province[:24]:<24} {r.year:>4} {r.methodology:<10} "
                     f"{r.dti_points:>7.2f} {r.dti_value:>7.4f} {pub:>9} {diff:>8} {rank:>5} "
                     f"{r.published_rank if r.published_rank is not None else '':>5}")
    if any(not r.ranks_checked for r in rows):
        lines.append("* rank among the provinces in this file only: not checked")
    return "\n".join(lines)
