"""``dti``: the command line of the DTI warehouse."""

from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

from ingestion.paths import state_dir
from ingestion.sources import SOURCES
from ingestion.text import printable


def _cmd_warehouse(args: argparse.Namespace) -> int:
    from ingestion.warehouse import EmbeddedWarehouse, configured_url, mask_url, warehouse_url

    if args.action == "psql":
        # The password goes to psql in its environment, never on a screen or command line.
        from urllib.parse import unquote, urlsplit

        url = warehouse_url()
        env = {**os.environ, "PGPASSWORD": unquote(urlsplit(url).password or "")}
        return subprocess.call(["psql", mask_url(url, mask=""), *args.extra],
                               env=env)
    external = configured_url()
    if external:
        if args.action == "url":
            print(mask_url(external))
        else:
            print(f"DTI_WAREHOUSE_URL is set ({mask_url(external)}): that server is the "
                  f"warehouse; nothing to {args.action}.")
        return 0
    wh = EmbeddedWarehouse.default()
    if args.action == "start":
        print(mask_url(wh.start()))
    elif args.action == "stop":
        print("stopped" if wh.stop() else "not running")
    elif args.action == "status":
        running = wh.is_running()
        print(f"running at {mask_url(wh.url())} (data in {wh.data_dir}; password in "
              f"{wh.password_file})" if running else "not running")
        return 0 if running else 3
    elif args.action == "url":
        print(mask_url(wh.url()))
    return 0


def _cmd_bi_user(args: argparse.Namespace) -> int:
    from ingestion.roles import create_bi_login
    from ingestion.warehouse import warehouse_url

    path = create_bi_login(warehouse_url(start=True), args.name,
                           Path(args.password_file) if args.password_file else None)
    print(f"BI login {args.name}: member of bi_reader only; password in {path} (mode 0600)")
    return 0


def _cmd_migrate(args: argparse.Namespace) -> int:
    from ingestion.migrate import migrate
    from ingestion.warehouse import warehouse_url

    applied = migrate(warehouse_url(start=True))
    for m in applied:
        print(f"applied {m.version:04d}_{m.name}")
    if not applied:
        print("warehouse is up to date")
    return 0


def _cmd_generate(args: argparse.Namespace) -> int:
    from ingestion.generate import generate

    exports = generate(Path(args.out), seed=args.seed, scale=args.scale,
                       defect_rate=args.defects)
    for source, paths in exports.files.items():
        print(f"{source}: {len(paths)} files in {Path(args.out) / source}, "
              f"{exports.defects[source]} records with an injected defect")
    return 0


def _cmd_ingest(args: argparse.Namespace) -> int:
    from ingestion.load import BatchRejected, LoadFailed, ingest_file

    status = 0
    for path in args.paths:
        try:
            r = ingest_file(args.source, path)
        except BatchRejected as exc:
            print(f"REJECTED {exc.line}", file=sys.stderr)
            status = 1
            continue
        except LoadFailed as exc:
            print(f"FAILED {exc} (the file stays; run again)", file=sys.stderr)
            if args.debug:
                raise
            status = 1
            continue
        lines = (f"; lines {r.lines_read}: loaded {r.lines_loaded}, quarantined "
                 f"{r.lines_quarantined}, excluded {r.lines_excluded}"
                 if r.lines_read is not None and r.status == "loaded" else "")
        print(printable(
            f"{r.source_file}: batch {r.batch_id} {r.status}; read {r.rows_read}, "
            f"loaded {r.rows_loaded}, quarantined {r.rows_quarantined}"
            + (f", excluded {r.rows_excluded}" if r.rows_excluded else "") + lines
            + (f" (same file as batch {r.duplicate_of})" if r.duplicate_of else "")))
    return status


def _cmd_pull(args: argparse.Namespace) -> int:
    from ingestion.inbox import data_root, inbox_dir
    from ingestion.portal_api import PortalClient, PortalError, pull_public_services

    url = args.url or os.environ.get("DTI_PORTAL_URL")
    if not url:
        print("give --url or set DTI_PORTAL_URL", file=sys.stderr)
        return 2
    client = PortalClient(url.rstrip("/"), args.token or os.environ.get("DTI_PORTAL_TOKEN", ""))
    try:
        path = pull_public_services(client, args.period, inbox_dir("public_services"),
                                    data_root() / "pulls")
    except PortalError as exc:
        print(f"pull failed: {exc} (run again to resume)", file=sys.stderr)
        return 1
    print(path)
    return 0


def _cmd_reconcile(args: argparse.Namespace) -> int:
    from decimal import Decimal

    from ingestion.migrate import migrate
    from ingestion.reconcile import ReconcileError, failures, format_table, reconcile
    from ingestion.warehouse import warehouse_url

    url = warehouse_url(start=True)
    migrate(url)
    try:
        rows = reconcile(url, Path(args.file))
    except ReconcileError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    print(format_table(rows))
    problems = failures(rows, Decimal(args.tolerance))
    for p in problems:
        print(f"MISMATCH {p}", file=sys.stderr)
    return 1 if problems else 0


