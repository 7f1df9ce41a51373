"""`dti ingest` throughput against a plain `psql \\copy`, and its memory, per source.

For each source, the sample exports of `dti generate --scale 10` are loaded by the
`dti ingest` command (one process per source: parse, land, validate with Great
Expectations, publish, ledger) into a fresh database. The baseline copies the same
rows, as a canonical CSV dumped from the raw table, into a table of the same shape
with `psql \\copy` on the same server. Both are wall-clock times of a whole command,
medians of R repeats. Peak memory is the `dti ingest` process's maximum RSS at
scale 1 and at scale 10.

The same run also times `import great_expectations` alone in a fresh interpreter:
every `dti ingest` pays it before its first validation, so `psql_s / gx_import_s`
is the ratio `dti ingest` could reach if everything else it does took no time
(printed as `ceiling`).

    .venv/bin/python bench/ingest.py [--scale S] [--repeats R]

Ends with one machine-readable line per source:
source=<name> copy_ratio=<dti rows/s / psql rows/s> memory_ratio=<RSS at S / RSS at 1>
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
from common import checkpoint, fresh_database, median, server, table

from dti.samples.generate import generate
from ingestion.sources import SOURCES, get_source

DTI = str(Path(sys.executable).with_name("dti"))


def run_measured(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one command; fails loudly if it fails."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(cmd[:3])} failed: {proc.stderr.read().decode()[-2000:]}")
    return elapsed, usage.ru_maxrss / 1024


def dti_ingest(url: str, source: str, files: list[Path]) -> tuple[float, float, int, float]:
    """Wall seconds, peak RSS, rows loaded, and the seconds the ledger timed inside
    the loads (land + validate + publish: the command less start-up and imports)."""
    env = {**os.environ, "DTI_WAREHOUSE_URL": url}
    checkpoint(url)
    seconds, rss = run_measured([DTI, "ingest", source, *map(str, files)], env)
    with psycopg.connect(url) as conn:
        rows, inside = conn.execute(
            "select sum(rows_loaded), sum((timings ->> 'land_s')::float "
            "+ (timings ->> 'validate_s')::float + (timings ->> 'publish_s')::float) "
            "from meta.batches where source = %s", (source,)).fetchone()
    return seconds, rss, int(rows), float(inside)


def gx_import_seconds(repeats: int) -> float:
    """Median wall time of a fresh interpreter importing Great Expectations."""
    return median([run_measured([sys.executable, "-c", "import great_expectations"],
                                dict(os.environ))[0] for _ in range(repeats)])


def psql_copy(url: str, raw_table: str, work: Path) -> float:
    """Dump the loaded rows as a canonical CSV, then time psql's \\copy of it."""
    csv_path = work / f"{raw_table}.csv"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"drop table if exists public.copy_{raw_table}")
        conn.execute(f"create table public.copy_{raw_table} (like raw.{raw_table})")
        with csv_path.open("wb") as fh, conn.cursor().copy(
                f"copy raw.{raw_table} to stdout with (format csv)") as copy:
            for chunk in copy:
                fh.write(chunk)
    checkpoint(url)
    psql = shutil.which("psql") or "psql"
    seconds, _ = run_measured(
        [psql, url, "-q", "-v", "ON_ERROR_STOP=1", "-c",
         f"\\copy public.copy_{raw_table} from '{csv_path}' with (format csv)"], dict(os.environ))
    return seconds


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=int, default=10)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="dti-bench-ingest-"))
    exports = {s: generate(work / f"scale{s}", seed=11, scale=s).files for s in (1, args.scale)}
    gx_import_s = gx_import_seconds(args.repeats)
    wh = server()
    results, lines = [], []
    try:
        for source in SOURCES:
            raw_table = get_source(source).config.raw_table.split(".")[-1]
            runs = []
            for i in range(args.repeats):
                url = fresh_database(wh, f"bench_ingest_{source}_{i}")
                seconds, rss, rows, inside = dti_ingest(url, source, exports[args.scale][source])
                runs.append((seconds, rss, rows, psql_copy(url, raw_table, work), inside))
            small_rss = median([dti_ingest(fresh_database(wh, f"bench_ingest_{source}_s1_{i}"),
                                           source, exports[1][source])[1]
                                for i in range(args.repeats)])
            dti_s, rss = median([r[0] for r in runs]), median([r[1] for r in runs])
            rows, copy_s = runs[0][2], median([r[3] for r in runs])
            inside = median([r[4] for r in runs])
            copy_ratio = (rows / dti_s) / (rows / copy_s)
            results.append([source, len(exports[args.scale][source]), rows, dti_s, inside,
                            rows / dti_s, copy_s, rows / copy_s, copy_ratio,
                            copy_s / gx_import_s, small_rss, rss, rss / small_rss])
            lines.append(f"source={source} copy_ratio={copy_ratio:.3f} "
                         f"memory_ratio={rss / small_rss:.3f}")
    finally:
        wh.destroy()
        shutil.rmtree(work, ignore_errors=True)
    print(f"scale {args.scale}, medians of {args.repeats} runs; dti_s and psql_s are wall times "
          "of whole commands, in_loads_s what the ledger timed inside dti's loads; "
          f"`import great_expectations` alone took {gx_import_s:.2f}s (ceiling = psql_s / that)")
    print(table(["source", "files", "rows", "dti_s", "in_loads_s", "dti_rows/s", "psql_s",
                 "psql_rows/s", "copy_ratio", "ceiling", "rss_1_MB", f"rss_{args.scale}_MB",
                 "memory_ratio"], results))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
