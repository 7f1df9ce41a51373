"""What the dbt producer pushes to XCom, and when.

Cosmos 1.15.1's producer pushes each node's result as dbt reports it: an XCom through
Airflow's API (the task process asks its supervisor, which calls the API server) from
dbt's own event callback, so dbt waits for each. Nothing reads them before the producer
has ended (the node tasks start after it, see dbt_group). Here:

- Two kinds are not pushed at all: a node's intermediate events (NodeStart, NodeCompiling,
  NodeExecuting, each overwritten by the next; the node tasks read the final one), and
  anything keyed by a data or unit test (a test has no task, its model's task reads the
  producer's aggregate of its tests): ~220 of a run's ~400 pushes.
- The rest are pushed in order from a thread of their own while dbt goes on, and the
  producer ends only once every push is done; a push that failed fails the producer.
- dbt's debug-level events reach the callback only when the producer reads them (a
  node's end, the skips after a failure, the versions): Cosmos turned each of the
  ~5,000 a build fires into JSON and parsed it back (~0.6 s of a 12 s build) to find
  mostly nothing; the task log shows info and above anyway.

Each part is skipped when Cosmos changes shape, and then everything is pushed as before.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Any

Push = Callable[..., None]


class _PushThread:
    """Pushes, in the order given, from one thread; `close` waits for all of them."""

    def __init__(self, push: Push) -> None:
        self._push = push
        self._queue: queue.SimpleQueue[tuple[Any, str, Any] | None] = queue.SimpleQueue()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="xcom-pushes", daemon=True)
        self._thread.start()

    def put(self, task_instance: Any, key: str, value: Any) -> None:
        self._queue.put((task_instance, key, value))

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            if self._error is None:  # after a failure the rest is dropped; close raises
                task_instance, key, value = item
                try:
                    self._push(task_instance=task_instance, key=key, value=value)
                except BaseException as exc:  # handed to close()
                    self._error = exc

    def close(self) -> BaseException | None:
        self._queue.put(None)
        self._thread.join()
        return self._error


_pushing: _PushThread | None = None  # while a producer runs in this process


def _push_in_the_background(execute: Callable[..., Any], push: Push) -> Callable[..., Any]:
    def execute_pushing_behind(self: Any, context: Any, **kwargs: Any) -> Any:
        global _pushing
        pushing = _pushing = _PushThread(push)
        try:
            result = execute(self, context, **kwargs)
        finally:  # a build that failed reports its own failure, not a push's
            _pushing = None
            error = pushing.close()
        if error is not None:
            raise RuntimeError(f"the producer could not record a node's result: {error}") \
                from error
        return result

    return execute_pushing_behind


def _debug_events_read() -> frozenset[str]:
    from cosmos.operators._watcher import base
    from cosmos.operators._watcher.state import DBT_UPSTREAM_FAILURE_SKIP_EVENT_NAMES

    return frozenset(base._DBT_EVENT_ALLOWLIST) | frozenset(
        DBT_UPSTREAM_FAILURE_SKIP_EVENT_NAMES) | {"MainReportVersion", "AdapterRegistered"}


def _without_unread_debug(callback: Callable[[Any], None],
                          read: frozenset[str]) -> Callable[[Any], None]:
    def on_event(event: Any) -> None:
        info = event.info
        if info.level != "debug" or info.name in read:
            callback(event)

    return on_event


def _callbacks_see_what_they_read(run: Callable[..., Any]) -> Callable[..., Any]:
    """The producer's dbt run, its callbacks behind the debug-event filter."""
    from cosmos.dbt import runner

    def run_dbt_runner(self: Any, command: list[str], env: dict[str, str], cwd: str,
                       **kwargs: Any) -> Any:
        get_runner, read = runner.get_runner, _debug_events_read()

        def filtered(callbacks: list[Any] | None = None) -> Any:
            return get_runner(callbacks=[_without_unread_debug(c, read) for c in callbacks]
                              if callbacks else callbacks)

        runner.get_runner = filtered
        try:
            return run(self, command, env, cwd, **kwargs)
        finally:
            runner.get_runner = get_runner

    return run_dbt_runner


def push_only_what_node_tasks_read() -> None:
    """Patch Cosmos's producer, once per process (marked on Cosmos's own class)."""
    from cosmos.operators._watcher import base
    from cosmos.operators.watcher import DbtProducerWatcherOperator

    if getattr(DbtProducerWatcherOperator, "dti_patched", False):
        return
    DbtProducerWatcherOperator.dti_patched = True
    allowed = getattr(base, "_DBT_EVENT_ALLOWLIST", None)
    if isinstance(allowed, frozenset) and "NodeFinished" in allowed:
        base._DBT_EVENT_ALLOWLIST = allowed - {"NodeStart", "NodeCompiling", "NodeExecuting"}

    push = getattr(base, "safe_xcom_push", None)
    if not callable(push):
        return

    def push_unless_a_test(task_instance: Any, key: str, value: Any) -> None:
        if key.startswith(("test__", "unit_test__")):
            return
        if _pushing is not None:
            _pushing.put(task_instance, key, value)
        else:
            push(task_instance=task_instance, key=key, value=value)

    base.safe_xcom_push = push_unless_a_test
    DbtProducerWatcherOperator.execute = _push_in_the_background(
        DbtProducerWatcherOperator.execute, push)
    DbtProducerWatcherOperator.run_dbt_runner = _callbacks_see_what_they_read(
        DbtProducerWatcherOperator.run_dbt_runner)
