"""`dti airflow up|down|status`: the real Airflow services of this checkout, natively."""

from __future__ import annotations

import argparse


def cmd_airflow(args: argparse.Namespace) -> int:
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