def _cmd_dq_docs(args: argparse.Namespace) -> int:
    from ingestion.dq_docs import build_docs
    from ingestion.warehouse import warehouse_url

    index = build_docs(warehouse_url(), Path(args.out) if args.out else None, args.limit)
    print(f"Data Docs: {index}")
    return 0


def _cmd_transform(args: argparse.Namespace) -> int:
    from ingestion.dbt import run_dbt
    from ingestion.warehouse import warehouse_url

    return run_dbt(["build", *args.dbt_args], warehouse_url(), check=False)


def _cmd_manifest(args: argparse.Namespace) -> int:
    from ingestion.dbt import build_manifest

    print(build_manifest())
    return 0


def _print_scores(url: str, period: date | None) -> int:
    import psycopg

    from ingestion.score import format_progress_table, latest_period, progress_scores

    with psycopg.connect(url) as conn:
        period = period or latest_period(conn)
        if period is None:
            print("no scores yet: ingest some exports and run `dti transform`", file=sys.stderr)
            return 1
        print(format_progress_table(period, progress_scores(conn, period)))
    return 0


def _print_dti(url: str, methodology: str, year: int | None, mode: str = "official",
               fmt: str = "table", out: str | None = None) -> int:
    import psycopg

    from ingestion import dti_report

    with psycopg.connect(url) as conn:
        year = year or dti_report.latest_year(conn, methodology)
        if year is None:
            print(f"no {methodology} scores yet: run `dti transform`", file=sys.stderr)
            return 1
        table = dti_report.load_table(conn, methodology, year, mode)
    if not table.rows:
        print(f"no {methodology} scores for {year}", file=sys.stderr)
        return 1
    if fmt == "table":
        print(dti_report.format_text(table))
        return 0
    path = Path(out or f"dti_{methodology}_{year}_{mode}.{fmt}")
    (dti_report.write_csv if fmt == "csv" else dti_report.write_xlsx)(table, path)
    print(path)
    return 0


def _cmd_score(args: argparse.Namespace) -> int:
    from ingestion.warehouse import warehouse_url

    if args.methodology:
        return _print_dti(warehouse_url(), args.methodology,
                          int(args.period[:4]) if args.period else None, args.mode,
                          args.format, args.out)
    period = date.fromisoformat(args.period + "-01") if args.period else None
    return _print_scores(warehouse_url(), period)


def _cmd_demo(args: argparse.Namespace) -> int:
    """The main job on the embedded default, through the real DAGs."""
    from ingestion.airflow_runtime import configure, run_dag
    from ingestion.dbt import build_manifest
    from ingestion.generate import generate
    from ingestion.migrate import migrate
    from ingestion.warehouse import configured_url, mask_url, warehouse_url

    external = configured_url() is not None
    url = warehouse_url(start=True)
    print(f"warehouse: {mask_url(url)}")
    migrate(url)
    data_root = state_dir() / "demo" / "data"
    files = generate(data_root / "inbox", seed=args.seed).files
    print("sample exports in " + str(data_root / "inbox") + ": " + ", ".join(
        f"{len(paths)} {source}" for source, paths in files.items()))
    build_manifest()
    configure(url)
    for source in SOURCES:
        print(f"running DAG ingest_{source} ...")
        run_dag(f"ingest_{source}", {"data_root": str(data_root)})
    print("running DAG transform_and_score ...")
    run_dag("transform_and_score")
    print()
    _print_ledger(url)
    print()
    status = _print_scores(url, None)
    for methodology in ("QN-AGENCY-2025", "DTI-2025"):
        print()
        status = _print_dti(url, methodology, None) or status
    print()
    if external:
        print(f"The warehouse is {mask_url(url)} (DTI_WAREHOUSE_URL).")
    else:
        print(f"The embedded warehouse keeps running at {mask_url(url)} "
              f"(data in {state_dir() / 'pg'}).")
        print("Query it with: .venv/bin/dti warehouse psql; "
              "stop it with: .venv/bin/dti warehouse stop")
    return status


