"""The change feed: new and changed submissions, in an order that never lets one slip behind a
reader (GET /api/v1/events?after=<cursor>).

The rows are written by the session after every flush (portal.models.change), in the same
transaction as the change. The difficulty is PostgreSQL: ids come from a sequence when a row is
inserted, and transactions commit in any order, so id 41 may become visible after id 42 was
read; a reader that went on from 42 would never see 41. So every row carries its transaction's
id (xid), and a reader gets only rows of transactions older than the oldest one still running
(pg_snapshot_xmin of the current snapshot): those are all finished, and no transaction that
starts later can write a row below that line. Read in (xid, id) order up to that line, the feed
is complete and final: each row is delivered exactly once, nothing is added behind a cursor.
The price: a long-running writing transaction holds the feed back until it ends (the feed lags,
it never skips).

SQLite has one writer at a time, holding the lock from its first write to its commit, and
AUTOINCREMENT ids: ids are given out in commit order already (txid is 0 there).
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import literal_column, select, tuple_
from sqlalchemy.orm import Session

from portal.models import Submission, SubmissionChange


@dataclass(frozen=True, order=True)
class Position:
    """Where a reader stands: after the row (txid, id)."""
    txid: int = 0
    id: int = 0


START = Position()


@dataclass
class FeedPage:
    changes: list[tuple[SubmissionChange, Submission]]
    position: Position  # give this back to read on (unchanged when nothing new was there)


def _finished_before(session: Session):
    """Rows of transactions below this id are final (PostgreSQL); None: every committed row is."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    return literal_column("pg_snapshot_xmin(pg_current_snapshot())::text::bigint")


def read(session: Session, after: Position = START, limit: int = 100, where=None) -> FeedPage:
    """The next changes after `after`, oldest first, with their submissions; `where`: a
    condition on Submission (an API client's site)."""
    query = (select(SubmissionChange, Submission).join(Submission, Submission.id == SubmissionChange.submission_id)
             .where(tuple_(SubmissionChange.txid, SubmissionChange.id) > tuple_(after.txid, after.id)))
    line = _finished_before(session)
    if line is not None:
        query = query.where(SubmissionChange.txid < line)
    if where is not None:
        query = query.where(where)
    rows = session.execute(query.order_by(SubmissionChange.txid, SubmissionChange.id).limit(limit)).all()
    changes = [(change, submission) for change, submission in rows]
    position = Position(changes[-1][0].txid, changes[-1][0].id) if changes else after
    return FeedPage(changes, position)
