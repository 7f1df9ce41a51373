"""The dbt project as an Airflow task group, through astronomer-cosmos, rendered from
the prebuilt manifest (`dti manifest`) so parsing the DAG never runs dbt."""

from __future__ import annotations

from cosmos import DbtTaskGroup, ExecutionConfig, ProfileConfig, ProjectConfig, RenderConfig
from cosmos.constants import LoadMode, TestBehavior

from dti.dbt_project import dbt_executable, manifest_path
from dti.settings import DBT_PROJECT_DIR


def dbt_task_group() -> DbtTaskGroup:
    """Call inside a DAG: one task per model that builds it and runs its tests."""
    return DbtTaskGroup(
        group_id="dbt",
        project_config=ProjectConfig(
            dbt_project_path=DBT_PROJECT_DIR, manifest_path=manifest_path()
        ),
        profile_config=ProfileConfig(
            profile_name="dti",
            target_name="warehouse",
            profiles_yml_filepath=DBT_PROJECT_DIR / "profiles.yml",
        ),
        execution_config=ExecutionConfig(dbt_executable_path=dbt_executable()),
        render_config=RenderConfig(
            load_method=LoadMode.DBT_MANIFEST,
            # `dbt build` per model: the model and its tests in one task.
            test_behavior=TestBehavior.BUILD,
            # A relationships test needs both models built: give it its own task.
            should_detach_multiple_parents_tests=True,
        ),
        operator_args={"install_deps": False},
    )
