"""The scheduler's idle sleep ends when a task's result reaches the LocalExecutor
(dti/orchestration/scheduler_wakeup.py)."""

import inspect
import threading
import time
from types import ModuleType

import pytest

pytestmark = pytest.mark.unit


@pytest.fixture
def started_executor():
    from airflow.executors.local_executor import LocalExecutor

    executor = LocalExecutor(parallelism=1)
    executor.start()
    yield executor
    executor.end()


def scheduler_module_stand_in() -> ModuleType:
    """A module holding `time` as the scheduler loop's module does, so the test does
    not patch the real one for the rest of the session."""
    module = ModuleType("scheduler_stand_in")
    module.time = time  # type: ignore[attr-defined]
    return module


def test_the_scheduler_loop_sleeps_through_its_module_time():
    """The shape the patch relies on: Airflow's loop calls `time.sleep` of its module."""
    from airflow.jobs import scheduler_job_runner
    from airflow.jobs.scheduler_job_runner import SchedulerJobRunner

    assert scheduler_job_runner.time is time or hasattr(scheduler_job_runner.time, "_results")
    assert "time.sleep(" in inspect.getsource(SchedulerJobRunner._run_scheduler_loop)


def test_a_task_result_ends_the_idle_sleep(started_executor):
    from dti.orchestration.scheduler_wakeup import wake_on_task_end

    module = scheduler_module_stand_in()
    wake_on_task_end(started_executor, module)
    wake_on_task_end(started_executor, module)  # a second call does not wrap it twice
    assert type(module.time).__name__ == "_SleepUntilTaskEnds"
    threading.Timer(0.2, started_executor.result_queue.put,
                    [("key", "success", None)]).start()
    clock = time.monotonic()
    module.time.sleep(30)
    assert time.monotonic() - clock < 5
    # Read here: the fake result is not a running task's, for the executor to handle.
    assert started_executor.result_queue.get() == ("key", "success", None)


def test_with_no_result_the_sleep_lasts_its_time_and_time_is_still_time(started_executor):
    from dti.orchestration.scheduler_wakeup import wake_on_task_end

    module = scheduler_module_stand_in()
    wake_on_task_end(started_executor, module)
    clock = time.monotonic()
    module.time.sleep(0.3)
    assert module.time.monotonic() - clock >= 0.3
    module.time.sleep(0)  # Airflow sleeps 0 s when a timed event is due


def test_an_executor_without_a_result_queue_leaves_the_sleep_alone():
    from dti.orchestration.scheduler_wakeup import wake_on_task_end

    module = scheduler_module_stand_in()
    wake_on_task_end(object(), module)
    assert module.time is time
