"""`dti reconcile FILE`: recompute published DTI results and show the differences.

The file: ``province,year,methodology,published_dti,published_rank`` and one column per
main index, named by its code in the methodology seeds (``dti_main_indices.csv``): a
row gives the main indices of its own methodology (DTI-2020's three pillars, 922's
main indices, ...), all, some or none. It is imported into ``meta.published_dti`` and
``meta.published_dti_values``; dbt resolves the province names and recomputes each
row (``fct_dti_reconciliation``, ``dti_merged_province_scores``). Only the warehouse
is needed, not a pipeline run.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import psycopg

from dti.dbt_project import run_dbt
from dti.settings import DBT_PROJECT_DIR

ROW_COLUMNS = ["province", "year", "methodology", "published_dti"]
OPTIONAL_COLUMNS = ["published_rank"]
METHODOLOGY_SEEDS = DBT_PROJECT_DIR / "seeds" / "methodology"
VERDICTS = {"recomputed": "recomputed", "dti_only": "published DTI only",
            "not_recomputable": "not recomputable"}


class ReconcileError(ValueError):
    pass


@dataclass(frozen=True)
class Methodology:
    methodology_id: str
    first_year: int
    last_year: int | None
    main_indices: frozenset[str]


@dataclass(frozen=True)
class Reconciled:
    province: str | None
    province_as_published: str
    year: int
    methodology: str
    verdict: str
    main_indices_given: int
    main_indices_scored: int
    dti_points: Decimal | None
    dti_value: Decimal | None
    published_dti: Decimal | None
    difference: Decimal | None
    recomputed_rank: int | None
    published_rank: int | None
    ranks_checked: bool


def methodologies() -> dict[str, Methodology]:
    """The province-level methodologies and their main-index codes, from the seeds."""
    with (METHODOLOGY_SEEDS / "dti_main_indices.csv").open(encoding="utf-8") as fh:
        codes: dict[str, set[str]] = {}
        for r in csv.DictReader(fh):
            codes.setdefault(r["methodology_id"], set()).add(r["main_index_code"])
    with (METHODOLOGY_SEEDS / "dti_methodologies.csv").open(encoding="utf-8") as fh:
        return {r["methodology_id"]: Methodology(
                    r["methodology_id"], int(r["valid_from_year"]),
                    int(r["valid_to_year"]) if r["valid_to_year"] else None,
                    frozenset(codes.get(r["methodology_id"], ())))
                for r in csv.DictReader(fh) if r["unit_level"] == "province"}


def _number(path: Path, line: int, column: str, text: str) -> Decimal | None:
    if not text.strip():
        return None
    try:
        value = Decimal(text.strip().replace(",", "."))
    except ArithmeticError:
        value = None
    if value is None or not value.is_finite():
        raise ReconcileError(f"{path.name}:{line}: column {column}: not a number: {text!r}")
    return value


def _year(path: Path, line: int, text: str, m: Methodology) -> int:
    try:
        year = int(text.strip())
    except ValueError as exc:
        raise ReconcileError(f"{path.name}:{line}: column year: not a year: {text!r}") from exc
    if year < m.first_year or (m.last_year is not None and year > m.last_year):
        span = f"{m.first_year}-{m.last_year or ''}"
        raise ReconcileError(f"{path.name}:{line}: {m.methodology_id} scores assessment years "
                             f"{span}, not {year}")
    return year


def read_file(path: Path) -> list[tuple[list, dict[str, Decimal]]]:
    """Rows of the file as (row columns, main-index values), checked against the seeds."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            return _read_rows(path, csv.DictReader(fh))
    except OSError as exc:
        raise ReconcileError(f"{path.name}: cannot read it: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise ReconcileError(f"{path.name}: not UTF-8 text (byte {exc.start} is not); save "
                             "it as CSV UTF-8") from exc
    except csv.Error as exc:
        raise ReconcileError(f"{path.name}: not a readable CSV file: {exc}") from exc


def _read_rows(path: Path, reader: csv.DictReader) -> list[tuple[list, dict[str, Decimal]]]:
    known = methodologies()
    all_codes = set().union(*(m.main_indices for m in known.values()))
    header = reader.fieldnames or []
    missing = [c for c in ROW_COLUMNS if c not in header]
    if missing:
        raise ReconcileError(f"{path.name}: missing columns {', '.join(missing)}")
    value_columns = [c for c in header if c not in ROW_COLUMNS + OPTIONAL_COLUMNS]
    unknown = [c for c in value_columns if c not in all_codes]
    if unknown:
        raise ReconcileError(f"{path.name}: columns {', '.join(unknown)} are no main index "
                             f"of any methodology ({', '.join(sorted(known))})")
    rows = []
    for r in reader:
        line = reader.line_num
        fields = sum(v is not None for k, v in r.items() if k is not None) + len(r.get(None, []))
        if fields != len(header):
            raise ReconcileError(f"{path.name}:{line}: {fields} fields, the header has "
                                 f"{len(header)}")
        if not r["province"].strip():
            raise ReconcileError(f"{path.name}:{line}: column province is empty")
        m = known.get(r["methodology"].strip())
        if m is None:
            raise ReconcileError(f"{path.name}:{line}: methodology {r['methodology']!r} is "
                                 f"not one of {', '.join(sorted(known))}")
        values = {c: v for c in value_columns
                  if (v := _number(path, line, c, r[c])) is not None}
        foreign = sorted(set(values) - m.main_indices)
        if foreign:
            raise ReconcileError(f"{path.name}:{line}: {', '.join(foreign)} is no main index "
                                 f"of {m.methodology_id}")
        rank = (r.get("published_rank") or "").strip()
        if rank and not rank.isdigit():
            raise ReconcileError(f"{path.name}:{line}: column published_rank: not a rank: "
                                 f"{rank!r}")
        rows.append(([r["province"].strip(), _year(path, line, r["year"], m),
                      m.methodology_id, _number(path, line, "published_dti", r["published_dti"]),
                      int(rank) if rank else None], values))
    return rows


