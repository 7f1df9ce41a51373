"""The scheduler's idle sleep ends when a task's result reaches the LocalExecutor
(dti/orchestration/scheduler_wakeup.py)."""

import inspect
import threading
import time
from multiprocessing import SimpleQueue
from types import ModuleType, SimpleNamespace

import pytest

pytestmark = pytest.mark.unit


@pytest.fixture
def executor():
    """What the patch reads of a started LocalExecutor: its result queue, of the type
    the LocalExecutor makes (not started here: that forks workers and resets the
    garbage collector's freeze the loads rely on)."""
    queue = SimpleQueue()
    yield SimpleNamespace(result_queue=queue)
    queue.close()


def scheduler_module_stand_in() -> ModuleType:
    """A module holding `time` as the scheduler loop's module does, so the test does
    not patch the real one for the rest of the session."""
    module = ModuleType("scheduler_stand_in")
    module.time = time  # type: ignore[attr-defined]
    return module


def test_the_shapes_relied_on_hold():
    """The loop calls `time.sleep` of its module, and a started LocalExecutor's results
    come on a multiprocessing SimpleQueue."""
    from dti.orchestration.executor import LocalExecutor
    from dti.orchestration.scheduler_wakeup import scheduler_job_runner

    loop = scheduler_job_runner.SchedulerJobRunner._run_scheduler_loop
    assert "time.sleep(" in inspect.getsource(loop)
    assert scheduler_job_runner.time is time or hasattr(scheduler_job_runner.time, "_results")
    assert "self.result_queue = SimpleQueue()" in inspect.getsource(LocalExecutor.start)


def test_a_task_result_ends_the_idle_sleep(executor):
    from dti.orchestration.scheduler_wakeup import wake_on_task_end

    module = scheduler_module_stand_in()
    wake_on_task_end(executor, module)
    wake_on_task_end(executor, module)  # a second call does not wrap it twice
    assert type(module.time).__name__ == "_SleepUntilTaskEnds"
    threading.Timer(0.2, executor.result_queue.put, [("key", "success", None)]).start()
    clock = time.monotonic()
    module.time.sleep(30)
    assert time.monotonic() - clock < 5
    assert executor.result_queue.get() == ("key", "success", None)  # left for the executor


def test_with_no_result_the_sleep_lasts_its_time_and_time_is_still_time(executor):
    from dti.orchestration.scheduler_wakeup import wake_on_task_end

    module = scheduler_module_stand_in()
    wake_on_task_end(executor, module)
    clock = time.monotonic()
    module.time.sleep(0.3)
    assert module.time.monotonic() - clock >= 0.3
    module.time.sleep(0)  # Airflow sleeps 0 s when a timed event is due


def test_an_executor_without_a_result_queue_leaves_the_sleep_alone():
    from dti.orchestration.scheduler_wakeup import wake_on_task_end

    module = scheduler_module_stand_in()
    wake_on_task_end(object(), module)
    assert module.time is time
