"""A worker's supervisor that has read the last of a task's sockets before the task
process could be reaped notices the exit when it happens, not at the end of its
heartbeat interval (dti/orchestration/task_exit.py)."""

import selectors
import subprocess
import sys
import threading

import psutil
import pytest
import structlog

pytestmark = pytest.mark.unit


def supervisor_after_the_last_socket_closed(process: subprocess.Popen):
    """Airflow's own supervisor class in the state of the race: every socket read to
    its end and unregistered, the process not yet reaped."""
    from dti.orchestration.task_exit import supervisor

    watcher = object.__new__(supervisor.WatchedSubprocess)
    watcher._exit_code = None
    watcher._open_sockets = {}
    watcher._process = supervisor.PsutilTracker(psutil.Process(process.pid))
    watcher._process_exit_monotonic = None
    watcher.selector = selectors.DefaultSelector()
    watcher.process_log = structlog.get_logger()
    return watcher


def test_the_exit_is_seen_as_it_happens_not_after_the_wait():
    from dti.orchestration.task_exit import notice_task_exit_at_once

    notice_task_exit_at_once()
    notice_task_exit_at_once()  # a second call does not wrap the wait twice
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(0.2)"])
    supervisor = supervisor_after_the_last_socket_closed(process)
    seen: list[int | None] = []
    # The supervisor's wait may be as long as the heartbeat interval; here ten minutes.
    waiting = threading.Thread(target=lambda: seen.append(
        supervisor._service_subprocess(max_wait_time=600)), daemon=True)
    waiting.start()
    waiting.join(timeout=60)
    assert not waiting.is_alive(), "the exit was not noticed: the wait runs out its time"
    assert seen == [0] and supervisor._exit_code == 0


def test_a_process_still_running_is_still_waited_for_at_most_the_interval():
    from dti.orchestration.task_exit import notice_task_exit_at_once

    notice_task_exit_at_once()
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        supervisor = supervisor_after_the_last_socket_closed(process)
        assert supervisor._service_subprocess(max_wait_time=0.2) is None  # still alive
        assert supervisor._exit_code is None
    finally:
        process.kill()
        process.wait()


def test_celery_workers_read_a_configuration_that_applies_the_fix(monkeypatch, tmp_path):
    """Under the CeleryExecutor the task processes are supervised in the Celery worker:
    the services name the project's Celery configuration, and reading it applies the fix."""
    from dti.orchestration.services import AirflowServices

    monkeypatch.setenv("DTI_STATE_DIR", str(tmp_path))
    monkeypatch.setenv("DTI_AIRFLOW_EXECUTOR", "celery")
    services = AirflowServices.default()
    services.home.mkdir(parents=True)
    env = services.env("postgresql://w@h/w", "postgresql://m@h/m", 8080)
    module, name = env["AIRFLOW__CELERY__CELERY_CONFIG_OPTIONS"].rsplit(".", 1)
    probe = (f"import {module} as m; "
             "from dti.orchestration.task_exit import supervisor as s; "
             f"assert m.{name}['task_default_queue'] is not None; "
             "assert s.WatchedSubprocess._service_subprocess.waits_on_the_process")
    subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True)
