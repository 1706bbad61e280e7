"""`INSERT … ON CONFLICT DO NOTHING` on both databases the portal runs on (SQLite, PostgreSQL).

For rows that two processes may add at the same moment (a counter, a case file number, a
name key): the second INSERT adds nothing instead of failing, so its transaction goes on.
Whether a row went in is read from RETURNING (psycopg 3 reports no rowcount for it).
"""
from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection
from sqlalchemy.orm import Session, scoped_session

DIALECTS = ("postgresql", "sqlite")


def dialect_of(bind: Session | scoped_session | Connection | str) -> str:
    if isinstance(bind, str):
        return bind
    if isinstance(bind, Session | scoped_session):
        return bind.get_bind().dialect.name
    return bind.dialect.name


def insert_unless_present(bind: Session | scoped_session | Connection | str, target, *,
                          conflict_on: Sequence[str] | None = None):
    """An INSERT into `target` (a model or table) that skips a row whose unique key
    (`conflict_on`, or any when None) is taken; `bind` is a session, a connection or a
    dialect name. Add .values() and .returning() as needed."""
    dialect = dialect_of(bind)
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:
        raise NotImplementedError(f"no INSERT … ON CONFLICT DO NOTHING for {dialect}")
    return insert(target).on_conflict_do_nothing(index_elements=list(conflict_on) if conflict_on else None)
