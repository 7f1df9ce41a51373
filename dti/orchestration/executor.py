"""The LocalExecutor with the heavy libraries imported before it forks its workers.

On Linux every task runs in a process forked (no exec) from one of the executor's
worker processes, and the workers are forked from the scheduler when the executor
starts. Importing Great Expectations (~9 s here), dbt and Cosmos there, once, means a
load task or the dbt producer finds them imported instead of paying for the import in
every task (dti.orchestration.preload). `dti airflow up` runs with it; under another
start method (spawn) it is the plain LocalExecutor. Either way the scheduler wakes as
soon as a task ends (dti.orchestration.scheduler_wakeup).
"""

from __future__ import annotations

from airflow.executors.local_executor import LocalExecutor

from dti.orchestration.preload import preload_before_forking
from dti.orchestration.scheduler_wakeup import wake_on_task_end
from dti.orchestration.task_exit import notice_task_exit_at_once


class PreloadingLocalExecutor(LocalExecutor):
    def start(self) -> None:
        if self.is_mp_using_fork:
            preload_before_forking()
        notice_task_exit_at_once()  # the workers supervise the task processes
        super().start()
        wake_on_task_end(self)  # this runs in the scheduler's process
