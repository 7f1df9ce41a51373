"""The demo's exports through the real Airflow services, from drop to refreshed marts.

Starts `dti airflow up` on a fresh state (embedded warehouse, LocalExecutor, sized to
the machine), drops the demo's sample exports (seed 7, six months: 31 files) into the
inbox, unpauses every DAG and triggers each ingest DAG once, as a data engineer would
after a drop. Measures until the `transform_and_score` run whose build read every batch
(`meta.mart_builds`) has succeeded (the marts hold every file), samples the summed
resident memory of every Airflow process (services and the task processes they fork)
once a second, then times one plain `dbt build` of the same warehouse state.

    .venv/bin/python bench/airflow_e2e.py

Also prints the CPU seconds each service (the warehouse server included) spent while
that transform run ran: where the run's time goes.

Ends with machine-readable lines: drop_to_marts_s=, peak_rss_gb=, cosmos_ratio= (that
run's build, from the end of its wait for running loads to its end, / the plain dbt
build's).
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
import time
from datetime import datetime
from itertools import pairwise
from pathlib import Path

import psycopg
from common import table

STATE = Path(tempfile.mkdtemp(prefix="dti-bench-airflow-"))
os.environ["DTI_STATE_DIR"] = str(STATE / "state")
os.environ["DTI_DATA_DIR"] = str(STATE / "data")
os.environ.pop("DTI_WAREHOUSE_URL", None)

from dti.dbt_project import run_dbt  # noqa: E402
from dti.orchestration.services import (  # noqa: E402
    AirflowServices,
    warehouse_and_metadata_urls,
)
from dti.samples.generate import generate  # noqa: E402
from dti.warehouse.embedded import EmbeddedWarehouse  # noqa: E402

INGEST = ["ingest_public_services", "ingest_document_logs", "ingest_soc_alerts",
          "ingest_self_assessment"]


def measure_groups(groups: dict[str, int]) -> dict[str, tuple[int, int, float]]:
    """Per named process group, in one walk of /proc: resident bytes, proportional bytes
    (shared pages divided among their users) and CPU seconds so far (user + system of
    its live processes and of the children they reaped: a task process counts in its
    worker)."""
    page, tick = os.sysconf("SC_PAGE_SIZE"), os.sysconf("SC_CLK_TCK")
    by_pgid = {pgid: name for name, pgid in groups.items()}
    out = dict.fromkeys(groups, (0, 0, 0.0))
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            name = by_pgid.get(int(fields[2]))  # pgrp
            if name is None:
                continue
            try:
                rollup = (stat.parent / "smaps_rollup").read_text()
                pss = 1024 * int(next(line.split()[1] for line in rollup.splitlines()
                                      if line.startswith("Pss:")))
            except (OSError, ValueError, StopIteration):  # not ours to read, or gone
                pss = 0
            rss_sum, pss_sum, cpu = out[name]
            out[name] = (rss_sum + int(fields[21]) * page, pss_sum + pss,
                         cpu + sum(int(f) for f in fields[11:15]) / tick)
        except (OSError, IndexError, ValueError):
            continue
    return out


def task_phases(tis: list[dict]) -> list[list[object]]:
    """Per task instance of a run, the median seconds from scheduled to queued, queued
    to running and running to done, and their sums: scheduling latency against work."""
    from statistics import median

    spans = {"scheduled -> queued": ("scheduled_when", "queued_when"),
             "queued -> running": ("queued_when", "start_date"),
             "running -> done": ("start_date", "end_date")}
    rows = []
    for label, (a, b) in spans.items():
        # A task resumed after deferring was queued again after it first started: its
        # queued -> running span would come out negative, and is left out.
        xs = [x for t in tis if t.get(a) and t.get(b) and (x := when(t[b]) - when(t[a])) >= 0]
        rows.append([f"task instances of that run, {label}: median / sum s",
                     f"{median(xs):.2f} / {sum(xs):.0f}" if xs else "-"])
    return rows


def chain_hops(tis: list[dict], downstream: dict[str, list[str]]) -> list[list[object]]:
    """Along the chain of task instances that ended last (each one's latest-ending
    upstream, back to the first): the median seconds from an upstream's end to the next
    task being queued (the scheduler's reaction), from queued to running (a slot and a
    task process) and running: what each hop of the run's longest path costs."""
    from statistics import median

    by_id = {t["task_id"]: t for t in tis if t.get("end_date")}
    upstream: dict[str, list[str]] = {}
    for task_id, downs in downstream.items():
        for d in downs:
            upstream.setdefault(d, []).append(task_id)
    chain, current = [], max(by_id.values(), key=lambda t: when(t["end_date"]))
    while current is not None:
        chain.append(current)
        ups = [by_id[u] for u in upstream.get(current["task_id"], []) if u in by_id]
        current = max(ups, key=lambda t: when(t["end_date"])) if ups else None
    chain.reverse()
    react = [when(b["queued_when"]) - when(a["end_date"]) for a, b in pairwise(chain)
             if b.get("queued_when")]
    waited = [when(t["start_date"]) - when(t["queued_when"] or t["start_date"])
              for t in chain]
    ran = [when(t["end_date"]) - when(t["start_date"]) for t in chain]
    start = [w for t, w in zip(chain[1:], waited[1:], strict=True)
             if t.get("queued_when") and w >= 0]
    path = [f"{t['task_id'].removeprefix('dbt.')} {f'{w:.1f}' if w >= 0 else 'resumed'}"
            f" / {r:.1f}" for t, w, r in zip(chain, waited, ran, strict=True)]
    return [["tasks on the longest path of that run", len(chain)],
            *(["  longest path, task: s queued -> running / running" if i == 0 else "", p]
              for i, p in enumerate(path)),
            *([f"longest path, {label}: median / sum s", f"{median(xs):.2f} / {sum(xs):.0f}"]
              for label, xs in (("upstream done -> queued", react),
                                ("queued -> running", start), ("running -> done", ran))
              if xs)]


