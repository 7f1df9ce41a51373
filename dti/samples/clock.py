"""Sample exports are written as of now: nothing in them happens later than the moment
they are generated (a document received on the 28th and due in two weeks is still open
on the 6th of the next month, as the real export would show it)."""

from __future__ import annotations

from datetime import datetime

from ingestion.text import VIETNAM


def vietnam_now() -> datetime:
    """Now on a Vietnamese wall clock, naive like the exports' local times."""
    return datetime.now(VIETNAM).replace(tzinfo=None)
