"""The scheduler wakes when a task ends instead of sleeping out its idle time.

Airflow 3.3's scheduler loop sleeps `[scheduler] scheduler_idle_sleep_time` after a loop
that queued nothing and received no executor event. A task that ends during that sleep
waits for its end to be noticed, and so does every task after it: on the longest path
of the transform run in `bench/airflow_e2e.py` (14 tasks in a chain), each task waited
a median 0.41 s from its upstream's end to its own queueing, 8 s in all.

With the LocalExecutor a task's end is a message on the executor's result queue. Here
the loop's idle sleep waits on that queue, for at most the same time: the loop that
reads the result and schedules what follows runs as soon as the task is done. Anything
else (a new run, a deferred task resumed) is still noticed within the idle time.
"""

from __future__ import annotations

import logging
import time
from types import ModuleType
from typing import Any

from airflow.jobs import scheduler_job_runner

log = logging.getLogger(__name__)


class _SleepUntilTaskEnds:
    """Stands in for the `time` module inside the scheduler loop's module only: its
    `sleep` returns early once a result is waiting to be read; all else is `time`'s."""

    def __init__(self, results: Any):
        self._results = results  # the result queue's reading end (Connection.poll)

    def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            return
        try:
            self._results.poll(seconds)
        except (OSError, EOFError, ValueError):  # the queue is closed: the executor ended
            time.sleep(seconds)

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)


def wake_on_task_end(executor: Any, module: ModuleType = scheduler_job_runner) -> None:
    """Call once the executor has started (its result queue exists), in the scheduler's
    process. A no-op when the executor or the scheduler module has another shape."""
    reader = getattr(getattr(executor, "result_queue", None), "_reader", None)
    if not callable(getattr(reader, "poll", None)):
        log.warning("the executor has no result queue to wait on; the scheduler sleeps as is")
        return
    if getattr(module, "time", None) is not time:
        return  # patched already, or the loop no longer sleeps through `time`
    module.time = _SleepUntilTaskEnds(reader)  # type: ignore[attr-defined]
    log.info("the scheduler wakes as soon as a task ends (its idle sleep waits on the "
             "executor's results)")
