"""``dti``: the command line of the DTI warehouse (one module per group of commands)."""

from __future__ import annotations

import argparse
import logging
import os
import re
import sys

from dti.cli.airflow import cmd_airflow
from dti.cli.demo import cmd_demo
from dti.cli.ingest import cmd_generate, cmd_ingest, cmd_pull
from dti.cli.scores import (
    cmd_dq_docs,
    cmd_explain,
    cmd_manifest,
    cmd_reconcile,
    cmd_report,
    cmd_score,
    cmd_transform,
)
from dti.cli.warehouse import cmd_bi_user, cmd_migrate, cmd_warehouse
from dti.settings import SettingError
from ingestion.sources import SOURCES
from ingestion.text import is_month, printable


def _year(text: str) -> int:
    if not re.fullmatch(r"(19|20)[0-9]{2}", text):
        raise argparse.ArgumentTypeError(f"{text!r} is not a year (YYYY)")
    return int(text)


def _year_or_month(text: str) -> str:
    if not re.fullmatch(r"(19|20)[0-9]{2}(-(0[1-9]|1[0-2]))?", text):
        raise argparse.ArgumentTypeError(f"{text!r} is not a year (YYYY) or a month (YYYY-MM)")
    return text


def _month(text: str) -> str:
    if not is_month(text):
        raise argparse.ArgumentTypeError(f"{text!r} is not a month (YYYY-MM)")
    return text


def _scale(text: str) -> int:
    if not re.fullmatch(r"[1-9][0-9]{0,5}", text):
        raise argparse.ArgumentTypeError(f"{text!r} is not a scale (a whole number, 1 or more)")
    return int(text)


