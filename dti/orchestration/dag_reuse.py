"""Task processes reuse the DAG files parsed once before the executor forked.

Airflow's task runner starts every task by parsing its DAG file (a BundleDagBag of it).
For `transform_and_score` that is Cosmos rendering ~240 dbt nodes from the manifest:
60-310 ms of each of the run's ~54 task processes, whose ~48 node tasks after the build
share two cores. The process that forks the workers (the scheduler under the preloading
executor, a Celery worker's main process: dti.orchestration.preload) parses the DAG
files first; a task process forked from those workers is handed the bag already made
for its file, as long as the file and the dbt manifest are the same size and age as
when they were parsed, and parses as before otherwise. (The project's modules were
imported before the fork either way: a changed module has always needed the services
restarted.)
"""

from __future__ import annotations

import inspect
import logging
import os
from pathlib import Path
from typing import Any

from airflow.dag_processing import dagbag
from airflow.sdk.execution_time import task_runner

from dti.dbt_project import manifest_path

log = logging.getLogger(__name__)

_PARSER = dagbag.BundleDagBag  # Airflow's own, for the parses made here
_BAGS: dict[tuple[Any, ...], tuple[tuple[Any, ...], Any]] = {}


def _stamp(dag_file: Path) -> tuple[Any, ...]:
    """What a parse of the file depends on outside the imported modules."""
    out: list[Any] = []
    for path in (dag_file, manifest_path()):
        try:
            info = path.stat()
            out.append((str(path), info.st_mtime_ns, info.st_size))
        except OSError:
            out.append((str(path), None))
    return tuple(out)


def _key(dag_folder: Any, bundle_path: Any, bundle_name: Any, safe_mode: Any = True,
         load_op_links: Any = True) -> tuple[Any, ...]:
    return (os.fspath(dag_folder), os.fspath(bundle_path), bundle_name, safe_mode,
            load_op_links)


class _ReusingBundleDagBag(_PARSER):  # type: ignore[misc, valid-type]
    """Returns the bag parsed before the fork when it still holds for the same call;
    being an instance of the parent class, it is not initialised (parsed) again."""

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        if not args and {"dag_folder", "bundle_path", "bundle_name"} <= kwargs.keys():
            try:
                found = _BAGS.get(_key(**kwargs))
            except TypeError:  # another argument: a call this was not made for
                found = None
            if found is not None and found[0] == _stamp(Path(kwargs["dag_folder"])):
                return found[1]
        return super().__new__(cls)


def task_runner_parses_through_bundle_dag_bag() -> bool:
    """The shape this relies on: each task's parse imports BundleDagBag from its module
    when it runs (read from the compiled function: no source file needed)."""
    code = inspect.unwrap(task_runner.parse).__code__
    return ({"airflow.dag_processing.dagbag", "BundleDagBag"} <= set(code.co_names)
            and "BundleDagBag" in code.co_varnames)


def parse_before_fork(bundle_path: Path, bundle_name: str) -> None:
    """Parse each DAG file of the bundle as the task runner does, keep the bags, and
    make the task runner's BundleDagBag reuse them (in this process and its forks).
    Only parses (warming the imports) when Airflow's task runner has another shape."""
    reuse = task_runner_parses_through_bundle_dag_bag()
    if not reuse:
        log.warning("Airflow's task runner parses DAG files another way; each task parses its own")
    for dag_file in sorted(Path(bundle_path).glob("*.py")):
        kwargs = {"dag_folder": os.fspath(dag_file), "safe_mode": False,
                  "load_op_links": False, "bundle_path": Path(bundle_path),
                  "bundle_name": bundle_name}
        stamp = _stamp(dag_file)
        bag = _PARSER(**kwargs)
        if bag.import_errors:  # the dag-processor reports it; tasks parse for themselves
            continue
        _BAGS[_key(**kwargs)] = (stamp, bag)
    if reuse and dagbag.BundleDagBag is not _ReusingBundleDagBag:
        dagbag.BundleDagBag = _ReusingBundleDagBag  # type: ignore[misc]
