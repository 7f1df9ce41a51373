"""How much of the machine Airflow's tasks may use, the same for `dti airflow up` and for
the compose services (`dti airflow init`, `dti airflow service ...`).

Two tasks per core (most dbt node tasks only read a result), one Celery task per core,
and one slot per core in the pool that GX loads and dbt builds share (each holds a core
while it runs). Airflow's defaults (32 tasks, 16 per Celery worker) ran ~30 loads at
once on 2 cores, 13 GB between them.

The scheduler looks again 0.5 s after a loop with nothing to do, not Airflow's 1 s: a dbt
node task takes ~0.3 s and the next waited for that look (the tasks after the dbt
producer 17.6-19.4 s at 1 s, 13.1 at 0.5, 11.1-13.5 at 0.25; an idle scheduler's CPU
1.2 s a minute at 1 s, 4.3 at 0.25). Under the LocalExecutor a task's end now wakes it
at once (dti.orchestration.scheduler_wakeup); the idle time still paces what comes from
elsewhere: Celery's results, a deferred task resumed, a new run.

Each figure is overridden by Airflow's own variable, else by the deployment's knob in
`.env`; compose passes the knobs empty when unset, which Airflow's own variables must
not be.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from dti.settings import HEAVY_POOL, SettingError

HEAVY_POOL_DESCRIPTION = "Great Expectations loads and dbt builds"


def cores() -> int:
    """The CPUs this process may run on: a container's cpuset, not the host's count."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not Linux
        return os.cpu_count() or 2


def _knob(names: tuple[str, ...], default: object, valid: Callable[[str], bool],
          meaning: str) -> str:
    """The first of ``names`` set (non-empty) in the environment, else ``default``; a
    value ``valid`` refuses is refused by name."""
    for name in names:
        value = os.environ.get(name, "").strip()
        if value:
            if not valid(value):
                raise SettingError(f"{name}={value!r}: {meaning}")
            return value
    return str(default)


def _count(names: tuple[str, ...], default: int) -> str:
    return _knob(names, default, lambda v: v.isdigit() and int(v) >= 1,
                 "a whole number, 1 or more")


def _positive(value: str) -> bool:
    try:
        return float(value) > 0
    except ValueError:
        return False


def _seconds(names: tuple[str, ...], default: float) -> str:
    return _knob(names, default, _positive, "a number of seconds, more than 0")


def sized_env() -> dict[str, str]:
    """Airflow's sizing variables for this machine, overrides applied."""
    n = cores()
    return {
        "AIRFLOW__SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME": _seconds(
            ("AIRFLOW__SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME", "AIRFLOW_SCHEDULER_IDLE_SLEEP"),
            0.5),
        "AIRFLOW__CORE__PARALLELISM": _count(
            ("AIRFLOW__CORE__PARALLELISM", "AIRFLOW_PARALLELISM"), 2 * n),
        "AIRFLOW__CELERY__WORKER_CONCURRENCY": _count(
            ("AIRFLOW__CELERY__WORKER_CONCURRENCY", "AIRFLOW_WORKER_CONCURRENCY"), n),
        "DTI_HEAVY_POOL": HEAVY_POOL,
    }


def heavy_pool_command() -> list[str]:
    """`airflow pools set ...` for the heavy pool, one slot per core unless
    DTI_HEAVY_POOL_SLOTS says otherwise."""
    slots = _count(("DTI_HEAVY_POOL_SLOTS",), cores())
    return ["pools", "set", HEAVY_POOL, slots, HEAVY_POOL_DESCRIPTION]
