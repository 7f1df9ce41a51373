"""Where each source is pulled from: the connections named in ``config/pulls.yaml``.

Credentials live in Airflow connections, not in code or config. Under Airflow the
orchestration package resolves a connection id through Airflow (its metadata
database, secrets backend or ``AIRFLOW_CONN_<ID>``); the command line reads the same
``AIRFLOW_CONN_<ID>`` variables itself, in Airflow's URI or JSON form, so ingestion
never imports Airflow. A connection that is not defined is skipped: the DAG then loads
what is in the inbox.
"""

from __future__ import annotations

import json
import os
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

import yaml

from ingestion import CONFIG_DIR

KINDS = ("portal", "sftp", "wazuh", "eoffice")


class BadConnection(ValueError):
    """A connection that cannot be used as written (one line, naming it)."""


@dataclass(frozen=True)
class Endpoint:
    """The parts of a connection a pull uses (Airflow's Connection fields)."""

    conn_id: str
    conn_type: str = ""
    host: str = ""
    port: int | None = None
    login: str = ""
    password: str = ""
    schema: str = ""  # the path: remote folder on SFTP, base path of an API
    extra: dict = field(default_factory=dict)

    def number(self, key: str, default: float) -> float:
        """A numeric extra (page_size, lookback_minutes, settle_seconds, backoff_seconds), or a
        BadConnection naming it."""
        value = self.extra.get(key, default)
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = -1.0
        if number < 0:
            raise BadConnection(f"extra {key} is {value!r}, not a number of zero or more")
        return number

    def check(self) -> None:
        """Refuse, before any pull starts, what no pull could use."""
        if not self.host:
            raise BadConnection("the connection names no host")
        for key in ("page_size", "lookback_minutes", "settle_seconds", "backoff_seconds"):
            self.number(key, 0)

    def base_url(self, default_scheme: str = "https") -> str:
        scheme = self.extra.get("scheme") or (
            self.conn_type if self.conn_type in ("http", "https") else default_scheme)
        port = f":{self.port}" if self.port else ""
        path = ("/" + self.schema.strip("/")) if self.schema else ""
        return f"{scheme}://{self.host}{port}{path}"


@dataclass(frozen=True)
class PullSpec:
    source: str
    connection: str
    kind: str


Resolver = Callable[[str], "Endpoint | None"]


@cache
def _config() -> dict:
    return yaml.safe_load((CONFIG_DIR / "pulls.yaml").read_text(encoding="utf-8")) or {}


def pulls_for(source: str) -> list[PullSpec]:
    specs = [PullSpec(source, entry["connection"], entry["kind"])
             for entry in _config().get(source) or []]
    for spec in specs:
        if spec.kind not in KINDS:
            raise ValueError(f"config/pulls.yaml: {spec.connection}: kind {spec.kind!r} is "
                             f"not one of {', '.join(KINDS)}")
    return specs


def from_uri(conn_id: str, uri: str) -> Endpoint:
    """An Airflow connection URI (``sftp://user:pass@host:22/folder?key=value``) or
    Airflow's JSON form of a connection."""
    text = uri.strip()
    if text.startswith("{"):
        doc = json.loads(text)
        extra = doc.get("extra") or {}
        return Endpoint(conn_id, doc.get("conn_type", ""), doc.get("host") or "",
                        int(doc["port"]) if doc.get("port") else None, doc.get("login") or "",
                        doc.get("password") or "", doc.get("schema") or "",
                        json.loads(extra) if isinstance(extra, str) else dict(extra))
    parts = urllib.parse.urlsplit(text)
    query = dict(urllib.parse.parse_qsl(parts.query, keep_blank_values=True))
    extra = json.loads(query.pop("__extra__")) if "__extra__" in query else query
    return Endpoint(conn_id, parts.scheme.replace("-", "_"),
                    urllib.parse.unquote(parts.hostname or ""), parts.port,
                    urllib.parse.unquote(parts.username or ""),
                    urllib.parse.unquote(parts.password or ""),
                    urllib.parse.unquote(parts.path.lstrip("/")), extra)


def from_env(conn_id: str) -> Endpoint | None:
    """The connection from ``AIRFLOW_CONN_<ID>``, as Airflow itself would read it."""
    name = f"AIRFLOW_CONN_{conn_id.upper()}"
    uri = os.environ.get(name)
    if not uri:
        return None
    try:
        return from_uri(conn_id, uri)
    except (ValueError, TypeError, AttributeError) as exc:
        # The value holds credentials: name the variable and the problem, never the value.
        raise BadConnection(f"{name} is not a connection URI or JSON "
                              f"({type(exc).__name__})") from None
