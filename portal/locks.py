"""One node at a time: a named lock held across several transactions, for background work that
talks to something outside the database (an IMAP mailbox) where row locks cannot reach.

PostgreSQL: a session-level advisory lock on a connection of its own, tried without waiting.
SQLite serves one machine, and its single writer already orders the work: no lock needed.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, func, select


def _key(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


@contextmanager
def exclusive(engine: Engine, name: str) -> Iterator[bool]:
    """Yields True when this process holds the lock `name`, False when another one does."""
    if engine.dialect.name != "postgresql":
        yield True
        return
    key = _key(name)
    with engine.connect() as conn:
        held = bool(conn.execute(select(func.pg_try_advisory_lock(key))).scalar())
        conn.commit()
        try:
            yield held
        finally:
            if held:
                conn.execute(select(func.pg_advisory_unlock(key)))
                conn.commit()