def _print_ledger(url: str) -> None:
    import psycopg

    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "select source, status, count(*), sum(rows_read), sum(rows_loaded), "
            "sum(rows_quarantined), sum(rows_excluded) from meta.batches "
            "group by source, status order by source, status"
        ).fetchall()
    print("batch ledger:")
    for source, status, n, read, loaded, q, excluded in rows:
        print(f"  {source:<16} {status:<10} {n:>3} files {read:>7} rows read {loaded:>7} loaded "
              f"{q:>5} quarantined {excluded:>5} excluded")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="dti", description=__doc__)
    p.add_argument("-v", "--verbose", action="store_true")
    p.add_argument("--debug", action="store_true",
                   help="show tracebacks (also DTI_DEBUG=1)")
    sub = p.add_subparsers(dest="command", required=True)

    w = sub.add_parser("warehouse", help="the embedded PostgreSQL of this checkout")
    w.add_argument("action", choices=["start", "stop", "status", "url", "psql"],
                   help="url prints it with the password masked; psql opens a session")
    w.add_argument("extra", nargs=argparse.REMAINDER, help="arguments for psql")
    w.set_defaults(func=_cmd_warehouse)

    b = sub.add_parser("bi-user", help="create a BI login (bi_reader and nothing more) "
                                       "or give it a new password")
    b.add_argument("name")
    b.add_argument("--password-file", help="where to write the password (default "
                                           ".dti/secrets/bi_<name>.password)")
    b.set_defaults(func=_cmd_bi_user)

    sub.add_parser("migrate", help="apply warehouse/ migrations").set_defaults(func=_cmd_migrate)

    g = sub.add_parser("generate", help="write sample agency exports")
    g.add_argument("--out", required=True)
    g.add_argument("--seed", type=int, default=7)
    g.add_argument("--scale", type=int, default=1,
                   help="volume multiplier: 1 is the demo, 10 and 100 feed benchmarks")
    g.add_argument("--defects", type=float, default=0.0,
                   help="share of records given a defect validation must quarantine")
    g.set_defaults(func=_cmd_generate)

    i = sub.add_parser("ingest", help="load agency export files")
    i.add_argument("source", choices=sorted(SOURCES))
    i.add_argument("paths", nargs="+")
    i.set_defaults(func=_cmd_ingest)

    pl = sub.add_parser("pull", help="pull a month from the public-service portal API")
    pl.add_argument("source", choices=["public_services"])
    pl.add_argument("--period", required=True, help="YYYY-MM")
    pl.add_argument("--url", help="portal base URL (default DTI_PORTAL_URL)")
    pl.add_argument("--token", help="API token (default DTI_PORTAL_TOKEN)")
    pl.set_defaults(func=_cmd_pull)

    rc = sub.add_parser("reconcile", help="recompute published DTI results, show differences")
    rc.add_argument("file", help="CSV: province,year,methodology,<8 main-index values>,"
                                 "published_dti,published_rank")
    rc.add_argument("--tolerance", default="0.0001", help="largest accepted DTI difference")
    rc.set_defaults(func=_cmd_reconcile)

    dq = sub.add_parser("dq", help="data quality").add_subparsers(dest="dq", required=True)
    docs = dq.add_parser("docs", help="build Great Expectations Data Docs (static HTML)")
    docs.add_argument("--out", help="folder; default .dti/data_docs")
    docs.add_argument("--limit", type=int, default=200, help="latest validation runs to show")
    docs.set_defaults(func=_cmd_dq_docs)

    t = sub.add_parser("transform", help="dbt build (extra arguments go to dbt)")
    t.add_argument("dbt_args", nargs=argparse.REMAINDER)
    t.set_defaults(func=_cmd_transform)

    sub.add_parser("manifest", help="build dbt_project/target/manifest.json for Cosmos"
                   ).set_defaults(func=_cmd_manifest)

    s = sub.add_parser("score", help="print the DTI ranking (--methodology) or the 766 table")
    s.add_argument("--methodology", help="DTI methodology id, e.g. DTI-2025 or QN-AGENCY-2025")
    s.add_argument("--period", help="YYYY (DTI) or YYYY-MM (766); default the latest")
    s.add_argument("--mode", choices=["official", "analysis"], default="official",
                   help="missing components: scored 0 (official) or imputed (analysis)")
    s.add_argument("--format", choices=["table", "csv", "xlsx"], default="table")
    s.add_argument("--out", help="file to write for csv/xlsx")
    s.set_defaults(func=_cmd_score)

    d = sub.add_parser("demo", help="the whole pipeline on sample data, through the DAGs")
    d.add_argument("--seed", type=int, default=7)
    d.set_defaults(func=_cmd_demo)
    return p


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["transform"]:
        # Everything after `transform` is dbt's, options included.
        return _cmd_transform(argparse.Namespace(dbt_args=argv[1:]))
    args = build_parser().parse_args(argv)
    args.debug = args.debug or os.environ.get("DTI_DEBUG", "") not in ("", "0")
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    if not args.verbose:
        # psycopg warns again about a COPY it could not finish on a lost connection;
        # the one FAILED line already says so.
        logging.getLogger("psycopg").setLevel(logging.ERROR)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        # One line for people; the traceback is for developers (--debug, DTI_DEBUG=1).
        if args.debug:
            raise
        text = (str(exc).strip().splitlines() or [""])[0]
        print(printable(f"error: {type(exc).__name__}: {text}") + " (--debug shows the "
              "traceback)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
