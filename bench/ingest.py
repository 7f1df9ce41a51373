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

A rows-dominated case follows: one document-log CSV of each size in ``--rows``
(default 1,000,000 and 5,000,000), `dti ingest` (whole command, a fresh database each
time) against `psql \\copy` of the same received file into an all-text table on the
same server, CHECKPOINT before each, in pairs (psql, dti, psql, dti, ...); at the
smallest size also the same rows with every cell quoted, as many exporters write them
(psql's copy reads the quotes too), and the same rows with 45% of them failing a row
rule (a direction or a received time no agency writes), as a broken export delivers
them: those rows go to quarantine, and the load's memory should not grow with them.
The same
run times one `dti ingest` of the six demo public-service reports against one of a
single report: the cost of each extra small file once the command has started.

    .venv/bin/python bench/ingest.py [--scale S] [--repeats R] [--rows N,N] [--pairs P]

Ends with machine-readable lines: one per source,
source=<name> copy_ratio=<dti rows/s / psql rows/s> memory_ratio=<RSS at S / RSS at 1>,
then copy_ratio_1m= and copy_ratio_5m= (psql / whole command), copy_ratio_1m_quoted=
(every cell quoted), warm_ratio= (psql / what the ledger timed inside the load: land +
validate + publish, at the largest size), warm_ratio_quoted= (the quoted file),
file_overhead_s=, memory_ratio= (peak RSS at the largest size / the smallest) and
memory_ratio_failing= (peak RSS of the file with 45% failing rows / the clean one).
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
from common import checkpoint, fresh_database, median, server, table, write_document_log

from dti.samples.generate import generate
from ingestion.sources import SOURCES, get_source

DTI = str(Path(sys.executable).with_name("dti"))


def run_measured(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one command; fails loudly if it fails."""
    # stderr into a file, not a pipe: a command that warns a lot would fill the pipe
    # and wait on it for ever.
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        if os.waitstatus_to_exitcode(status) != 0:
            err.seek(0)
            raise SystemExit(f"{' '.join(cmd[:3])} failed: {err.read().decode()[-2000:]}")
    return elapsed, usage.ru_maxrss / 1024


PHASES = ("land_s", "validate_s", "publish_s")


def dti_ingest(url: str, source: str, files: list[Path]
               ) -> tuple[float, float, int, float, list[float]]:
    """Wall seconds, peak RSS, rows loaded, the seconds the ledger timed inside the
    loads (land + validate + publish: the command less start-up and imports), and
    those three phases apart."""
    env = {**os.environ, "DTI_WAREHOUSE_URL": url}
    checkpoint(url)
    seconds, rss = run_measured([DTI, "ingest", source, *map(str, files)], env)
    with psycopg.connect(url) as conn:
        rows, *phases = conn.execute(
            "select sum(rows_loaded), "
            + ", ".join(f"sum((timings ->> '{p}')::float)" for p in PHASES)
            + " from meta.batches where source = %s", (source,)).fetchone()
    return seconds, rss, int(rows), float(sum(phases)), [float(p) for p in phases]


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
                # raw is partitioned by batch: COPY reads a partitioned table through a query.
                f"copy (select * from raw.{raw_table}) to stdout with (format csv)") as copy:
            for chunk in copy:
                fh.write(chunk)
    checkpoint(url)
    psql = shutil.which("psql") or "psql"
    seconds, _ = run_measured(
        [psql, url, "-q", "-v", "ON_ERROR_STOP=1", "-c",
         f"\\copy public.copy_{raw_table} from '{csv_path}' with (format csv)"], dict(os.environ))
    return seconds


def psql_copy_received(url: str, path: Path) -> float:
    """psql's \\copy of the received CSV, header and all, into an all-text table."""
    with path.open(encoding="utf-8-sig") as fh:  # the header line only
        header = fh.readline().strip().split(",")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("drop table if exists public.received")
        conn.execute("create table public.received ("
                     + ", ".join(f"c{i} text" for i in range(len(header))) + ")")
    checkpoint(url)
    psql = shutil.which("psql") or "psql"
    seconds, _ = run_measured(
        [psql, url, "-q", "-v", "ON_ERROR_STOP=1", "-c",
         f"\\copy public.received from '{path}' with (format csv, header true)"],
        dict(os.environ))
    return seconds


def quote_every_cell(plain: Path, quoted: Path) -> None:
    """The same export as exporters that quote every cell write it."""
    with plain.open(encoding="utf-8-sig", newline="") as src, \
            quoted.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_ALL)
        writer.writerows(csv.reader(src))


def break_rows(plain: Path, broken: Path) -> None:
    """The same export with 9 rows in 20 failing a row rule: an unknown direction or
    a received time that does not exist, in turn."""
    with plain.open(encoding="utf-8-sig", newline="") as src, \
            broken.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out, lineterminator="\r\n")
        for i, row in enumerate(csv.reader(src)):
            if i and i % 20 < 9:
                if i % 2:
                    row[2] = "Khác"
                else:
                    row[6] = "31/02/2025 10:00"
            writer.writerow(row)


