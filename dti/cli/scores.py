"""`dti transform`, `manifest`, `score`, `reconcile`, `dq docs`: marts, scores, checks."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

# dbt only warns when a selection matches nothing, and exits 0: a mistyped model name
# would pass as a build that did nothing.
NOTHING_SELECTED_FAILS = ["--warn-error-options", '{"error": ["NoNodesForSelectionCriteria"]}']


def cmd_transform(args: argparse.Namespace) -> int:
    from dti.dbt_project import run_dbt
    from dti.warehouse.connection import warehouse_url

    dbt_args = list(args.dbt_args)
    if not any(a.startswith("--warn-error") for a in dbt_args):  # the user's own wins
        dbt_args += NOTHING_SELECTED_FAILS
    return run_dbt(["build", *dbt_args], warehouse_url(), check=False)


def cmd_manifest(args: argparse.Namespace) -> int:
    from dti.dbt_project import build_manifest
    from dti.warehouse.connection import configured_url

    # A configured warehouse's connection keys the parse state its builds reuse; the
    # embedded one is not started for a parse.
    print(build_manifest(configured_url()))
    return 0


def print_scores(url: str, period: date | None) -> int:
    import psycopg

    from dti.scoring.index_766 import format_index_766_table, index_766_scores, latest_period

    with psycopg.connect(url) as conn:
        period = period or latest_period(conn)
        if period is None:
            print("no scores yet: ingest some exports and run `dti transform`", file=sys.stderr)
            return 1
        print(format_index_766_table(period, index_766_scores(conn, period)))
    return 0


def print_dti(url: str, methodology: str, year: int | None, mode: str = "official",
               fmt: str = "table", out: str | None = None) -> int:
    import psycopg

    from dti.scoring import dti_table as dti_report
    from dti.scoring.index_766 import index_766_scores, latest_period

    with psycopg.connect(url) as conn:
        year = year or dti_report.latest_year(conn, methodology)
        if year is None:
            print(f"no {methodology} scores yet: run `dti transform`", file=sys.stderr)
            return 1
        table = dti_report.load_table(conn, methodology, year, mode)
        # The workbook carries the 766 sheet of the latest month beside the DTI.
        period = latest_period(conn) if fmt == "xlsx" else None
        scores_766 = index_766_scores(conn, period) if period else None
    if not table.rows:
        print(f"no {methodology} scores for {year}", file=sys.stderr)
        return 1
    if fmt == "table":
        print(dti_report.format_text(table))
        return 0
    path = Path(out or f"dti_{methodology}_{year}_{mode}.{fmt}")
    if fmt == "csv":
        dti_report.write_csv(table, path)
    else:
        dti_report.write_xlsx(table, path, scores_766, period)
    print(path)
    return 0


def cmd_score(args: argparse.Namespace) -> int:
    from dti.warehouse.connection import warehouse_url

    if args.methodology:
        return print_dti(warehouse_url(), args.methodology,
                          int(args.period[:4]) if args.period else None, args.mode,
                          args.format, args.out)
    if args.period and len(args.period) != 7:
        print(f"error: --period {args.period}: the 766 table is by month (YYYY-MM); "
              "a year goes with --methodology", file=sys.stderr)
        return 2
    period = date.fromisoformat(args.period + "-01") if args.period else None
    return print_scores(warehouse_url(), period)


def cmd_report(args: argparse.Namespace) -> int:
    from pathlib import Path

    from dti.report.site import build_report
    from dti.settings import report_dir
    from dti.warehouse.connection import warehouse_url

    try:
        index = build_report(warehouse_url(), Path(args.out) if args.out else report_dir())
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"Report: {index}")
    return 0


def cmd_explain(args: argparse.Namespace) -> int:
    import psycopg

    from dti.scoring.explain import ExplainError, explain, format_explanation
    from dti.warehouse.connection import warehouse_url
    from ingestion.text import printable

    with psycopg.connect(warehouse_url()) as conn:
        try:
            found = explain(conn, args.unit, args.component, args.year, args.mode)
        except ExplainError as exc:
            print(printable(f"error: {exc}"), file=sys.stderr)
            return 2
    print(format_explanation(found))
    return 0


def cmd_reconcile(args: argparse.Namespace) -> int:
    from decimal import Decimal

    from dti.scoring.reconcile import (
        ReconcileError,
        failures,
        format_merged,
        format_table,
        merged,
        reconcile,
    )
    from dti.warehouse.connection import warehouse_url
    from dti.warehouse.migrations import migrate
    from ingestion.text import printable

    url = warehouse_url(start=True)
    migrate(url)
    try:
        rows = reconcile(url, Path(args.file))
    except ReconcileError as exc:
        print(printable(str(exc)), file=sys.stderr)
        return 2
    print(format_table(rows))
    print(format_merged(merged(url)))
    problems = failures(rows, Decimal(args.tolerance))
    for p in problems:
        print(f"MISMATCH {p}", file=sys.stderr)
    return 1 if problems else 0


def cmd_dq_docs(args: argparse.Namespace) -> int:
    from dti.quality.data_docs import build_docs
    from dti.warehouse.connection import warehouse_url

    index = build_docs(warehouse_url(), Path(args.out) if args.out else None, args.limit)
    print(f"Data Docs: {index}")
    return 0
