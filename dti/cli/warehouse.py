"""`dti warehouse`, `dti migrate`, `dti bi-user`: the warehouse and who may use it."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path


def cmd_warehouse(args: argparse.Namespace) -> int:
    from dti.warehouse.connection import configured_url, mask_url, warehouse_url
    from dti.warehouse.embedded import EmbeddedWarehouse

    if args.action == "psql":
        # The password goes to psql in its environment, never on a screen or command line.
        from urllib.parse import unquote, urlsplit

        url = warehouse_url()
        env = {**os.environ, "PGPASSWORD": unquote(urlsplit(url).password or "")}
        return subprocess.call(["psql", mask_url(url, mask=""), *args.extra],
                               env=env)
    external = configured_url()
    if external:
        if args.action == "url":
            print(mask_url(external))
        else:
            print(f"DTI_WAREHOUSE_URL is set ({mask_url(external)}): that server is the "
                  f"warehouse; nothing to {args.action}.")
        return 0
    wh = EmbeddedWarehouse.default()
    if args.action == "start":
        print(mask_url(wh.start()))
    elif args.action == "stop":
        print("stopped" if wh.stop() else "not running")
    elif args.action == "status":
        running = wh.is_running()
        print(f"running at {mask_url(wh.url())} (data in {wh.data_dir}; password in "
              f"{wh.password_file})" if running else "not running")
        return 0 if running else 3
    elif args.action == "url":
        print(mask_url(wh.url()))
    return 0


def cmd_bi_user(args: argparse.Namespace) -> int:
    from dti.warehouse.connection import warehouse_url
    from dti.warehouse.roles import create_bi_login

    password = None
    if args.password_env:
        password = os.environ.get(args.password_env, "")
        if not password:
            print(f"error: {args.password_env} is empty: set it (e.g. in .env) to the BI "
                  "login's password", file=sys.stderr)
            return 2
    try:
        path = create_bi_login(warehouse_url(start=True), args.name,
                               Path(args.password_file) if args.password_file else None,
                               password)
    except ValueError as exc:  # a name or password it refuses, said in one line
        print(f"error: {exc}", file=sys.stderr)
        return 2
    where = f"password in {path} (mode 0600)" if path else f"password from {args.password_env}"
    print(f"BI login {args.name}: member of bi_reader only; {where}")
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    from dti.warehouse.connection import warehouse_url
    from dti.warehouse.migrations import migrate

    applied = migrate(warehouse_url(start=True))
    for m in applied:
        print(f"applied {m.version:04d}_{m.name}")
    if not applied:
        print("warehouse is up to date")
    return 0
