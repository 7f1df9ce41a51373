"""Pseudonymise personal data (handler names, e-mails) before it reaches the warehouse.

A salted HMAC-SHA256: the same person gets the same token in every load, so work
can still be counted per handler, but the name cannot be recovered without the
salt. The salt comes from ``DTI_PERSONAL_DATA_SALT``; without it a random salt is
made once per checkout under ``.dti/`` (fine for the demo, not for production,
where the salt must be a managed secret shared by every loader).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from functools import cache

from dti.settings import personal_data_salt, state_dir
from ingestion.text import nfc


@cache
def _salt() -> bytes:
    configured = personal_data_salt()
    if configured:
        return configured.encode()
    path = state_dir() / "personal_data.salt"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip().encode()


def pseudonymise(value: str) -> str:
    """Token for a person: case and spacing do not change it."""
    key = " ".join(nfc(value).casefold().split())
    return hmac.new(_salt(), key.encode(), hashlib.sha256).hexdigest()[:32]
