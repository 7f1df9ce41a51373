"""The LocalExecutor with the heavy libraries imported before it forks its workers.

On Linux every task runs in a process forked (no exec) from one of the executor's
worker processes, and the workers are forked from the scheduler when the executor
starts. Importing Great Expectations (~9 s here), dbt and Cosmos there, once, means a
load task or the dbt producer finds them imported instead of paying for the import in
every task. `dti airflow up` runs with it; under another start method (spawn) it is
the plain LocalExecutor. Either way the scheduler wakes as soon as a task ends
(dti.orchestration.scheduler_wakeup).
"""

from __future__ import annotations

import importlib
import logging

from airflow.executors.local_executor import LocalExecutor

from dti.orchestration.dag_reuse import parse_before_fork
from dti.orchestration.scheduler_wakeup import wake_on_task_end
from dti.orchestration.task_exit import notice_task_exit_at_once
from ingestion.validation import leave_out_of_collections

PRELOADED = ("great_expectations", "dbt.cli.main", "cosmos", "ingestion.validation")

log = logging.getLogger(__name__)


def _parse_dags_once() -> None:
    """Parse the DAG files once, before the fork: the modules they import only while
    parsing (Cosmos's converter and watcher operators, the asset timetables and what
    they pull in) are then already imported in every task process, and the task
    processes reuse the parsed DAGs (dti.orchestration.dag_reuse). A DAG that fails to
    parse is reported by the dag-processor, not here."""
    from airflow.dag_processing.bundles.manager import DagBundlesManager

    try:
        for bundle in DagBundlesManager().get_all_dag_bundles():
            bundle.initialize()
            parse_before_fork(bundle.path, bundle.name)
    except Exception as exc:  # warming only: the tasks parse their files themselves
        log.warning("parsing the DAGs before forking the workers failed: %s", exc)


class PreloadingLocalExecutor(LocalExecutor):
    def start(self) -> None:
        if self.is_mp_using_fork:
            for module in PRELOADED:
                importlib.import_module(module)
            _parse_dags_once()
            leave_out_of_collections()
        notice_task_exit_at_once()  # the workers supervise the task processes
        super().start()
        wake_on_task_end(self)  # this runs in the scheduler's process
