"""Logins for people and tools that read the marts (BI): ``bi_reader`` and no more."""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

import psycopg
from psycopg import sql

from dti.settings import state_dir

_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def create_bi_login(url: str, name: str, password_file: Path | None = None,
                    password: str | None = None) -> Path | None:
    """Create login ``name`` as a member of bi_reader only (or give an existing one a
    new password). A generated password is written to a 0600 file whose path is
    returned; a given one (e.g. from the deployment's .env) is written nowhere."""
    if not _NAME.fullmatch(name):
        raise ValueError(f"{name!r}: a login name is lower-case letters, digits and _")
    given = password is not None
    if given and len(password) < 16:
        raise ValueError("a BI password has at least 16 characters (openssl rand -hex 16)")
    password = password if given else secrets.token_urlsafe(24)
    with psycopg.connect(url, autocommit=True) as conn:
        exists = conn.execute("select rolsuper or rolcreaterole or rolcreatedb "
                              "from pg_roles where rolname = %s", (name,)).fetchone()
        if exists and exists[0]:
            raise ValueError(f"{name} is a privileged role; choose another name for BI")
        role = sql.Identifier(name)
        verb = sql.SQL("alter" if exists else "create")
        conn.execute(sql.SQL(
            "{} role {} login password {} nosuperuser nocreatedb nocreaterole noreplication "
            "nobypassrls inherit").format(verb, role, sql.Literal(password)))
        # Exactly bi_reader: any other membership a same-named role had is dropped.
        for (other,) in conn.execute(
                "select r.rolname from pg_auth_members m join pg_roles r on r.oid = m.roleid "
                "join pg_roles u on u.oid = m.member where u.rolname = %s "
                "and r.rolname <> 'bi_reader'", (name,)).fetchall():
            conn.execute(sql.SQL("revoke {} from {}").format(sql.Identifier(other), role))
        conn.execute(sql.SQL("grant bi_reader to {}").format(role))
        conn.execute(sql.SQL("alter role {} set search_path = marts").format(role))
    if given:
        return None
    path = password_file or state_dir() / "secrets" / f"bi_{name}.password"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(password + "\n")
    path.chmod(0o600)
    return path
