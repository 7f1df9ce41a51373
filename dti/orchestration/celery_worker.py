"""The Celery workers' configuration: Airflow's own, read in a worker, whose pool
processes supervise the task processes, after the fix of the supervisor's exit wait
(task_exit). Named by ``AIRFLOW__CELERY__CELERY_CONFIG_OPTIONS`` (compose and
`dti airflow up` under the CeleryExecutor).

A worker's main process also loads what the tasks need (dti.orchestration.preload)
before it forks its pool: a load task imported Great Expectations itself otherwise.
The scheduler reads this configuration too, but never starts a worker, so it does not
load them."""

from __future__ import annotations

from typing import Any

from airflow.providers.celery.executors.default_celery import DEFAULT_CELERY_CONFIG
from celery.signals import worker_init

from dti.orchestration.task_exit import notice_task_exit_at_once

notice_task_exit_at_once()


@worker_init.connect
def _preload(**_: Any) -> None:  # in the worker's main process, before the pool forks
    # Imported here: the scheduler and the API server read this configuration too.
    from dti.orchestration.preload import preload_before_forking

    preload_before_forking()


CELERY_CONFIG = DEFAULT_CELERY_CONFIG
