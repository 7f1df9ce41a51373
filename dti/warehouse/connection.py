"""The warehouse connection: DTI_WAREHOUSE_URL, else this checkout's embedded server.

URLs carry the password for this process and its children; ``mask_url`` is how one
is shown anywhere (a terminal, a log, an error)."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from dti import settings
from dti.warehouse.embedded import EmbeddedWarehouse, WarehouseError


def mask_url(url: str, mask: str = "***") -> str:
    """The URL as it may be shown: any password replaced by ``mask`` (dropped when
    ``mask`` is empty)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unreadable URL>"
    if parts.password is None:
        return url
    host = parts.netloc.rsplit("@", 1)[-1]
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:{mask}@{host}" if mask else f"{user}@{host}"))


def configured_url() -> str | None:
    return settings.warehouse_url()


def warehouse_url(start: bool = False) -> str:
    """The warehouse URL: DTI_WAREHOUSE_URL, else the embedded server (started if asked)."""
    url = configured_url()
    if url:
        return url
    wh = EmbeddedWarehouse.default()
    if start:
        return wh.start()
    if not wh.is_running():
        raise WarehouseError(
            "no warehouse: run `dti warehouse start` or set DTI_WAREHOUSE_URL"
        )
    return wh.url()

