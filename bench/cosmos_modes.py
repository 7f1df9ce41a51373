"""The same `transform_and_score` DAG with its dbt group in Cosmos's watcher mode (the
default: one `dbt build`, a task per model and seed reporting it) and in Cosmos's local
mode (`DTI_DBT_EXECUTION=local`: a task per model and seed running dbt for it, and a
task per model's tests), in-process (`dag.test()`, as the demo and the DAG tests run
it).

The demo's exports (seed 7) are loaded into a fresh embedded warehouse, one watcher run
builds the marts first (not counted), then the two modes alternate, each run in a fresh
interpreter.

    .venv/bin/python bench/cosmos_modes.py [--pairs P]

Ends with local_ratio= (local mode's run / watcher mode's, medians).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import median, table


def one_run(mode: str) -> None:
    """In a child: run the DAG once, print its wall time and its tasks as JSON."""
    os.environ["DTI_DBT_EXECUTION"] = mode
    from dti.orchestration.runtime import configure, load_dag, run_dag
    from dti.warehouse.connection import warehouse_url

    configure(warehouse_url())
    tasks = len(load_dag("transform_and_score").tasks)
    clock = time.perf_counter()
    run_dag("transform_and_score")
    print(json.dumps({"mode": mode, "wall_s": time.perf_counter() - clock, "tasks": tasks}))


def setup(state: Path) -> None:
    from dti.dbt_project import build_manifest
    from dti.samples.generate import generate
    from dti.warehouse.connection import warehouse_url
    from dti.warehouse.migrations import migrate
    from ingestion.load import ingest_file

    url = warehouse_url(start=True)
    migrate(url)
    for source, paths in generate(state / "inbox", seed=7).files.items():
        for path in paths:
            ingest_file(source, path, url)
    build_manifest(url)


def child(mode: str) -> dict:
    done = subprocess.run([sys.executable, __file__, "--run", mode], env=dict(os.environ),
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{mode} run failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pairs", type=int, default=2)
    ap.add_argument("--run", choices=["watcher", "local"], help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.run:
        one_run(args.run)
        return
    state = Path(tempfile.mkdtemp(prefix="dti-bench-modes-"))
    os.environ.update({"DTI_STATE_DIR": str(state / "state"),
                       "DTI_DATA_DIR": str(state / "data")})
    os.environ.pop("DTI_WAREHOUSE_URL", None)
    from dti.warehouse.embedded import EmbeddedWarehouse

    try:
        setup(state)
        child("watcher")  # builds the marts from empty: not counted
        runs = [child(mode) for _ in range(args.pairs) for mode in ("local", "watcher")]
    finally:
        EmbeddedWarehouse.default().stop()
    rows = []
    for mode in ("watcher", "local"):
        mine = [r for r in runs if r["mode"] == mode]
        rows.append([mode, mine[0]["tasks"], median([r["wall_s"] for r in mine]),
                     " ".join(f"{r['wall_s']:.1f}" for r in mine)])
    print(table(["mode", "tasks", "median_s", "runs_s"], rows))
    print(f"local_ratio={rows[1][2] / rows[0][2]:.2f}")


if __name__ == "__main__":
    main()