def run_timeline(runs: list[dict], dropped: float) -> list[list[object]]:
    """Each DAG run's start and end, in seconds after the drop: where drop-to-marts
    goes (ingest runs, transform runs an early ingest started, the final one)."""
    rows = []
    for r in sorted(runs, key=lambda r: when(r["start_date"])):
        start, end = when(r["start_date"]) - dropped, when(r["end_date"]) - dropped
        rows.append([f"run {r['dag_id']}: started / ended s after the drop",
                     f"{start:.1f} / {end:.1f}"])
    return rows


def covering_build(warehouse: str) -> str | None:
    """The DAG run whose marts build read every batch of the ledger (meta.mart_builds):
    from its end the marts hold every file dropped."""
    with psycopg.connect(warehouse) as conn:
        row = conn.execute(
            "select dag_run_id from meta.mart_builds where through_batch_id >= "
            "(select max(batch_id) from meta.batches) order by build_id limit 1").fetchone()
    return row[0] if row else None


def when(text: str | None) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() if text else 0.0


def main() -> None:
    services = AirflowServices.default()
    peak = [0, 0]
    stop = threading.Event()

    cpu: list[tuple[float, dict[str, float]]] = []  # (time, CPU seconds per service)

    def sample() -> None:
        while not stop.is_set():
            groups = services.pids()
            measured = measure_groups({**groups, "warehouse": server_group})
            rss, pss = (sum(measured[g][k] for g in groups) for k in (0, 1))
            peak[:] = [max(peak[0], rss), max(peak[1], pss)]
            cpu.append((time.time(), {g: m[2] for g, m in measured.items()}))
            time.sleep(1)

    try:
        start = time.perf_counter()
        warehouse, metadata = warehouse_and_metadata_urls()
        services.up(warehouse, metadata)
        up_s = time.perf_counter() - start
        # The embedded server (warehouse and metadata) and its backends share a group.
        postmaster = EmbeddedWarehouse.default().data_dir / "postmaster.pid"
        server_group = os.getpgid(int(postmaster.read_text().split()[0]))
        threading.Thread(target=sample, daemon=True).start()
        api = services.api().call
        while len(api("/api/v2/dags")["dags"]) < 6:
            time.sleep(1)

        files = generate(STATE / "data" / "inbox", seed=7).files
        dropped = time.time()
        for dag in [*INGEST, "transform_and_score"]:
            api(f"/api/v2/dags/{dag}", {"is_paused": False}, "PATCH")
        for dag in INGEST:
            api(f"/api/v2/dags/{dag}/dagRuns", {"logical_date": None}, "POST")

        def runs(dag: str) -> list[dict]:
            return api(f"/api/v2/dags/{dag}/dagRuns?limit=100")["dag_runs"]

        while True:
            ingest = [r for d in INGEST for r in runs(d)]
            if any(r["state"] == "failed" for r in ingest):
                sys.exit(f"an ingest run failed: {[r['dag_id'] for r in ingest]}")
            done = [r for r in ingest if r["state"] == "success"]
            final = []
            if len(done) == len(ingest) and len(done) >= len(INGEST):
                built = covering_build(warehouse)
                final = [r for r in runs("transform_and_score")
                         if r["dag_run_id"] == built and r["state"] == "success"]
            if final:
                break
            if time.time() - dropped > 3600:
                sys.exit("no refreshed marts within an hour")
            time.sleep(2)
        drop_to_marts = when(final[0]["end_date"]) - dropped
        tis = api(f"/api/v2/dags/transform_and_score/dagRuns/{final[0]['dag_run_id']}"
                  "/taskInstances?limit=500")["task_instances"]
        # The build proper: from the end of its wait for running loads to the run's end.
        (settled,) = [when(t["end_date"]) for t in tis if t["task_id"] == "wait_for_loads"]
        waited_s = settled - when(final[0]["start_date"])
        transform_s = when(final[0]["end_date"]) - settled
        (producer,) = [t for t in tis if t["task_id"] == "dbt.dbt_producer_watcher"]
        producer_s = when(producer["end_date"]) - when(producer["start_date"])
        after_producer_s = when(final[0]["end_date"]) - when(producer["end_date"])
        phases = task_phases(tis)
        edges = {t["task_id"]: t["downstream_task_ids"]
                 for t in api("/api/v2/dags/transform_and_score/tasks")["tasks"]}
        hops = chain_hops(tis, edges)
        timeline = run_timeline([*ingest, *(r for r in runs("transform_and_score")
                                            if r["start_date"] and r["end_date"])], dropped)
        # CPU each service spent while that run built.
        began = min(cpu, key=lambda c: abs(c[0] - settled))[1]
        ended = min(cpu, key=lambda c: abs(c[0] - when(final[0]["end_date"])))[1]
        transform_cpu = {k: ended[k] - began.get(k, 0.0) for k in ended}
        stop.set()

        clock = time.perf_counter()
        run_dbt(["build", "--quiet"], warehouse)
        plain_s = time.perf_counter() - clock
    finally:
        stop.set()
        services.down()
        EmbeddedWarehouse.default().stop()

    print(table(["measure", "value"], [
        ["files dropped", sum(map(len, files.values()))],
        ["cores", os.cpu_count()],
        ["services up (migrate, start, healthy) s", f"{up_s:.1f}"],
        ["drop to refreshed marts s", f"{drop_to_marts:.1f}"],
        ["that run waiting for the loads s", f"{waited_s:.1f}"],
        ["that run's build (after the wait) s", f"{transform_s:.1f}"],
        ["  of which the producer's `dbt build` running s", f"{producer_s:.1f}"],
        ["  of which the node and report tasks after it s", f"{after_producer_s:.1f}"],
        ["plain dbt build, same state s", f"{plain_s:.1f}"],
        ["peak summed RSS of Airflow processes GB", f"{peak[0] / 1e9:.2f}"],
        ["peak summed PSS (shared pages counted once) GB", f"{peak[1] / 1e9:.2f}"],
        [f"task instances of that run (try {max(t['try_number'] for t in tis)} at most)",
         len(tis)],
        *phases,
        *hops,
        *timeline,
        *([f"CPU s during that build: {k}", f"{v:.1f}"]
          for k, v in sorted(transform_cpu.items(), key=lambda kv: -kv[1])),
    ]))
    print(f"drop_to_marts_s={drop_to_marts:.1f}")
    print(f"peak_rss_gb={peak[0] / 1e9:.2f}")
    print(f"peak_pss_gb={peak[1] / 1e9:.2f}")
    print(f"cosmos_ratio={transform_s / plain_s:.2f}")


if __name__ == "__main__":
    main()
