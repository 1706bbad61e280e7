"""The change feed's rows: one per submission and transaction step in which it was made or
changed, written by the session itself (after every flush), so that no channel or operation can
forget it. Read in a safe order by portal.change_feed.

`txid` is the writing transaction's id on PostgreSQL (pg_current_xact_id), 0 on SQLite: rows are
read only from transactions that are all finished, so that a transaction committing late cannot
slip in behind a reader's cursor (see portal.change_feed)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, event, insert, inspect, literal_column
from sqlalchemy.orm import Mapped, Session, mapped_column

from portal.extensions import db
from portal.models._types import created_at_column, utcnow
from portal.models.document import Document
from portal.models.submission import Submission, SubmissionStatusChange

RECEIVED, STATUS, DOCUMENTS, CHANGED = "received", "status", "documents", "changed"
_RANK = {RECEIVED: 0, STATUS: 1, DOCUMENTS: 2, CHANGED: 3}
# What the other side cares about; a claim (assignee) or a timestamp alone is no change.
_WATCHED = ("status", "case_file_id", "site_id", "service_id", "form_version", "field_values", "language",
            "applicant_surname", "applicant_given_names", "applicant_dob_year", "applicant_dob_month",
            "applicant_dob_day", "applicant_email")


class SubmissionChange(db.Model):
    __tablename__ = "submission_change"
    __table_args__ = (
        Index("ix_submission_change_position", "txid", "id"),
        # AUTOINCREMENT: SQLite never hands out an id again, so positions only grow.
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    txid: Mapped[int] = mapped_column(BigInteger, default=0)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # received, status, documents, changed
    at: Mapped[datetime] = created_at_column()


def _watched_change(submission: Submission) -> bool:
    state = inspect(submission)
    return any(state.attrs[name].history.has_changes() for name in _WATCHED)


@event.listens_for(Session, "after_flush")
def _record_changes(session: Session, flush_context) -> None:
    kinds: dict[int, str] = {}

    def note(submission_id: int | None, kind: str) -> None:
        # One row per submission and flush, named by what matters most.
        if submission_id is None:
            return
        current = kinds.get(submission_id)
        if current is None or _RANK[kind] < _RANK[current]:
            kinds[submission_id] = kind

    for obj in session.new:
        if isinstance(obj, Submission):
            note(obj.id, RECEIVED)
        elif isinstance(obj, SubmissionStatusChange):
            note(obj.submission_id, STATUS)
        elif isinstance(obj, Document):
            note(obj.submission_id, DOCUMENTS)
    for obj in session.dirty:
        if isinstance(obj, Submission) and _watched_change(obj):
            note(obj.id, CHANGED)
    if not kinds:
        return
    connection = session.connection()
    # The transaction's id, taken by PostgreSQL itself (an xid8, as a number).
    txid = literal_column("pg_current_xact_id()::text::bigint") if connection.dialect.name == "postgresql" else 0
    now = utcnow()
    connection.execute(insert(SubmissionChange.__table__).values(txid=txid),
                       [{"submission_id": sid, "kind": kind, "at": now} for sid, kind in sorted(kinds.items())])
