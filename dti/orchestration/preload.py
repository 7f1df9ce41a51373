"""What a process that forks task processes loads first, so that every task finds it
loaded: Great Expectations (~9 s to import here), dbt and Cosmos, the report site's
writer (altair, pandas, Jinja: ~0.9 s, on the transform run's longest path), and the
DAG files parsed (what they import only while parsing is then imported too, and the
task processes reuse the parse: dti.orchestration.dag_reuse).

The LocalExecutor's workers are forked from the scheduler (executor.py); a Celery
worker's pool processes from the worker's main process (celery_worker.py). Either way
each task process is forked, without exec, from one of those.
"""

from __future__ import annotations

import importlib
import logging

from dti.orchestration.dag_reuse import parse_before_fork
from ingestion.validation import leave_out_of_collections

# ingestion.validation (GX's use here) comes with this module's own import of it.
PRELOADED = ("great_expectations", "dbt.cli.main", "cosmos", "dti.report.site")

log = logging.getLogger(__name__)


def _parse_dags_once() -> None:
    """A DAG that fails to parse is reported by the dag-processor, not here."""
    from airflow.dag_processing.bundles.manager import DagBundlesManager

    try:
        for bundle in DagBundlesManager().get_all_dag_bundles():
            bundle.initialize()
            parse_before_fork(bundle.path, bundle.name)
    except Exception as exc:  # warming only: the tasks parse their files themselves
        log.warning("parsing the DAGs before forking the workers failed: %s", exc)


def preload_before_forking() -> None:
    for module in PRELOADED:
        importlib.import_module(module)
    _parse_dags_once()
    leave_out_of_collections()
