"""Apply the versioned SQL migrations in ``warehouse/`` exactly once each.

A migration is ``NNNN_name.sql``; its version is NNNN. Applied versions and the
checksum of what was applied are kept in ``meta.schema_migrations``; an applied
file whose text has changed since is an error, not a silent re-run.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import psycopg

from dti.settings import MIGRATIONS_DIR

# Any constant works; it only has to be the same for every migrating process.
_MIGRATION_LOCK = 7_200_766


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    path: Path

    @property
    def sql(self) -> str:
        return self.path.read_text(encoding="utf-8")

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


class MigrationError(RuntimeError):
    pass


def discover(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    found = []
    for path in sorted(directory.glob("*.sql")):
        m = re.fullmatch(r"(\d{4})_(\w+)\.sql", path.name)
        if not m:
            raise MigrationError(f"{path}: migration files are named NNNN_name.sql")
        found.append(Migration(int(m.group(1)), m.group(2), path))
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise MigrationError(f"duplicate migration versions in {directory}")
    return found


def migrate(url: str, directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """Apply pending migrations in order, each in its own transaction; return those applied."""
    applied_now = []
    with psycopg.connect(url, autocommit=True) as conn:
        # Serialise concurrent `dti migrate` runs (tests, compose, the demo).
        conn.execute("select pg_advisory_lock(%s)", (_MIGRATION_LOCK,))
        try:
            conn.execute("create schema if not exists meta")
            conn.execute(
                """create table if not exists meta.schema_migrations (
                       version integer primary key,
                       name text not null,
                       checksum char(64) not null,
                       applied_at timestamptz not null default now())"""
            )
            done = dict(conn.execute("select version, checksum from meta.schema_migrations"))
            for mig in discover(directory):
                if mig.version in done:
                    if done[mig.version].strip() != mig.checksum:
                        raise MigrationError(
                            f"{mig.path.name} was changed after it was applied; "
                            "add a new migration instead of editing an applied one"
                        )
                    continue
                with conn.transaction():
                    conn.execute(mig.sql)
                    conn.execute(
                        "insert into meta.schema_migrations (version, name, checksum) "
                        "values (%s, %s, %s)",
                        (mig.version, mig.name, mig.checksum),
                    )
                applied_now.append(mig)
        finally:
            conn.execute("select pg_advisory_unlock(%s)", (_MIGRATION_LOCK,))
    return applied_now


def pending(url: str, directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """Migrations this checkout has and the warehouse has not applied yet."""
    with psycopg.connect(url) as conn:
        exists = conn.execute("select to_regclass('meta.schema_migrations')").fetchone()[0]
        done = ({v for (v,) in conn.execute("select version from meta.schema_migrations")}
                if exists else set())
    return [m for m in discover(directory) if m.version not in done]
