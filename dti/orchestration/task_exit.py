"""Workers notice a task process's exit when it happens, not up to 5 s later.

Airflow 3.3's supervisor (the worker-side process watching each task process) waits in
`select()` on the task's sockets for at most `[workers] min_heartbeat_interval` (5 s).
When a task exits, its sockets close a moment before the kernel lets the process be
reaped: a supervisor that reads the last end-of-file and checks for the exit in that
moment finds the process still there and no socket left to wake it, and sleeps out the
whole interval. The task has ended (its state is written) but its executor slot stays
taken. In a `bench/airflow_e2e.py` run, 36 of 110 task processes ended that way: a dbt
node task held its slot 5.3 s for 0.25 s of work.

Once no socket is left, this waits on the process itself for the same interval; a
process that closed its sockets and goes on running is still heartbeated as before.
"""

from __future__ import annotations

import logging
from contextlib import suppress
from typing import Any

from airflow.sdk.execution_time import supervisor

log = logging.getLogger(__name__)


def notice_task_exit_at_once() -> None:
    """Patch the supervisor's wait (in this process and those forked from it). A no-op
    when Airflow's supervisor no longer has the shape this was written against."""
    watched = supervisor.WatchedSubprocess
    service = getattr(watched, "_service_subprocess", None)
    if service is None or getattr(service, "waits_on_the_process", False):
        return
    if not hasattr(watched, "_check_subprocess_exit"):
        log.warning("Airflow's task supervisor changed shape; its exit wait is left as is")
        return

    def service_subprocess(self: Any, max_wait_time: float, raise_on_timeout: bool = False,
                           expect_signal: int | None = None) -> int | None:
        if self._exit_code is None and not self._open_sockets:
            process = self._process  # keeps the exit code for the check that follows
            with suppress(process.TimeoutExpired, process.ProcessNotFound):
                process.wait(timeout=max(0.01, max_wait_time))
            max_wait_time = 0  # waited already: no second wait on an empty select()
        return service(self, max_wait_time, raise_on_timeout, expect_signal)

    service_subprocess.waits_on_the_process = True  # type: ignore[attr-defined]
    watched._service_subprocess = service_subprocess  # type: ignore[method-assign]
