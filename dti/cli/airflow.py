"""`dti airflow up|down|status`: the real Airflow services of this checkout, natively.
`dti airflow init|service`: what the compose services run, sized the same way."""

from __future__ import annotations

import argparse
import os
import sys


def _init() -> int:
    """Airflow's database migrated, then the heavy pool made (sized to the machine)."""
    from dti.orchestration.services import ServicesError, run_airflow
    from dti.orchestration.sizing import heavy_pool_command, sized_env

    env, pool = sized_env(), heavy_pool_command()
    try:
        run_airflow(env, "db", "migrate")
        run_airflow(env, *pool)
    except ServicesError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"Airflow's database is migrated; pool {pool[2]}: {pool[3]} slots")
    return 0


def _service(command: list[str]) -> int:
    """Become `airflow COMMAND` (exec: the container's signals reach it), sized."""
    from dti.orchestration.runtime import airflow_binary
    from dti.orchestration.sizing import sized_env

    airflow = airflow_binary()
    os.execve(airflow, [airflow, *command], {**os.environ, **sized_env()})
    return 0  # not reached


def cmd_airflow(args: argparse.Namespace) -> int:
    if args.action == "service":
        if not args.airflow_args:
            print("error: dti airflow service needs an Airflow command, e.g. scheduler",
                  file=sys.stderr)
            return 2
        return _service(args.airflow_args)
    if args.airflow_args:
        print(f"error: dti airflow {args.action} takes no further arguments "
              f"(got {' '.join(args.airflow_args)})", file=sys.stderr)
        return 2
    if args.action == "init":
        return _init()
    from dti.orchestration.services import (
        AirflowServices,
        ServicesError,
        warehouse_and_metadata_urls,
    )

    services = AirflowServices.default()
    if args.action == "status":
        states = services.status()
        for service, alive in states.items():
            print(f"{service:<14} {'running' if alive else 'stopped'}")
        if any(states.values()):
            print(f"UI: {services.url()}  health: {services.health() or 'unreachable'}")
        return 0 if all(states.values()) else 1
    if args.action == "down":
        stopped = services.down()
        print("stopped: " + (", ".join(stopped) if stopped else "nothing was running"))
        return 0
    from dti.settings import airflow_executor, celery_workers

    celery = airflow_executor() == "celery"
    try:
        ui = services.up(*warehouse_and_metadata_urls(),
                         workers=celery_workers() if celery else 0)
    except ServicesError as exc:
        print(f"error: {exc}")
        return 1
    workers = f", {celery_workers()} Celery worker(s)" if celery else ""
    print(f"Airflow is up: {ui} (api-server, scheduler, dag-processor, triggerer{workers}; "
          f"logs in {services.home})")
    shown = services.home / ".login_shown"
    password = services.admin_password()
    if password and not shown.exists():
        print(f"Log in as admin / {password} (shown once; it stays in "
              f"{services.passwords_file})")
        shown.touch()
    print("Stop with: .venv/bin/dti airflow down")
    return 0

