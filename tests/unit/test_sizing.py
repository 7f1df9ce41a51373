"""Airflow sized to the machine, for `dti airflow up` and the compose services alike."""

import os

import pytest

from dti.orchestration.sizing import heavy_pool_command, sized_env

pytestmark = pytest.mark.unit

KNOBS = ("AIRFLOW__CORE__PARALLELISM", "AIRFLOW_PARALLELISM",
         "AIRFLOW__CELERY__WORKER_CONCURRENCY", "AIRFLOW_WORKER_CONCURRENCY",
         "DTI_HEAVY_POOL_SLOTS", "AIRFLOW__SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME",
         "AIRFLOW_SCHEDULER_IDLE_SLEEP")


@pytest.fixture
def unset(monkeypatch):
    for name in KNOBS:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_by_default_two_tasks_and_one_heavy_slot_per_usable_core(unset):
    cores = len(os.sched_getaffinity(0))
    env = sized_env()
    assert env["AIRFLOW__CORE__PARALLELISM"] == str(2 * cores)
    assert env["AIRFLOW__CELERY__WORKER_CONCURRENCY"] == str(cores)
    assert env["DTI_HEAVY_POOL"] == "dti_heavy"
    assert heavy_pool_command()[:4] == ["pools", "set", "dti_heavy", str(cores)]
    assert env["AIRFLOW__SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME"] == "0.5"


def test_airflows_own_variable_wins_over_the_deployment_knob(unset):
    unset.setenv("AIRFLOW_PARALLELISM", "6")
    assert sized_env()["AIRFLOW__CORE__PARALLELISM"] == "6"
    unset.setenv("AIRFLOW__CORE__PARALLELISM", "5")
    assert sized_env()["AIRFLOW__CORE__PARALLELISM"] == "5"
    unset.setenv("AIRFLOW_WORKER_CONCURRENCY", "3")
    unset.setenv("DTI_HEAVY_POOL_SLOTS", "1")
    assert sized_env()["AIRFLOW__CELERY__WORKER_CONCURRENCY"] == "3"
    assert heavy_pool_command()[3] == "1"


def test_an_empty_knob_means_sized_to_the_machine(unset):
    """Compose passes an unset knob as an empty string."""
    unset.setenv("AIRFLOW_PARALLELISM", "")
    unset.setenv("DTI_HEAVY_POOL_SLOTS", " ")
    cores = len(os.sched_getaffinity(0))
    assert sized_env()["AIRFLOW__CORE__PARALLELISM"] == str(2 * cores)
    assert heavy_pool_command()[3] == str(cores)


@pytest.mark.parametrize("value", ["0", "-1", "two", "1.5"])
def test_a_knob_that_is_not_a_count_is_refused_by_name(unset, value):
    from dti.settings import SettingError

    unset.setenv("DTI_HEAVY_POOL_SLOTS", value)
    with pytest.raises(SettingError, match=f"DTI_HEAVY_POOL_SLOTS='{value}'"):
        heavy_pool_command()


def test_the_schedulers_idle_sleep_is_a_knob_too(unset):
    from dti.settings import SettingError

    unset.setenv("AIRFLOW_SCHEDULER_IDLE_SLEEP", "0.25")
    assert sized_env()["AIRFLOW__SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME"] == "0.25"
    unset.setenv("AIRFLOW__SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME", "1")
    assert sized_env()["AIRFLOW__SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME"] == "1"
    for bad in ("0", "soon"):
        unset.setenv("AIRFLOW__SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME", bad)
        with pytest.raises(SettingError, match=f"SCHEDULER_IDLE_SLEEP_TIME='{bad}'"):
            sized_env()
