"""The dbt producer's XComs go out from a thread of their own, in order, and the
producer does not end before they all have (dti/orchestration/producer_pushes.py)."""

import threading

import pytest

from dti.orchestration import producer_pushes

pytestmark = pytest.mark.unit


def test_pushes_leave_in_order_and_close_waits_for_the_last():
    pushed: list[tuple[str, int]] = []
    gate = threading.Event()

    def slow_push(*, task_instance, key, value):
        gate.wait(10)  # the API server is slow: the caller must not wait for it
        pushed.append((key, value))

    pushes = producer_pushes._PushThread(slow_push)
    for i in range(50):
        pushes.put(None, f"k{i}", i)
    assert pushed == []  # handed over without waiting
    gate.set()
    assert pushes.close() is None
    assert pushed == [(f"k{i}", i) for i in range(50)]


def test_a_failed_push_is_reported_and_nothing_after_it_is_pushed():
    pushed: list[str] = []

    def push(*, task_instance, key, value):
        if key == "bad":
            raise ConnectionError("API server gone")
        pushed.append(key)

    pushes = producer_pushes._PushThread(push)
    for key in ("a", "bad", "c"):
        pushes.put(None, key, 0)
    error = pushes.close()
    assert isinstance(error, ConnectionError) and pushed == ["a"]


def test_the_producer_fails_when_a_result_could_not_be_recorded_and_not_before():
    events: list[str] = []

    def push(*, task_instance, key, value):
        events.append(f"pushed {key}")
        if key == "lost":
            raise ConnectionError("API server gone")

    def execute(self, context):
        for key in context["keys"]:
            producer_pushes._pushing.put(None, key, 1)
        events.append("build done")
        return "ok"

    run = producer_pushes._push_in_the_background(execute, push)
    assert run(None, {"keys": ["a", "b"]}) == "ok"
    assert sorted(events) == ["build done", "pushed a", "pushed b"]
    assert producer_pushes._pushing is None  # outside a producer, pushes are direct
    with pytest.raises(RuntimeError, match="could not record a node's result"):
        run(None, {"keys": ["lost"]})


def test_dbt_debug_events_reach_the_producer_only_when_it_reads_them():
    """dbt's own event messages: a debug-level SQL query is not handed to the producer's
    callback, a node's end (debug too) and the version line (info) are."""
    from dbt.adapters.events.types import SQLQuery
    from dbt.events.types import MainReportVersion, NodeFinished
    from dbt_common.events.base_types import msg_from_base_event

    seen: list[str] = []
    on_event = producer_pushes._without_unread_debug(
        lambda event: seen.append(event.info.name), producer_pushes._debug_events_read())
    for event in (SQLQuery(conn_name="c", sql="select 1", node_info={}),
                  NodeFinished(node_info={}, run_result={}),
                  MainReportVersion(version="1.11", log_version=3)):
        on_event(msg_from_base_event(event))
    assert seen == ["NodeFinished", "MainReportVersion"]
