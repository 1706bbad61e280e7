"""Retention: how long a case file is kept, which files are due, and deleting them.

Rule "standard": ten years after the person left the district (moved_away_on). An explicit
retention_until on the file wins over the rule. A file without either is kept: nothing is
deleted on a guess. A due file with a submission still open is held back (listed, not deleted).

Deleting a file removes everything personal that hangs on it, in one transaction:
the file with its known spellings, search keys and notes; its submissions (applicant data,
field values, status history) with their documents, bookings, mails and drafts; then, once
committed, the stored files no row refers to any more. Submissions are deleted, not
detached: a detached submission would keep the applicant's name, date of birth and answers.
The run leaves one audit event "retention_delete" with counts and the as-of date only: no
names, no file numbers (the audit trail is append-only and would keep them for ever).
"""
from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import delete, exists, or_, select, update
from sqlalchemy.orm import Session

from portal.audit import record
from portal.documents.references import is_referenced, remove_unreferenced
from portal.documents.storage import DocumentStorage
from portal.models import (
    ACTIVE_BOOKING_STATUSES,
    ApplicationDraft,
    Booking,
    CaseFile,
    CaseFileAlias,
    CaseFileNameKey,
    CaseFileNote,
    CaseFileStatus,
    Document,
    DraftUpload,
    InboundMail,
    OutboundMail,
    StaffUser,
    Submission,
    SubmissionStatusChange,
)
from portal.models._types import utcnow
from portal.models.submission import OPEN_STATUSES

log = logging.getLogger(__name__)

STANDARD = "standard"
# Years a file is kept after the person moved away, per rule.
RULE_YEARS = {STANDARD: 10}
AUDIT_ACTION = "retention_delete"
_CHUNK = 500  # ids per IN (...): well below SQLite's and PostgreSQL's parameter limits


class UnknownRetentionRule(ValueError):
    pass


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year + years, day=28)


def retention_until_for(rule: str, moved_away_on: date | None) -> date | None:
    """The day the file may be deleted under its rule; None while the person lives here."""
    if rule not in RULE_YEARS:
        raise UnknownRetentionRule(rule)
    return _add_years(moved_away_on, RULE_YEARS[rule]) if moved_away_on else None


def effective_retention_until(case_file: CaseFile) -> date | None:
    """The explicit date if set, otherwise the one the rule gives (None: kept)."""
    if case_file.retention_until is not None:
        return case_file.retention_until
    if case_file.retention_rule not in RULE_YEARS:
        return None
    return retention_until_for(case_file.retention_rule, case_file.moved_away_on)


def mark_moved_away(case_file: CaseFile, moved_away_on: date) -> date | None:
    """Record that the person left the district: status, day, and the retention date by the
    rule (replacing a date set before: moving away starts the period)."""
    case_file.status = CaseFileStatus.MOVED_AWAY
    case_file.moved_away_on = moved_away_on
    case_file.retention_until = retention_until_for(case_file.retention_rule or STANDARD, moved_away_on)
    return case_file.retention_until


def _due_condition(as_of: date):
    computed = [
        (CaseFile.retention_until.is_(None) & (CaseFile.retention_rule == rule)
         & (CaseFile.moved_away_on <= _add_years(as_of, -years)))
        for rule, years in RULE_YEARS.items()
    ]
    return or_(CaseFile.retention_until <= as_of, *computed)


def _open_work():
    """The file has a submission still being worked on: someone wrote to the office again, so
    the file is alive whatever its date says. Held back until the submission is finished."""
    return exists().where(Submission.case_file_id == CaseFile.id,
                          Submission.status.in_([status.value for status in OPEN_STATUSES]))


def due_case_files(session: Session, as_of: date) -> list[CaseFile]:
    """Files whose retention date is on or before as_of (and nothing open), by file number."""
    return list(session.scalars(select(CaseFile).where(_due_condition(as_of), ~_open_work())
                                .order_by(CaseFile.file_number)))


def held_case_files(session: Session, as_of: date) -> list[CaseFile]:
    """Files that are due but held back by an open submission."""
    return list(session.scalars(select(CaseFile).where(_due_condition(as_of), _open_work())
                                .order_by(CaseFile.file_number)))


@dataclass
class DeletionReport:
    as_of: date
    counts: Counter = field(default_factory=Counter)
    # Stored files no row refers to after the deletion: removed once the transaction is committed.
    unreferenced: set[str] = field(default_factory=set)

    def detail(self) -> dict:
        """What the audit event keeps: counts and the day, nothing about a person."""
        keys = ("case_files", "aliases", "name_keys", "notes", "submissions", "status_changes", "documents",
                "bookings", "inbound_mails", "outbound_mails", "drafts", "stored_files", "held_back")
        return {"as_of": self.as_of.isoformat(), **{key: int(self.counts.get(key, 0)) for key in keys}}


def _chunks(ids: list[int]):
    for start in range(0, len(ids), _CHUNK):
        yield ids[start:start + _CHUNK]


def _delete(session: Session, model, column, ids: list[int]) -> int:
    total = 0
    for chunk in _chunks(ids):
        total += session.execute(delete(model).where(column.in_(chunk))
                                 .execution_options(synchronize_session=False)).rowcount
    return total


def _ids(session: Session, statement) -> list[int]:
    return list(session.scalars(statement))