def _share(text: str) -> float:
    try:
        share = float(text)
    except ValueError:
        share = -1.0
    if not 0.0 <= share <= 1.0:  # also refuses nan
        raise argparse.ArgumentTypeError(f"{text!r} is not a share between 0 and 1")
    return share


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
    w.set_defaults(func=cmd_warehouse)

    b = sub.add_parser("bi-user", help="create a BI login (bi_reader and nothing more) "
                                       "or give it a new password")
    b.add_argument("name")
    b.add_argument("--password-file", help="where to write the password (default "
                                           ".dti/secrets/bi_<name>.password)")
    b.add_argument("--password-env", metavar="VAR",
                   help="take the password from this environment variable (e.g. BI_PASSWORD "
                        "of a deployment's .env) instead of generating one")
    b.set_defaults(func=cmd_bi_user)

    sub.add_parser("migrate", help="apply warehouse/ migrations").set_defaults(func=cmd_migrate)

    g = sub.add_parser("generate", help="write sample agency exports")
    g.add_argument("--out", required=True)
    g.add_argument("--seed", type=int, default=7)
    g.add_argument("--scale", type=_scale, default=1,
                   help="volume multiplier: 1 is the demo, 10 and 100 feed benchmarks")
    g.add_argument("--defects", type=_share, default=0.0,
                   help="share of records given a defect validation must quarantine")
    g.set_defaults(func=cmd_generate)

    i = sub.add_parser("ingest", help="load agency export files")
    i.add_argument("source", choices=sorted(SOURCES))
    i.add_argument("paths", nargs="+")
    i.add_argument("--reload", action="store_true",
                   help="load a file the ledger has loaded before (without it, skipped): "
                        "to bring back a version a later file replaced, which it replaces")
    i.set_defaults(func=cmd_ingest)

    pl = sub.add_parser("pull", help="pull a source's exports from its connections "
                                     "(SFTP, Wazuh indexer, e-office, portal) into the inbox")
    pl.add_argument("source", choices=sorted(SOURCES))
    pl.add_argument("--month", type=_month,
                    help="YYYY-MM: take that month again (a backfill)")
    pl.add_argument("--period", type=_month,
                    help="YYYY-MM: the portal month (with --url; else as --month)")
    pl.add_argument("--url", help="portal base URL: pull one month from it directly "
                                  "(default DTI_PORTAL_URL)")
    pl.add_argument("--token", help="portal API token (default DTI_PORTAL_TOKEN)")
    pl.set_defaults(func=cmd_pull)

    rc = sub.add_parser("reconcile", help="recompute published DTI results, show differences")
    rc.add_argument("file", help="CSV: province,year,methodology,<8 main-index values>,"
                                 "published_dti,published_rank")
    rc.add_argument("--tolerance", default="0.0001", help="largest accepted DTI difference")
    rc.set_defaults(func=cmd_reconcile)

    dq = sub.add_parser("dq", help="data quality").add_subparsers(dest="dq", required=True)
    docs = dq.add_parser("docs", help="build Great Expectations Data Docs (static HTML)")
    docs.add_argument("--out", help="folder; default .dti/data_docs")
    docs.add_argument("--limit", type=int, default=200, help="latest validation runs to show")
    docs.set_defaults(func=cmd_dq_docs)

    t = sub.add_parser("transform", help="dbt build (extra arguments go to dbt)")
    t.add_argument("dbt_args", nargs=argparse.REMAINDER)
    t.set_defaults(func=cmd_transform)

    sub.add_parser("manifest", help="build dbt_project/target/manifest.json for Cosmos"
                   ).set_defaults(func=cmd_manifest)

    s = sub.add_parser("score", help="print the DTI ranking (--methodology) or the 766 table")
    s.add_argument("--methodology",
                   help="DTI methodology id, e.g. DTI-2022, DTI-PENDING or QN-AGENCY-2025")
    s.add_argument("--period", type=_year_or_month,
                   help="YYYY (DTI) or YYYY-MM (766); default the latest")
    s.add_argument("--mode", choices=["official", "analysis"], default="official",
                   help="missing components: scored 0 (official) or imputed (analysis)")
    s.add_argument("--format", choices=["table", "csv", "xlsx"], default="table")
    s.add_argument("--out", help="file to write for csv/xlsx")
    s.set_defaults(func=cmd_score)

    rp = sub.add_parser("report", help="write the report site (rankings, a page per unit, "
                        "the 766 index, data quality) from the marts")
    rp.add_argument("--out", help="folder; default DTI_REPORT_DIR or .dti/report")
    rp.set_defaults(func=cmd_report)

    ex = sub.add_parser("explain", help="one component score of one unit: points, formula "
                        "with its numbers, and the files behind it")
    ex.add_argument("unit", help="agency or province code, e.g. 000.00.04.H49")
    ex.add_argument("component", help="component code, e.g. qn_dvc_on_time")
    ex.add_argument("--year", type=_year, help="assessment year; default the latest scored")
    ex.add_argument("--mode", choices=["official", "analysis"], default="official")
    ex.set_defaults(func=cmd_explain)

    af = sub.add_parser("airflow", help="the real Airflow services of this checkout, natively "
                        "(LocalExecutor, UI on 127.0.0.1)")
    af.add_argument("action", choices=["up", "down", "status", "init", "service"],
                    help="up, down, status: the services of this checkout; init (migrate "
                    "Airflow's database, make the heavy pool) and service COMMAND (one "
                    "Airflow command, e.g. scheduler, sized to the machine): what each "
                    "compose service runs")
    af.add_argument("airflow_args", nargs=argparse.REMAINDER, metavar="COMMAND",
                    help="service: the Airflow command and its arguments")
    af.set_defaults(func=cmd_airflow)

    d = sub.add_parser("demo", help="the whole pipeline on sample data, through the DAGs")
    d.add_argument("--seed", type=int, default=7)
    d.set_defaults(func=cmd_demo)
    return p


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["transform"]:
        # Everything after `transform` is dbt's, options included.
        args = argparse.Namespace(func=cmd_transform, dbt_args=argv[1:], debug=False,
                                  verbose=False)
    else:
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
    except SettingError as exc:
        print(printable(f"error: {exc}"), file=sys.stderr)
        return 2
    except OSError as exc:
        # A file or folder the command was told to write or read: name it, once.
        if args.debug:
            raise
        where = f"{exc.filename}: " if exc.filename else ""
        print(printable(f"error: {where}{exc.strerror or exc}"), file=sys.stderr)
        return 2
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
