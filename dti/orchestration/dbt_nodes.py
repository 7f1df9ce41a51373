"""One Airflow task per dbt model and seed, with `dbt build`'s meaning: the task succeeds
when the producer's single `dbt build` built the node and every test on it passed.

Cosmos 1.15.1's watcher mode gives each model a second task for its tests
(`TestBehavior.AFTER_EACH`) and refuses `TestBehavior.BUILD` outright. A task costs its
executor slot for a second or two on two cores whatever it does, and the tests' tasks sat on
the lineage between a model and the next: 43 of the run's 97 tasks, 9 of its 23 hops.
Here the model's own task also reads the producer's aggregated result of the model's
tests. Its retry runs what failed, alone: `dbt build --select <node>` (the node and its
tests) when the node failed or never ran, `dbt test --select <node>` when only tests did.
"""

from __future__ import annotations

from typing import Any

from cosmos.airflow.graph import _get_dbt_dag_task_group_identifier
from cosmos.constants import DbtResourceType
from cosmos.dbt.graph import DbtNode
from cosmos.operators._watcher.aggregation import get_tests_status_xcom_key
from cosmos.operators._watcher.state import (
    DbtTestStatus,
    get_status_xcom_key,
    get_xcom_val,
    is_dbt_node_status_success,
)
from cosmos.operators.base import DbtBuildMixin
from cosmos.operators.watcher import DbtConsumerWatcherSensor


class UnreportedTests(RuntimeError):
    """The producer finished without reporting every test on a node it built."""


class DbtNodeBuildSensor(DbtBuildMixin, DbtConsumerWatcherSensor):
    """Reports a model or seed and its tests from the producer's `dbt build` events."""

    template_fields = DbtConsumerWatcherSensor.template_fields + DbtBuildMixin.template_fields

    def __init__(self, *, tested: bool, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.tested = tested

    def _get_node_status(self, ti: Any, context: Any) -> Any:
        status = super()._get_node_status(ti, context)
        if not self.tested or not is_dbt_node_status_success(status):
            return status
        tests = get_xcom_val(ti, self.producer_task_id,
                             get_tests_status_xcom_key(self.model_unique_id))
        if tests is None:
            # The node tasks start once the producer has ended (see dbt_group), so a
            # missing result will not come: waiting for it would hang the run.
            raise UnreportedTests(
                f"dbt built {self.model_unique_id} but the producer reported no result "
                "for its tests; see the producer's log")
        return status if tests == DbtTestStatus.PASS else DbtTestStatus.FAIL

    def _fallback_to_non_watcher_run(self, try_number: int, context: Any) -> bool:
        built = get_xcom_val(context["ti"], self.producer_task_id,
                             get_status_xcom_key(self.model_unique_id)) or {}
        if not is_dbt_node_status_success(built.get("status")):
            return super()._fallback_to_non_watcher_run(try_number, context)
        # Built by the producer: only the tests are left to run (without the producer's
        # flags, which `dbt test` need not accept).
        self.log.info("%s was built; running its tests (try %s)", self.model_unique_id, try_number)
        self.base_cmd = ["test"]
        selector = DbtNode.get_resource_name_from_unique_id(self.model_unique_id)
        self.build_and_run_cmd(context, cmd_flags=["--select", selector])
        return True


def node_build_task(*, dag: Any, task_group: Any, node: Any, task_id: str,
                    task_args: dict[str, Any], **_: Any) -> DbtNodeBuildSensor:
    """Cosmos node converter: the node's task, in place of Cosmos's own."""
    return DbtNodeBuildSensor(
        task_id=task_id,
        dag=dag,
        task_group=task_group,
        tested=bool(node.has_test),
        extra_context={
            "dbt_node_config": node.context_dict,
            "dbt_dag_task_group_identifier": _get_dbt_dag_task_group_identifier(dag, task_group),
            "package_name": node.package_name,
        },
        **task_args,
    )


NODE_CONVERTERS = {DbtResourceType.MODEL: node_build_task, DbtResourceType.SEED: node_build_task}
