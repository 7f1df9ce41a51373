"""The real Airflow services of this checkout, natively from the venv (no Docker):
api-server, scheduler, dag-processor and triggerer with the LocalExecutor, metadata in
their own database (``airflow``) on the warehouse's server, the project's DAGs, the UI
on 127.0.0.1. ``dti airflow up|down|status``.

Sized to the machine as `dti.orchestration.sizing` says (two tasks per core, a pool
``dti_heavy`` of one slot per core for the tasks that load with Great Expectations or
run dbt), overridable from the environment; ``DTI_AIRFLOW_PORT`` sets the UI port.

``DTI_AIRFLOW_EXECUTOR=celery`` runs the CeleryExecutor instead: the same services,
``DTI_CELERY_WORKERS`` Celery workers on this host (each its own process group, its
own log-server port), the broker at ``DTI_CELERY_BROKER_URL`` and task results in
Airflow's database. A worker on another host is ``airflow celery worker`` with the
environment written to ``env.json`` (secrets added).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from dti.dbt_project import build_manifest
from dti.orchestration.runtime import airflow_binary, airflow_env, warehouse_env
from dti.orchestration.sizing import heavy_pool_command, sized_env
from dti.settings import (
    airflow_executor,
    celery_broker_url,
    celery_queue,
    state_dir,
)

OVERRIDABLE = ("AIRFLOW__SCHEDULER__TASK_QUEUED_TIMEOUT",
               "AIRFLOW__SCHEDULER__TASK_QUEUED_TIMEOUT_CHECK_INTERVAL")
SERVICES = ("api-server", "scheduler", "dag-processor", "triggerer")
WORKER_PREFIX = "celery-worker-"
HEALTH = ("metadatabase", "scheduler", "dag_processor", "triggerer")


class ServicesError(RuntimeError):
    pass


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_airflow(env: dict[str, str], *args: str) -> subprocess.Popen:
    """`airflow ARGS` of this venv, its output kept for the error."""
    return subprocess.Popen([airflow_binary(), *args], env={**os.environ, **env},
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def finish_airflow(proc: subprocess.Popen, args: tuple[str, ...]) -> None:
    """Wait for it; a failure is one line: the exception Airflow ended on, without its
    traceback (e.g. the database refusing the connection)."""
    out, _ = proc.communicate()
    if proc.returncode != 0:
        lines = [line.strip() for line in (out or "").splitlines() if line.strip()]
        errors = [line for line in lines if re.match(r"^[\w.]+(Error|Exception): ", line)]
        reason = (errors or lines or [f"exit {proc.returncode}"])[-1]
        raise ServicesError(f"airflow {' '.join(args)} failed: {reason}")


def run_airflow(env: dict[str, str], *args: str) -> None:
    finish_airflow(start_airflow(env, *args), args)


def _alive(pid: int) -> bool:
    try:  # a child of this process that has exited is reaped here, not left a zombie
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return False
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _secret(path: Path) -> str:
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def warehouse_and_metadata_urls() -> tuple[str, str]:
    """The warehouse (started and migrated), and Airflow's own database `airflow` on
    the same server (created when missing)."""
    from dti.warehouse.connection import warehouse_url
    from dti.warehouse.embedded import ensure_database
    from dti.warehouse.migrations import migrate

    url = warehouse_url(start=True)
    migrate(url)
    server = url.rsplit("/", 1)[0]
    ensure_database(server + "/postgres", "airflow")
    return url, server + "/airflow"


class AirflowApi:
    """Airflow's REST API (v2) of the running services, logged in with a UI login."""

    def __init__(self, base: str, username: str, password: str) -> None:
        self.base = base
        self.token: str | None = None
        self.token = self.call("/auth/token", {"username": username, "password": password},
                               "POST")["access_token"]

    def call(self, path: str, body: dict | None = None, method: str = "GET") -> dict:
        request = urllib.request.Request(
            self.base + path, method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Content-Type": "application/json",
                     **({"Authorization": f"Bearer {self.token}"} if self.token else {})})
        with urllib.request.urlopen(request, timeout=60) as resp:
            return json.load(resp)


