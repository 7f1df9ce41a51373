"""The LocalExecutor with the heavy libraries imported before it forks its workers.

On Linux every task runs in a process forked (no exec) from one of the executor's
worker processes, and the workers are forked from the scheduler when the executor
starts. Importing Great Expectations (~9 s here), dbt and Cosmos there, once, means a
load task or the dbt producer finds them imported instead of paying for the import in
every task. `dti airflow up` runs with it; under another start method (spawn) it is
the plain LocalExecutor.
"""

from __future__ import annotations

import importlib

from airflow.executors.local_executor import LocalExecutor

PRELOADED = ("great_expectations", "dbt.cli.main", "cosmos", "ingestion.validation")


class PreloadingLocalExecutor(LocalExecutor):
    def start(self) -> None:
        if self.is_mp_using_fork:
            for module in PRELOADED:
                importlib.import_module(module)
        super().start()
