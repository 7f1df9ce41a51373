"""The wait before a marts build: while an ingest run is queued or running or a batch is
loading, a build would race the loads of a drop (two builds, the second waiting for the
first). So the build waits for them, at most DTI_SETTLE_MAX_SECONDS after its run
started, and then reads the whole drop.

It waits deferred, in the triggerer, holding no executor slot: a sensor in reschedule
mode would free the slot too, but Airflow 3.3 fails such a sensor when the executor's
success for one look arrives after the next look was queued (seen in the Airflow bench:
the wait retried two minutes later); the deferral path is guarded against that race.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

from airflow.sdk import BaseOperator
from airflow.sdk.exceptions import AirflowSkipException
from airflow.triggers.base import BaseTrigger, TriggerEvent

from dti.orchestration.tasks import run_type_value

log = logging.getLogger(__name__)

POLL_SECONDS = 2.0


def loads_going() -> int:
    """Ingest DAG runs queued or running (as Airflow counts them), plus batches the
    ledger shows loading."""
    import psycopg
    from airflow.sdk.execution_time.task_runner import RuntimeTaskInstance

    from dti.orchestration.assets import RAW_ASSETS
    from dti.warehouse import builds
    from dti.warehouse.connection import warehouse_url

    runs = sum(RuntimeTaskInstance.get_dr_count(dag_id=f"ingest_{source}",
                                                states=["queued", "running"])
               for source in RAW_ASSETS)
    with psycopg.connect(warehouse_url(), autocommit=True) as conn:
        return runs + builds.loads_running(conn)


def settled(going: int, run_type: object, deadline: datetime) -> dict | None:
    """One look: None while ``going`` loads hold the build back (until ``deadline``);
    then the batch the build reads through. Skipped (with what follows) for a run that
    asset events started when nothing was loaded since the last build: the loads of a
    drop emit events while a build already reads them."""
    import psycopg

    from dti.warehouse import builds
    from dti.warehouse.connection import warehouse_url

    if going:
        if datetime.now(UTC) < deadline:
            return None
        log.warning("%d ingest runs or loads still going at the wait's limit: building "
                    "anyway", going)
    with psycopg.connect(warehouse_url(), autocommit=True) as conn:
        asset_run = run_type_value(run_type) == "asset_triggered"
        if asset_run and not builds.loaded_since_last_build(conn):
            raise AirflowSkipException("nothing loaded since the last build")
        return {"through_batch_id": builds.last_batch(conn)}


class LoadsSettledTrigger(BaseTrigger):
    """Fires once nothing is loading, or at the deadline, whichever comes first."""

    def __init__(self, deadline: str, poll_seconds: float = POLL_SECONDS) -> None:
        super().__init__()
        self.deadline = deadline
        self.poll_seconds = poll_seconds

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (f"{__name__}.{type(self).__name__}",
                {"deadline": self.deadline, "poll_seconds": self.poll_seconds})

    async def run(self) -> AsyncIterator[TriggerEvent]:
        from asgiref.sync import sync_to_async

        deadline = datetime.fromisoformat(self.deadline)
        while (going := await sync_to_async(loads_going)()) and datetime.now(UTC) < deadline:
            await asyncio.sleep(self.poll_seconds)
        yield TriggerEvent({"going": going})


class WaitForLoads(BaseOperator):
    """Returns the batch the build reads through; defers while loads are going."""

    ui_color = "#e8f0fe"

    def execute(self, context: Any) -> dict:
        from dti.settings import settle_max_seconds

        dag_run = context["dag_run"]
        deadline = dag_run.start_date + timedelta(seconds=settle_max_seconds())
        going = loads_going()
        result = settled(going, dag_run.run_type, deadline)
        if result is None:
            log.info("%d ingest runs or loads still going: waiting in the triggerer "
                     "(at most until %s)", going, deadline.isoformat(timespec="seconds"))
            self.defer(trigger=LoadsSettledTrigger(deadline.isoformat()),
                       method_name="resume")
        return result

    def resume(self, context: Any, event: dict | None = None) -> dict:
        # Look again rather than trust the event: a load may have started since.
        return self.execute(context)