def _delete_one(session: Session, case_file_id: int, report: DeletionReport, now: datetime) -> None:
    from portal.appointments.booking import BookingError, cancel

    counts, candidates = report.counts, report.unreferenced
    submission_ids = _ids(session, select(Submission.id).where(Submission.case_file_id == case_file_id))
    for column in (Submission.receipt_sha256, Submission.receipt_html_sha256):
        candidates.update(d for d in session.scalars(
            select(column).where(Submission.id.in_(submission_ids or [-1]))) if d)

    document_ids = _ids(session, select(Document.id).where(or_(
        Document.case_file_id == case_file_id, Document.submission_id.in_(submission_ids or [-1]))))
    for chunk in _chunks(document_ids):
        candidates.update(session.scalars(select(Document.sha256).where(Document.id.in_(chunk))))
        # An image's PDF points at the image: loosen that before deleting either.
        session.execute(update(Document).where(Document.derived_from_id.in_(chunk)).values(derived_from_id=None)
                        .execution_options(synchronize_session=False))
    counts["documents"] += _delete(session, Document, Document.id, document_ids)

    if submission_ids:
        # A booking still ahead gives its place back before it goes.
        for booking in session.scalars(select(Booking).where(Booking.submission_id.in_(submission_ids),
                                                             Booking.status.in_(ACTIVE_BOOKING_STATUSES))):
            try:
                cancel(session, booking, now, deadline_hours=0, by_staff=True)
            except BookingError:
                pass  # cancelled meanwhile
        counts["bookings"] += _delete(session, Booking, Booking.submission_id, submission_ids)
        candidates.update(session.scalars(select(InboundMail.sha256)
                                          .where(InboundMail.submission_id.in_(submission_ids))))
        counts["inbound_mails"] += _delete(session, InboundMail, InboundMail.submission_id, submission_ids)
        for attachments in session.scalars(select(OutboundMail.attachments)
                                           .where(OutboundMail.submission_id.in_(submission_ids))):
            candidates.update(item.get("sha256") for item in attachments or [] if item.get("sha256"))
        counts["outbound_mails"] += _delete(session, OutboundMail, OutboundMail.submission_id, submission_ids)
        draft_ids = _ids(session, select(ApplicationDraft.id).where(ApplicationDraft.submission_id.in_(submission_ids)))
        for upload in session.execute(select(DraftUpload.sha256, DraftUpload.pdf_sha256)
                                      .where(DraftUpload.draft_id.in_(draft_ids or [-1]))):
            candidates.update(upload)
        _delete(session, DraftUpload, DraftUpload.draft_id, draft_ids)
        counts["drafts"] += _delete(session, ApplicationDraft, ApplicationDraft.id, draft_ids)
        counts["status_changes"] += _delete(session, SubmissionStatusChange, SubmissionStatusChange.submission_id,
                                            submission_ids)
        counts["submissions"] += _delete(session, Submission, Submission.id, submission_ids)

    counts["aliases"] += _delete(session, CaseFileAlias, CaseFileAlias.case_file_id, [case_file_id])
    counts["name_keys"] += _delete(session, CaseFileNameKey, CaseFileNameKey.case_file_id, [case_file_id])
    counts["notes"] += _delete(session, CaseFileNote, CaseFileNote.case_file_id, [case_file_id])
    counts["case_files"] += _delete(session, CaseFile, CaseFile.id, [case_file_id])


def delete_case_files(session: Session, case_file_ids: list[int], as_of: date, *,
                      staff: StaffUser | None = None, now: datetime | None = None,
                      held_back: int = 0) -> DeletionReport:
    """Delete the files and what hangs on them, and add the run's audit event; the caller
    commits, then calls remove_unreferenced_files with the report."""
    now = now or utcnow()
    report = DeletionReport(as_of=as_of)
    report.counts["held_back"] = held_back
    for case_file_id in case_file_ids:
        _delete_one(session, case_file_id, report, now)
    session.flush()
    report.unreferenced = {d for d in report.unreferenced if not is_referenced(session, d)}
    report.counts["stored_files"] = len(report.unreferenced)
    record(session, AUDIT_ACTION, staff=staff, object_type="case_file", object_id="", detail=report.detail())
    session.expire_all()  # loaded objects of deleted rows must not be flushed again
    return report


def remove_unreferenced_files(session: Session, storage: DocumentStorage, report: DeletionReport) -> int:
    """After the commit: remove the stored files of the deleted rows. Each is checked once more,
    as the same content may have been uploaded again meanwhile. A crash before this leaves
    orphan files (reported by storage.orphans), never a row without its file."""
    return remove_unreferenced(session, storage, sorted(report.unreferenced))


def delete_due(session: Session, storage: DocumentStorage, as_of: date, *,
               staff: StaffUser | None = None) -> DeletionReport:
    """Delete every file due on as_of, commit, then remove the stored files: the whole run."""
    ids = list(session.scalars(select(CaseFile.id).where(_due_condition(as_of), ~_open_work())
                               .order_by(CaseFile.id)))
    held = len(held_case_files(session, as_of))
    report = delete_case_files(session, ids, as_of, staff=staff, held_back=held)
    session.commit()
    removed = remove_unreferenced_files(session, storage, report)
    if removed != len(report.unreferenced):
        log.info("retention: %s of %s stored files removed (others in use again or gone)",
                 removed, len(report.unreferenced))
    return report
