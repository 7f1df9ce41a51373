"""The Celery workers' configuration: Airflow's own, read in a worker, whose pool
processes supervise the task processes, after the fix of the supervisor's exit wait
(task_exit). Named by ``AIRFLOW__CELERY__CELERY_CONFIG_OPTIONS`` (compose and
`dti airflow up` under the CeleryExecutor)."""

from __future__ import annotations

from airflow.providers.celery.executors.default_celery import DEFAULT_CELERY_CONFIG

from dti.orchestration.task_exit import notice_task_exit_at_once

notice_task_exit_at_once()

CELERY_CONFIG = DEFAULT_CELERY_CONFIG