@dataclass(frozen=True)
class AirflowServices:
    home: Path

    @classmethod
    def default(cls) -> AirflowServices:
        return cls(state_dir() / "airflow-services")

    @property
    def pid_dir(self) -> Path:
        return self.home / "pids"

    @property
    def port_file(self) -> Path:
        return self.home / "port"

    @property
    def passwords_file(self) -> Path:
        return self.home / "simple_auth_manager_passwords.json.generated"

    def port(self) -> int:
        return int(self.port_file.read_text())

    def url(self) -> str:
        return f"http://127.0.0.1:{self.port()}"

    def env(self, warehouse_url: str, metadata_url: str, port: int) -> dict[str, str]:
        sync = metadata_url.replace("postgresql://", "postgresql+psycopg2://", 1)
        defaults = {
            # What in-process runs use (home, DAG folder, Cosmos settings), then what
            # services need on top: their own database, executor, API and logs.
            **airflow_env(self.home),
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
            # The LocalExecutor, with GX, dbt and Cosmos imported once before it forks.
            "AIRFLOW__CORE__EXECUTOR": "dti.orchestration.executor.PreloadingLocalExecutor",
            "GX_ANALYTICS_ENABLED": "False",
            # Parallelism, Celery concurrency and the heavy pool's name, sized to the
            # machine (overrides applied).
            **sized_env(),
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": sync,
            "AIRFLOW__API__PORT": str(port),
            "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{port}",
            "AIRFLOW__API_AUTH__JWT_SECRET": _secret(self.home / "jwt_secret"),
            "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(_free_port()),
            "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(_free_port()),
            "DTI_STATE_DIR": str(state_dir()),
            **warehouse_env(warehouse_url),
        }
        if airflow_executor() == "celery":
            defaults.update({
                "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
                "AIRFLOW__CELERY__BROKER_URL": celery_broker_url(),
                "AIRFLOW__CELERY__RESULT_BACKEND": "db+" + metadata_url,
                "AIRFLOW__OPERATORS__DEFAULT_QUEUE": celery_queue(),
                # Airflow's Celery settings, read in each worker with the fix of the
                # task supervisor's exit wait applied (celery_worker, task_exit).
                "AIRFLOW__CELERY__CELERY_CONFIG_OPTIONS":
                    "dti.orchestration.celery_worker.CELERY_CONFIG",
                # A worker killed with a task it had reserved but not started leaves that
                # task queued until the broker's visibility timeout (a day): the scheduler
                # queues it again after 3 minutes instead.
                "AIRFLOW__SCHEDULER__TASK_QUEUED_TIMEOUT": "180",
                "AIRFLOW__SCHEDULER__TASK_QUEUED_TIMEOUT_CHECK_INTERVAL": "30",
            })
        # The queue timeouts set in the environment win.
        return {**defaults, **{k: os.environ[k] for k in OVERRIDABLE if os.environ.get(k)}}

    def pids(self) -> dict[str, int]:
        """Every service and worker started here, by name, with its process id."""
        if not self.pid_dir.exists():
            return {}
        return {p.stem: int(p.read_text()) for p in sorted(self.pid_dir.glob("*.pid"))}

    def _spawn(self, name: str, env: dict[str, str], *args: str) -> int:
        log = (self.home / f"{name}.log").open("ab")
        proc = subprocess.Popen(
            [airflow_binary(), *args],
            env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True)
        (self.pid_dir / f"{name}.pid").write_text(str(proc.pid))
        return proc.pid

    def spawn_worker(self, name: str, env: dict[str, str]) -> tuple[int, Path, int]:
        """Start one Celery worker (its own process group, log-server port and name) on
        the deployment's queue; returns its pid, log and where this start's log begins."""
        log = self.home / f"{WORKER_PREFIX}{name}.log"
        start = log.stat().st_size if log.exists() else 0
        pid = self._spawn(
            f"{WORKER_PREFIX}{name}",
            {**env, "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(_free_port())},
            "celery", "worker", "--queues", env["AIRFLOW__OPERATORS__DEFAULT_QUEUE"],
            "--celery-hostname", f"{name}@%h")
        return pid, log, start

    def wait_worker(self, name: str, started: tuple[int, Path, int],
                    timeout: float = 120) -> int:
        """The worker's pid once it is ready for tasks."""
        pid, log, start = started
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not _alive(pid):
                raise ServicesError(f"celery worker {name} exited; see {log}")
            with log.open("rb") as fh:
                fh.seek(start)
                if b" ready." in fh.read():
                    return pid
            time.sleep(0.5)
        raise ServicesError(f"celery worker {name} not ready after {timeout:.0f} s; see {log}")

    def up(self, warehouse_url: str, metadata_url: str, timeout: float = 180,
           workers: int = 1) -> str:
        """Start what is not running; return the UI address once every service reports
        healthy (and, under Celery, ``workers`` workers are ready)."""
        self.home.mkdir(parents=True, exist_ok=True)
        self.pid_dir.mkdir(exist_ok=True)
        running = {s for s, pid in self.pids().items() if _alive(pid)}
        if not running:
            requested = os.environ.get("DTI_AIRFLOW_PORT")
            self.port_file.write_text(requested or str(_free_port()))
        env = self.env(warehouse_url, metadata_url, self.port())
        (self.home / "env.json").write_text(json.dumps(
            {k: v for k, v in env.items() if "SECRET" not in k and "PASSWORD" not in k},
            indent=1))
        if not running:
            # The metadata migration runs while dbt parses: Cosmos renders the transform
            # DAG from the manifest, and neither waits on the other.
            migration = start_airflow(env, "db", "migrate")
            try:
                build_manifest(warehouse_url)
            finally:
                finish_airflow(migration, ("db", "migrate"))
            run_airflow(env, *heavy_pool_command())
        for service in SERVICES:
            if service not in running:
                self._spawn(service, env, service)
        # Workers start beside the services (they need only the migrated database), so
        # their start-up overlaps the wait for the services to be healthy.
        spawned = {}
        if env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor":
            spawned = {str(n): self.spawn_worker(str(n), env) for n in range(1, workers + 1)
                       if f"{WORKER_PREFIX}{n}" not in running}
        self.wait_healthy(timeout)
        for name, started in spawned.items():
            self.wait_worker(name, started)
        return self.url()

    def health(self) -> dict[str, str]:
        """Each component's status as the api-server reports it ({} when unreachable)."""
        try:
            with urllib.request.urlopen(f"{self.url()}/api/v2/monitor/health",
                                        timeout=5) as resp:
                body = json.load(resp)
        except (OSError, ValueError, urllib.error.URLError):
            return {}
        return {k: (body.get(k) or {}).get("status", "unknown") for k in HEALTH}

    def wait_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        health: dict[str, str] = {}
        while time.monotonic() < deadline:
            dead = [s for s, pid in self.pids().items()
                    if s in SERVICES and not _alive(pid)]
            if dead:
                raise ServicesError(f"{', '.join(dead)} exited; see "
                                    + ", ".join(str(self.home / f"{s}.log") for s in dead))
            health = self.health()
            if health and all(v == "healthy" for v in health.values()):
                return
            time.sleep(1)
        raise ServicesError(f"not healthy after {timeout:.0f} s: {health or 'no api-server'}"
                            f" (logs in {self.home})")

    def api(self) -> AirflowApi:
        """The REST API, logged in as admin."""
        return AirflowApi(self.url(), "admin", self.admin_password() or "")

    def admin_password(self) -> str | None:
        if not self.passwords_file.exists():
            return None
        return json.loads(self.passwords_file.read_text()).get("admin")

    def status(self) -> dict[str, bool]:
        pids = self.pids()
        return {s: s in pids and _alive(pids[s]) for s in (*SERVICES, *sorted(
            set(pids) - set(SERVICES)))}

    def down(self, timeout: float = 30) -> list[str]:
        """Stop every service (its whole process group); return those that were running."""
        stopped = []
        for service, pid in self.pids().items():
            if _alive(pid):
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(pid, signal.SIGTERM)
                stopped.append(service)
        deadline = time.monotonic() + timeout
        for service, pid in self.pids().items():
            while _alive(pid) and time.monotonic() < deadline:
                time.sleep(0.2)
            if _alive(pid):
                os.killpg(pid, signal.SIGKILL)
            (self.pid_dir / f"{service}.pid").unlink(missing_ok=True)
        return stopped
