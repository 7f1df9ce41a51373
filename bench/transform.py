"""Incremental runs of the event facts against full refreshes, at scale.

Scale S: M months (default 12) of e-office logs for the demo province's 14
departments with 200 x S documents per department and month (S=10, M=12: about
408,000 events). Each round: a full refresh of the incremental facts; an incremental
run with nothing new (what dbt's incremental materialisation costs by itself: the
floor of any incremental run); then a late file for one old month is loaded (the month
again plus new events: 1% of a year's events, the same file size whatever the history's
length, so that a second length measures what the history alone costs), and an
incremental run. Times are the models' own execution times
from dbt's run_results.json (dbt's start-up, the same for all runs, is reported
apart), medians over the rounds.

A late file re-delivers its whole month (the loader replaces a month's partition),
so an incremental run rewrites that month: about 1/M of the fact.

    .venv/bin/python bench/transform.py [--scale S] [--months M[,M2]] [--rounds R]

Ends with machine-readable lines: incremental_ratio=<incremental / full> (at the last
history length), and with two lengths (`--months 12,36`, each on a fresh database in
the same run) incremental_growth=<incremental at M2 / incremental at M>: what a
late file costs as history grows.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from datetime import date
from pathlib import Path

from common import checkpoint, fresh_database, median, server, table

from dti.dbt_project import run_dbt
from dti.samples.documents import document_events, write_document_csv
from dti.settings import DBT_PROJECT_DIR
from ingestion.load import ingest_file

MODELS = ["fct_document_events", "fct_security_alerts"]


def model_seconds() -> dict[str, float]:
    results = json.loads((DBT_PROJECT_DIR / "target" / "run_results.json").read_text())
    return {r["unique_id"].split(".")[-1]: r["execution_time"] for r in results["results"]
            if r["unique_id"].split(".")[-1] in MODELS}


def timed_run(url: str, full: bool) -> tuple[dict[str, float], float]:
    """Each model's execution time, and the wall time of the whole dbt command."""
    checkpoint(url)
    clock = time.perf_counter()
    args = ["run", "--quiet", "-s", *MODELS] + (["--full-refresh"] if full else [])
    run_dbt(args, url)
    return model_seconds(), time.perf_counter() - clock


def measure(wh, history: int, scale: int, rounds_n: int) -> dict[str, float]:
    """One history length on a fresh database: prints its table, returns the medians."""
    work = Path(wh.root).parent
    url = fresh_database(wh, f"bench_transform_{history}")
    os.environ["DTI_WAREHOUSE_URL"] = url
    first = 2025 * 12 + 8 - history  # the history ends in August 2025
    months = [date((first + m) // 12, (first + m) % 12 + 1, 1) for m in range(history)]
    per = 200 * scale
    total = 0
    for i, month in enumerate(months):
        path = work / f"docs_{history}_{month:%Y-%m}.csv"
        total += write_document_csv(path, document_events(100 + i, [month], per))
        ingest_file("document_logs", path)
    print(f"loaded {total} document events over {len(months)} months (scale {scale})")
    run_dbt(["build", "--quiet", "--full-refresh"], url)  # everything upstream exists

    rounds, per_model = [], []
    for r in range(rounds_n):
        full_model, full_wall = timed_run(url, full=True)
        noop_model, _ = timed_run(url, full=False)
        # A corrected re-delivery of an old month: the month as first sent plus 1% of
        # a year's events (per agency: 12 months x per / 100). It replaces that month.
        index = r % (len(months) - 2)
        late = work / f"late_{history}_{r}.csv"
        extra = work / f"extra_{history}_{r}.csv"
        added = write_document_csv(extra, document_events(
            500 + r, [months[index]], max(1, 12 * per // 100)))
        original = (work / f"docs_{history}_{months[index]:%Y-%m}.csv").read_bytes()
        new_rows = extra.read_bytes().decode("utf-8-sig").split("\r\n", 1)[1]
        late.write_bytes(original + new_rows.replace("VB-", f"VBL{r}-").encode())
        ingest_file("document_logs", late)
        incr_model, incr_wall = timed_run(url, full=False)
        per_model.append((full_model, noop_model, incr_model))
        rounds.append([r + 1, added, sum(full_model.values()), sum(noop_model.values()),
                       sum(incr_model.values()), full_wall, incr_wall])
    print(f"{total} events over {history} months, scale {scale}")
    print(table(["round", "late_rows", "full_s", "noop_incremental_s", "incremental_s",
                 "full_wall_s", "incremental_wall_s"], rounds))
    full = median([x[2] for x in rounds])
    noop = median([x[3] for x in rounds])
    incr = median([x[4] for x in rounds])
    print(f"median model time: full refresh {full:.2f}s, incremental {incr:.2f}s, "
          f"incremental with nothing new {noop:.2f}s (floor ratio {noop / full:.3f}); "
          f"dbt start-up adds about {median([x[5] - x[2] for x in rounds]):.1f}s to each")
    for model in MODELS:
        f, n, i = (median([runs[k][model] for runs in per_model]) for k in range(3))
        print(f"{model}: full {f:.2f}s, nothing new {n:.2f}s ({n / f:.3f}), "
              f"incremental {i:.2f}s ({i / f:.3f})")
    return {"full": full, "noop": noop, "incremental": incr}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=int, default=10)
    ap.add_argument("--months", default="12", help="history length, or two: 12,36")
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    histories = [int(m) for m in args.months.split(",")]

    wh = server()
    try:
        results = {h: measure(wh, h, args.scale, args.rounds) for h in histories}
    finally:
        wh.destroy()
    if len(histories) == 2:
        short, long = (results[h] for h in histories)
        print(table(["months", "full_s", "incremental_s", "noop_incremental_s",
                     "incremental_ratio"],
                    [[h, r["full"], r["incremental"], r["noop"], r["incremental"] / r["full"]]
                     for h, r in results.items()]))
        print(f"incremental_growth={long['incremental'] / short['incremental']:.3f}")
    last = results[histories[-1]]
    print(f"incremental_ratio={last['incremental'] / last['full']:.3f}")


if __name__ == "__main__":
    main()
