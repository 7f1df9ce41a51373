"""The trigger the wait for loads defers to: it looks until nothing is loading or the
deadline has passed, and survives the triggerer's serialisation."""

import asyncio
import importlib
from datetime import UTC, datetime, timedelta

import pytest

from dti.orchestration import settle

pytestmark = pytest.mark.unit


def events(trigger) -> list[dict]:
    async def collect():
        return [e.payload async for e in trigger.run()]
    return asyncio.run(collect())


def test_it_fires_once_nothing_is_loading(monkeypatch):
    looks = iter([3, 1, 0, 5])
    monkeypatch.setattr(settle, "loads_going", lambda: next(looks))
    deadline = (datetime.now(UTC) + timedelta(minutes=10)).isoformat()
    assert events(settle.LoadsSettledTrigger(deadline, poll_seconds=0.01)) == [{"going": 0}]
    assert next(looks) == 5  # it stopped looking at the first quiet look


def test_it_fires_at_the_deadline_whatever_is_going(monkeypatch):
    monkeypatch.setattr(settle, "loads_going", lambda: 2)
    deadline = (datetime.now(UTC) + timedelta(seconds=0.05)).isoformat()
    assert events(settle.LoadsSettledTrigger(deadline, poll_seconds=0.01)) == [{"going": 2}]


def test_the_triggerer_rebuilds_it_from_its_serialisation():
    deadline = datetime(2026, 12, 7, 9, tzinfo=UTC).isoformat()
    classpath, kwargs = settle.LoadsSettledTrigger(deadline).serialize()
    module, name = classpath.rsplit(".", 1)
    again = getattr(importlib.import_module(module), name)(**kwargs)
    assert (again.deadline, again.poll_seconds) == (deadline, settle.POLL_SECONDS)
