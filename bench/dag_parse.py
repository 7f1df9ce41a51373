"""Parse time of the DAG folder, per DAG file, as the dag-processor measures it.

Each round imports the folder afresh in a new process (so nothing is cached between
rounds) and reads DagBag's per-file parse durations; medians over the rounds. Goal:
under 2 s per file. The Cosmos DAG renders from the prebuilt manifest (`dti manifest`).

    .venv/bin/python bench/dag_parse.py [--rounds R]

Ends with a machine-readable line: max_parse_seconds=<slowest file's median>.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections import defaultdict

from common import median, table

from dti.dbt_project import build_manifest
from dti.orchestration.runtime import airflow_env
from dti.settings import DAGS_DIR

PROBE = """
import json
from dti.orchestration.runtime import dag_bag
bag = dag_bag()
assert not bag.import_errors, bag.import_errors
print(json.dumps({{s.file.rsplit("/", 1)[-1]: s.duration.total_seconds()
                  if hasattr(s.duration, "total_seconds") else float(s.duration)
                  for s in bag.dagbag_stats}}))
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    build_manifest()
    home = tempfile.mkdtemp(prefix="dti-parse-")
    env = {**os.environ, **airflow_env(__import__("pathlib").Path(home))}
    times: dict[str, list[float]] = defaultdict(list)
    for _ in range(args.rounds):
        out = subprocess.run([sys.executable, "-c", PROBE.format(folder=str(DAGS_DIR))],
                             env=env, capture_output=True, text=True, check=True)
        for name, seconds in json.loads(out.stdout.strip().splitlines()[-1]).items():
            times[name].append(seconds)
    rows = [[name, median(v), min(v), max(v)] for name, v in sorted(times.items())]
    print(table(["dag_file", "median_s", "min_s", "max_s"], rows))
    print(f"max_parse_seconds={max(r[1] for r in rows):.3f}")


if __name__ == "__main__":
    main()
