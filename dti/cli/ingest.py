"""`dti generate`, `dti ingest`, `dti pull`: exports in."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ingestion.text import printable


def cmd_generate(args: argparse.Namespace) -> int:
    from dti.samples.generate import generate

    exports = generate(Path(args.out), seed=args.seed, scale=args.scale,
                       defect_rate=args.defects)
    for source, paths in exports.files.items():
        print(f"{source}: {len(paths)} files in {Path(args.out) / source}, "
              f"{exports.defects[source]} records with an injected defect")
    return 0


def cmd_ingest(args: argparse.Namespace) -> int:
    from dti.warehouse.connection import warehouse_url
    from dti.warehouse.migrations import pending
    from ingestion.load import BatchRejected, LoadFailed, ingest_file

    # A warehouse behind this checkout would fail every file on a missing table.
    behind = pending(warehouse_url())
    if behind:
        print("error: the warehouse lacks migrations " + ", ".join(m.path.name for m in behind)
              + ": run `dti migrate` first (no file was touched)", file=sys.stderr)
        return 2
    status = 0
    for path in args.paths:
        try:
            r = ingest_file(args.source, path, reload=args.reload)
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
            + (f" (same file as batch {r.duplicate_of}; --reload loads it again)"
               if r.duplicate_of else "")))
    return status


def cmd_pull(args: argparse.Namespace) -> int:
    """With --url: one portal month, as before connections. Otherwise every connection
    config/pulls.yaml names for the source (AIRFLOW_CONN_<ID>), as the DAG pulls."""
    if args.url or args.token or (args.period and args.source == "public_services"
                                  and os.environ.get("DTI_PORTAL_URL")):
        return _pull_portal_month(args)
    from ingestion.pulls.run import PullsFailed, pull_source

    try:
        outcomes = pull_source(args.source, month=args.month or args.period)
    except PullsFailed as exc:
        for outcome in exc.outcomes:
            print("\n".join(printable(line) for line in outcome.lines()))
        for failure in exc.failures:
            print(f"pull failed: {printable(failure)} (run again to resume)", file=sys.stderr)
        return 1
    for outcome in outcomes:
        print("\n".join(printable(line) for line in outcome.lines()))
    return 0


def _pull_portal_month(args: argparse.Namespace) -> int:
    from ingestion.inbox import data_root, inbox_dir
    from ingestion.pulls.portal import PortalClient, PortalError, pull_public_services

    url = args.url or os.environ.get("DTI_PORTAL_URL")
    if args.source != "public_services" or not url or not args.period:
        print("--url and --token pull one portal month: give public_services, --period "
              "and --url (or DTI_PORTAL_URL)", file=sys.stderr)
        return 2
    client = PortalClient.with_token(url, args.token or os.environ.get("DTI_PORTAL_TOKEN", ""))
    try:
        path = pull_public_services(client, args.period, inbox_dir("public_services"),
                                    data_root() / "pulls")
    except PortalError as exc:
        print(f"pull failed: {exc} (run again to resume)", file=sys.stderr)
        return 1
    print(path)
    return 0
