"""Task processes reuse the DAG files the preloading executor parsed before it forked,
while the file is unchanged (dti/orchestration/dag_reuse.py)."""

import inspect
import os
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

DAG_FILE = textwrap.dedent("""
    from datetime import datetime
    from airflow.sdk import dag, task

    @dag(dag_id="reused", start_date=datetime(2025, 1, 1), schedule=None)
    def reused():
        @task
        def {name}():
            return 1
        {name}()

    reused()
""")


@pytest.fixture
def bundle(tmp_path, monkeypatch):
    """A DAG folder, and the task runner's BundleDagBag put back afterwards."""
    from airflow.dag_processing import dagbag

    from dti.orchestration import dag_reuse

    monkeypatch.setattr(dagbag, "BundleDagBag", dagbag.BundleDagBag)
    monkeypatch.setattr(dag_reuse, "_BAGS", {})
    (tmp_path / "reused.py").write_text(DAG_FILE.format(name="first"))
    return tmp_path


def task_runner_bag(bundle: Path, **changes):
    """A bag made the way Airflow's task runner makes one at each task's start."""
    from airflow.dag_processing import dagbag

    kwargs = {"dag_folder": os.fspath(bundle / "reused.py"), "safe_mode": False,
              "load_op_links": False, "bundle_path": bundle, "bundle_name": "dags-folder",
              **changes}
    return dagbag.BundleDagBag(**kwargs)


def test_the_task_runner_parses_through_the_name_that_is_swapped():
    """The shape relied on: each task's parse looks BundleDagBag up in its module."""
    from airflow.sdk.execution_time import task_runner

    source = inspect.getsource(task_runner.parse)
    assert "from airflow.dag_processing.dagbag import BundleDagBag" in source
    assert "bag = BundleDagBag(" in source


def test_an_unchanged_file_is_not_parsed_again(bundle):
    from dti.orchestration.dag_reuse import parse_before_fork

    parse_before_fork(bundle, "dags-folder")
    first = task_runner_bag(bundle)
    assert task_runner_bag(bundle) is first
    assert set(first.dags["reused"].task_dict) == {"first"}


def test_a_changed_file_is_parsed_as_it_is_now(bundle):
    from dti.orchestration.dag_reuse import parse_before_fork

    parse_before_fork(bundle, "dags-folder")
    before = task_runner_bag(bundle)
    path = bundle / "reused.py"
    path.write_text(DAG_FILE.format(name="second_version"))
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    after = task_runner_bag(bundle)
    assert after is not before
    assert set(after.dags["reused"].task_dict) == {"second_version"}


def test_another_call_or_a_broken_file_parses_as_before(bundle):
    from dti.orchestration.dag_reuse import parse_before_fork

    parse_before_fork(bundle, "dags-folder")
    cached = task_runner_bag(bundle)
    assert task_runner_bag(bundle, safe_mode=True) is not cached
    assert task_runner_bag(bundle, bundle_name="another") is not cached

    (bundle / "broken.py").write_text("from airflow.sdk import dag\nraise ValueError('no')\n")
    parse_before_fork(bundle, "dags-folder")
    again = task_runner_bag(bundle, dag_folder=os.fspath(bundle / "broken.py"))
    assert again.import_errors and not again.dags  # parsed, and its error reported
