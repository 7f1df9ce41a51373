"""`dti demo`: the main job on the embedded default, through the real DAGs."""

from __future__ import annotations

import argparse

from dti.cli.scores import print_dti, print_scores
from dti.settings import report_dir, state_dir
from ingestion.sources import SOURCES


def cmd_demo(args: argparse.Namespace) -> int:
    """The main job on the embedded default, through the real DAGs."""
    from dti.dbt_project import build_manifest
    from dti.orchestration.runtime import configure, run_dag
    from dti.samples.generate import default_months, generate
    from dti.samples.self_assessment import provincial_methodology
    from dti.warehouse.connection import configured_url, mask_url, warehouse_url
    from dti.warehouse.migrations import migrate

    external = configured_url() is not None
    url = warehouse_url(start=True)
    print(f"warehouse: {mask_url(url)}")
    migrate(url)
    data_root = state_dir() / "demo" / "data"
    files = generate(data_root / "inbox", seed=args.seed).files
    print("sample exports in " + str(data_root / "inbox") + ": " + ", ".join(
        f"{len(paths)} {source}" for source, paths in files.items()))
    build_manifest(url)
    configure(url)
    for source in SOURCES:
        print(f"running DAG ingest_{source} ...")
        run_dag(f"ingest_{source}", {"data_root": str(data_root)})
    print("running DAG transform_and_score ...")
    run_dag("transform_and_score")
    print()
    print_ledger(url)
    print()
    status = print_scores(url, None)
    # The departments on the province's own set, the province on the provincial
    # methodology valid for the sample year (seed dti_methodologies).
    year = default_months()[-1].year
    for methodology in ("QN-AGENCY-2025", provincial_methodology(year)):
        print()
        status = print_dti(url, methodology, None) or status
    print(f"The report site: {report_dir() / 'index.html'} (open it in a browser; "
          "`dti report --out DIR` writes it elsewhere)")
    if external:
        print(f"The warehouse is {mask_url(url)} (DTI_WAREHOUSE_URL).")
    else:
        print(f"The embedded warehouse keeps running at {mask_url(url)} "
              f"(data in {state_dir() / 'pg'}).")
        print("Query it with: .venv/bin/dti warehouse psql; "
              "stop it with: .venv/bin/dti warehouse stop")
    return status


def print_ledger(url: str) -> None:
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