def import_file(conn: psycopg.Connection, path: Path) -> int:
    rows = read_file(path)
    import_id = conn.execute(
        "select coalesce(max(import_id), 0) + 1 from meta.published_dti").fetchone()[0]
    with conn.cursor().copy(
        "copy meta.published_dti (import_id, row_number, province, assessment_year, "
        "methodology_id, published_dti, published_rank) from stdin"
    ) as copy:
        for n, (row, _) in enumerate(rows, start=1):
            copy.write_row([import_id, n, *row])
    with conn.cursor().copy(
        "copy meta.published_dti_values (import_id, row_number, main_index_code, "
        "main_index_value) from stdin"
    ) as copy:
        for n, (_, values) in enumerate(rows, start=1):
            for code, value in values.items():
                copy.write_row([import_id, n, code, value])
    return len(rows)


def reconcile(url: str, path: Path) -> list[Reconciled]:
    with psycopg.connect(url) as conn:
        import_file(conn, path)
    # The seeds' own tests check component bindings against metric_definitions.
    run_dbt(["build", "--quiet", "--select", "+fct_dti_reconciliation",
             "+dti_merged_province_scores", "path:seeds/methodology", "metric_definitions",
             "--indirect-selection", "cautious"], url)
    with psycopg.connect(url) as conn:
        rows = [Reconciled(*r) for r in conn.execute(
            "select province, province_as_published, assessment_year, methodology_id, "
            "verdict, main_indices_given, main_indices_scored, dti_points, dti_value, "
            "published_dti, dti_difference, recomputed_rank, published_rank, ranks_checked "
            "from marts.fct_dti_reconciliation order by import_row_number")]
    unresolved = [r.province_as_published for r in rows if r.province is None]
    if unresolved:
        raise ReconcileError(f"{path.name}: no province is named "
                             + ", ".join(repr(n) for n in unresolved))
    return rows


def merged(url: str) -> list[tuple]:
    """The latest import's results of 2024 and later as the 34 merged provinces."""
    with psycopg.connect(url) as conn:
        return conn.execute(
            "select assessment_year, methodology_id, dti_rank, province, dti_value, "
            "merged_from, complete from marts.dti_merged_province_scores "
            "order by assessment_year, methodology_id, dti_rank, province").fetchall()


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


def _verdict(r: Reconciled) -> str:
    if r.verdict == "not_recomputable":
        return f"not recomputable ({r.main_indices_given} of {r.main_indices_scored} main indices)"
    if r.verdict == "recomputed" and r.published_dti is None:
        return "recomputed (no published DTI to compare)"
    return VERDICTS[r.verdict]


def format_table(rows: list[Reconciled]) -> str:
    lines = [f"{'province':<24} {'year':>4} {'methodology':<11} {'points':>7} {'DTI':>7} "
             f"{'published':>9} {'diff':>8} {'rank':>5} {'pub.':>5}  verdict"]
    for r in rows:
        diff = f"{r.difference:+.4f}" if r.difference is not None else "n/a"
        pub = f"{r.published_dti:.4f}" if r.published_dti is not None else "n/a"
        points = f"{r.dti_points:.2f}" if r.dti_points is not None else "n/a"
        value = f"{r.dti_value:.4f}" if r.dti_value is not None else "n/a"
        rank = "" if r.recomputed_rank is None else \
            f"{r.recomputed_rank}" + ("" if r.ranks_checked else "*")
        name = r.province or r.province_as_published
        lines.append(f"{name[:24]:<24} {r.year:>4} {r.methodology:<11} {points:>7} {value:>7} "
                     f"{pub:>9} {diff:>8} {rank:>5} "
                     f"{r.published_rank if r.published_rank is not None else '':>5}  "
                     f"{_verdict(r)}")
    if any(r.recomputed_rank is not None and not r.ranks_checked for r in rows):
        lines.append("* rank among the rows of this file only: not checked")
    return "\n".join(lines)


def format_merged(rows: list[tuple]) -> str:
    if not rows:
        return ""
    lines = ["", "As the 34 provinces after the 2025 merger (mean of the former provinces' DTI):",
             f"{'year':>4} {'methodology':<11} {'rank':>4}  {'province':<20} {'DTI':>7}  from"]
    for year, methodology, rank, province, value, merged_from, complete in rows:
        lines.append(f"{year:>4} {methodology:<11} {rank:>4}  {province[:20]:<20} {value:>7.4f}  "
                     f"{merged_from}" + ("" if complete else "  (incomplete: not every former "
                                         "province is in the file)"))
    return "\n".join(lines)
