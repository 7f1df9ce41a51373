"""Task processes reuse the DAG files the preloading executor parsed before it forked,
while the file is unchanged (dti/orchestration/dag_reuse.py)."""

import os
import shutil
from pathlib import Path

import pytest

from dti.settings import DAGS_DIR

pytestmark = pytest.mark.unit


@pytest.fixture
def bundle(tmp_path, monkeypatch):
    """A DAG folder holding the project's freshness DAG, and the task runner's
    BundleDagBag put back afterwards."""
    from dti.orchestration import dag_reuse

    monkeypatch.setattr(dag_reuse.dagbag, "BundleDagBag", dag_reuse.dagbag.BundleDagBag)
    monkeypatch.setattr(dag_reuse, "_BAGS", {})
    shutil.copy(DAGS_DIR / "freshness.py", tmp_path / "freshness.py")
    return tmp_path


def task_runner_bag(bundle: Path, **changes):
    """A bag made the way Airflow's task runner makes one at each task's start."""
    from dti.orchestration.dag_reuse import dagbag

    kwargs = {"dag_folder": os.fspath(bundle / "freshness.py"), "safe_mode": False,
              "load_op_links": False, "bundle_path": bundle, "bundle_name": "dags-folder",
              **changes}
    return dagbag.BundleDagBag(**kwargs)


def test_the_task_runner_parses_through_the_name_that_is_swapped():
    from dti.orchestration.dag_reuse import task_runner_parses_through_bundle_dag_bag

    assert task_runner_parses_through_bundle_dag_bag()


def test_an_unchanged_file_is_not_parsed_again(bundle):
    from dti.orchestration.dag_reuse import parse_before_fork

    parse_before_fork(bundle, "dags-folder")
    first = task_runner_bag(bundle)
    assert task_runner_bag(bundle) is first
    assert set(first.dags["freshness"].task_dict) == {"check_exports"}


def test_a_changed_file_is_parsed_as_it_is_now(bundle):
    from dti.orchestration.dag_reuse import parse_before_fork

    parse_before_fork(bundle, "dags-folder")
    before = task_runner_bag(bundle)
    path = bundle / "freshness.py"
    path.write_text(path.read_text().replace("check_exports", "check_exports_again"))
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    after = task_runner_bag(bundle)
    assert after is not before
    assert set(after.dags["freshness"].task_dict) == {"check_exports_again"}


def test_another_call_or_a_broken_file_parses_as_before(bundle):
    from dti.orchestration.dag_reuse import parse_before_fork

    parse_before_fork(bundle, "dags-folder")
    cached = task_runner_bag(bundle)
    assert task_runner_bag(bundle, safe_mode=True) is not cached
    assert task_runner_bag(bundle, bundle_name="another") is not cached

    (bundle / "broken.py").write_text("raise ValueError('no DAG here')\n")
    parse_before_fork(bundle, "dags-folder")
    again = task_runner_bag(bundle, dag_folder=os.fspath(bundle / "broken.py"))
    assert again.import_errors and not again.dags  # parsed, and its error reported