def paired(wh, path: Path, name: str, pairs: int) -> list[float]:
    """Medians of paired runs on one file: psql's copy, dti whole, dti inside, dti RSS,
    then dti's land, validate and publish."""
    psql_runs, dti_runs = [], []
    for i in range(pairs):
        url = fresh_database(wh, f"bench_rows_{name}_{i}")
        psql_runs.append(psql_copy_received(url, path))
        url = fresh_database(wh, f"bench_rows_{name}_{i}")
        seconds, rss, _, inside, phases = dti_ingest(url, "document_logs", [path])
        dti_runs.append((seconds, inside, rss, *phases))
    return [median(psql_runs), *(median([r[k] for r in dti_runs]) for k in range(6))]


def rows_case(wh, work: Path, sizes: list[int], pairs: int) -> tuple[list, dict[str, dict]]:
    """Paired runs per size, and at the smallest size the same rows every cell quoted."""
    rows_out, figures = [], {}
    for n in sizes:
        path = work / f"documents_{n}.csv"
        written = write_document_log(path, n)
        cases = [(str(n), "plain", path)]
        if n == min(sizes):
            quote_every_cell(path, work / f"documents_{n}_quoted.csv")
            cases.append((f"{n}_quoted", "every cell quoted", work / f"documents_{n}_quoted.csv"))
            break_rows(path, work / f"documents_{n}_failing.csv")
            cases.append((f"{n}_failing", "45% of rows failing",
                          work / f"documents_{n}_failing.csv"))
        for name, form, case in cases:
            psql_s, dti_s, inside, rss, *phases = paired(wh, case, name, pairs)
            figures[name] = {"copy_ratio": psql_s / dti_s, "warm_ratio": psql_s / inside,
                             "rss": rss}
            rows_out.append([written, form, f"{case.stat().st_size / 1e6:.0f}", psql_s, dti_s,
                             inside, *phases, psql_s / dti_s, psql_s / inside, rss])
            case.unlink()
    return rows_out, figures


def file_overhead(wh, files: list[Path], pairs: int) -> float:
    """(one command over every file - one over the first) / the extra files."""
    one, many = [], []
    for i in range(pairs):
        one.append(dti_ingest(fresh_database(wh, f"bench_files_1_{i}"), "public_services",
                              files[:1])[0])
        many.append(dti_ingest(fresh_database(wh, f"bench_files_n_{i}"), "public_services",
                               files)[0])
    return (median(many) - median(one)) / (len(files) - 1)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=int, default=10)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--rows", default="1000000,5000000",
                    help="document-log file sizes of the rows-dominated case ('' skips it)")
    ap.add_argument("--pairs", type=int, default=3)
    ap.add_argument("--sources", default=",".join(SOURCES),
                    help="sources of the per-source case ('' skips it)")
    args = ap.parse_args()
    sizes = [int(n) for n in args.rows.split(",") if n]

    work = Path(tempfile.mkdtemp(prefix="dti-bench-ingest-"))
    exports = {s: generate(work / f"scale{s}", seed=11, scale=s).files for s in (1, args.scale)}
    gx_import_s = gx_import_seconds(args.repeats)
    wh = server()
    results, lines = [], []
    try:
        for source in [s for s in args.sources.split(",") if s]:
            raw_table = get_source(source).config.raw_table.split(".")[-1]
            runs = []
            for i in range(args.repeats):
                url = fresh_database(wh, f"bench_ingest_{source}_{i}")
                seconds, rss, rows, inside, _ = dti_ingest(url, source,
                                                           exports[args.scale][source])
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
        if sizes:
            rows_table, figures = rows_case(wh, work, sizes, args.pairs)
            overhead = file_overhead(wh, exports[1]["public_services"], args.pairs)
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
    if not sizes:
        return
    print(f"\nrows-dominated: one document-log CSV, medians of {args.pairs} pairs; psql_s "
          "copies the received file into an all-text table; in_loads_s is land + validate "
          "+ publish from the ledger")
    print(table(["rows", "cells", "MB", "psql_s", "dti_s", "in_loads_s", *PHASES,
                 "copy_ratio", "warm_ratio", "rss_MB"], rows_table))
    named = {1_000_000: "1m", 5_000_000: "5m"}
    for n in sizes:
        print(f"copy_ratio_{named.get(n, n)}={figures[str(n)]['copy_ratio']:.3f}")
    quoted = figures[f"{min(sizes)}_quoted"]
    print(f"copy_ratio_{named.get(min(sizes), min(sizes))}_quoted={quoted['copy_ratio']:.3f}")
    print(f"warm_ratio={figures[str(max(sizes))]['warm_ratio']:.3f}")
    print(f"warm_ratio_quoted={quoted['warm_ratio']:.3f}")
    print(f"file_overhead_s={overhead:.3f}")
    print(f"memory_ratio={figures[str(max(sizes))]['rss'] / figures[str(min(sizes))]['rss']:.3f}")
    failing = figures[f"{min(sizes)}_failing"]['rss'] / figures[str(min(sizes))]['rss']
    print(f"memory_ratio_failing={failing:.3f}")


if __name__ == "__main__":
    main()
