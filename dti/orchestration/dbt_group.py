"""The dbt project as an Airflow task group, through astronomer-cosmos, rendered from
the prebuilt manifest (`dti manifest`) so parsing the DAG never runs dbt.

Watcher mode: one task (the producer) runs a single `dbt build` in-process, and each
model and seed keeps a task of its own that reports, from the producer's events, the
node's result and its tests' (see dbt_nodes). dbt runs once per DAG run instead of once
per model. Cosmos's local mode stays a setting away (DTI_DBT_EXECUTION=local).
"""

from __future__ import annotations

from airflow.sdk import TaskGroup
from airflow.task.trigger_rule import TriggerRule
from cosmos import DbtTaskGroup, ExecutionConfig, ProfileConfig, ProjectConfig, RenderConfig
from cosmos.constants import ExecutionMode, InvocationMode, LoadMode, TestBehavior

from dti.dbt_project import PROFILE, TARGET, dbt_executable, manifest_path
from dti.orchestration.dbt_nodes import NODE_CONVERTERS
from dti.orchestration.producer_pushes import push_only_what_node_tasks_read
from dti.settings import DBT_PROJECT_DIR, dbt_execution, heavy_pool

PRODUCER_SUFFIX = "dbt_producer_watcher"

push_only_what_node_tasks_read()


def dbt_task_group() -> DbtTaskGroup:
    """Call inside a DAG: the producer (one `dbt build`) and a task per node; or, with
    DTI_DBT_EXECUTION=local, Cosmos's own local mode (a task per node running dbt for
    it, and a task per model's tests, each in the heavy pool)."""
    watcher = dbt_execution() == "watcher"
    group = DbtTaskGroup(
        group_id="dbt",
        project_config=ProjectConfig(
            dbt_project_path=DBT_PROJECT_DIR, manifest_path=manifest_path()
        ),
        profile_config=ProfileConfig(
            profile_name=PROFILE,
            target_name=TARGET,
            profiles_yml_filepath=DBT_PROJECT_DIR / "profiles.yml",
        ),
        execution_config=_watcher_execution() if watcher else ExecutionConfig(
            execution_mode=ExecutionMode.LOCAL,
            invocation_mode=InvocationMode.DBT_RUNNER,
            dbt_executable_path=dbt_executable(),
        ),
        render_config=RenderConfig(
            load_method=LoadMode.DBT_MANIFEST,
            # Watcher: the producer runs `dbt build`, so a failed test stops what depends
            # on it, and a model's task fails when the model or one of its tests failed.
            test_behavior=TestBehavior.BUILD if watcher else TestBehavior.AFTER_EACH,
            node_converters=NODE_CONVERTERS if watcher else None,
            # Exposures (the BI dashboards) are documentation, not something to run; left
            # in, Cosmos warns at every parse that it has no task for them.
            exclude=["resource_type:exposure"],
        ),
        # Cosmos would otherwise publish an Asset per model named after host:port.
        operator_args={"install_deps": False, "emit_datasets": False,
                       **({} if watcher else {"pool": heavy_pool()})},
    )
    if watcher:
        _start_reporters_after_the_build(group)
    return group


def _watcher_execution() -> ExecutionConfig:
    return ExecutionConfig(
        execution_mode=ExecutionMode.WATCHER,
        invocation_mode=InvocationMode.DBT_RUNNER,
        dbt_executable_path=dbt_executable(),
        # The producer only. Not retried: a second `dbt build` would redo what
        # succeeded, and a retry would clear the results the node tasks read.
        # Its log gets dbt's messages from Cosmos's event callback; dbt's own log
        # lines are waste there (its JSON stdout, which Cosmos filters out of the
        # task log, and its debug file in the project copy deleted after the
        # build): without them the build took ~1 s less (15.2 s against 16.3 s).
        setup_operator_args={
            "retries": 0,
            "pool": heavy_pool(),
            "dbt_cmd_flags": ["--log-level", "none", "--log-level-file", "none"],
        },
    )


def _start_reporters_after_the_build(group: TaskGroup) -> None:
    """The node tasks start once the producer has run, whatever its outcome; when it
    never ran (a task before it failed), they are skipped rather than waiting for
    events that will never come (ONE_DONE: each has the producer as its only upstream).

    Cosmos lets them start alongside it and wait for its events; an in-process run
    (`dag.test()`, the demo, the tests) runs one task at a time, so a node task picked
    before the producer would wait forever. After the producer, each node task finds
    its result at once; a failed node fails its task, and that task's retry runs the
    node alone. The producer itself is not retried (see its arguments above): its
    failure shows in red while the run's outcome is decided by the node tasks."""
    tasks = {t.task_id: t for t in group.iter_tasks()}
    (producer,) = [t for tid, t in tasks.items() if tid.endswith("." + PRODUCER_SUFFIX)]
    for task in tasks.values():
        # A node task's retry runs dbt itself; it must not publish host:port Assets either.
        task.emit_datasets = False
        if task is producer:
            continue
        if producer.task_id in task.upstream_task_ids:  # Cosmos's own end marker
            task.trigger_rule = TriggerRule.ONE_DONE
        elif not task.upstream_task_ids & tasks.keys():
            producer >> task
            task.trigger_rule = TriggerRule.ONE_DONE
