"""A case file's timeline: its documents, caseworkers' notes and the status changes of the
submissions that ended in it, ordered by the document's own date (the date a letter or
passport bears), not by when it reached the office; a scanned paper file from 2009 that
arrives today belongs to 2009.

The order here is chronological (oldest first); the back office shows it newest year first.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from itertools import groupby

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from portal.domain.office_time import aware, local_date
from portal.models import (
    ApiClient,
    Booking,
    CaseFile,
    CaseFileNote,
    Channel,
    Document,
    Slot,
    StaffUser,
    Submission,
    SubmissionStatusChange,
)

DOCUMENT, NOTE, STATUS = "document", "note", "status"
# On the same day and at the same moment: the document first, then what was said about it.
_KIND_RANK = {DOCUMENT: 0, STATUS: 1, NOTE: 2}


@dataclass
class TimelineEntry:
    kind: str  # document, note, status
    day: date  # what the timeline is ordered by
    at: datetime  # when it reached the office (aware, UTC): breaks ties within a day
    source: str  # a Channel value: web, email, scan, staff
    id: int
    # kind == document: the document to show (the PDF made from an image, if there is one)
    # and, for such a PDF, the original upload linked beside it.
    document: Document | None = None
    original: Document | None = None
    dated_by_document: bool = True  # False: no document date known, the received day stands in
    # kind == note
    note: CaseFileNote | None = None
    # kind == status
    submission: Submission | None = None
    status: str = ""
    staff_name: str = ""

    @property
    def sort_key(self) -> tuple:
        return self.day, self.at, _KIND_RANK[self.kind], self.id

    @property
    def title(self) -> str:
        if self.document is not None:
            shown = self.original or self.document
            return shown.title or shown.original_filename or shown.kind
        return ""


def find_case_file(session: Session, file_number: str) -> CaseFile | None:
    return session.scalar(select(CaseFile).where(CaseFile.file_number == file_number)
                          .options(selectinload(CaseFile.aliases), selectinload(CaseFile.site)))


def submissions_of(session: Session, case_file: CaseFile) -> list[Submission]:
    """The submissions attached to the file, newest first."""
    return list(session.scalars(
        select(Submission).where(Submission.case_file_id == case_file.id)
        .options(selectinload(Submission.history), selectinload(Submission.service))
        .order_by(Submission.received_at.desc(), Submission.id.desc())))


def bookings_of(session: Session, submissions: list[Submission]) -> list[Booking]:
    """Appointments booked for the file's submissions, latest first."""
    ids = [s.id for s in submissions]
    if not ids:
        return []
    return list(session.scalars(
        select(Booking).join(Slot, Booking.slot_id == Slot.id).where(Booking.submission_id.in_(ids))
        .options(selectinload(Booking.slot).selectinload(Slot.site),
                 selectinload(Booking.slot).selectinload(Slot.service))
        .order_by(Slot.starts_at.desc(), Booking.id.desc())))


def documents_of(session: Session, case_file: CaseFile) -> list[Document]:
    """The file's documents: filed in it directly, or arrived with one of its submissions
    (attaching a submission need not re-file every document)."""
    of_submissions = select(Submission.id).where(Submission.case_file_id == case_file.id)
    return list(session.scalars(
        select(Document).where(or_(Document.case_file_id == case_file.id,
                                   Document.submission_id.in_(of_submissions)))
        .options(selectinload(Document.submission)).order_by(Document.id)))


def document_entries(documents: list[Document]) -> list[TimelineEntry]:
    """One entry per document as a caseworker sees it: an image converted to PDF appears once,
    as the PDF, with the original linked."""
    by_id = {d.id: d for d in documents}
    converted = {d.derived_from_id for d in documents if d.derived_from_id in by_id}
    entries = []
    for document in documents:
        if document.id in converted:
            continue  # shown through its PDF
        original = by_id.get(document.derived_from_id) if document.derived_from_id else None
        dated = original.document_date if original is not None and original.document_date else document.document_date
        received = aware((original or document).received_at)
        entries.append(TimelineEntry(
            kind=DOCUMENT, day=dated or local_date(received), at=received, source=document.source,
            id=document.id, document=document, original=original, dated_by_document=dated is not None))
    return entries


def note_entries(session: Session, case_file: CaseFile) -> list[TimelineEntry]:
    rows = session.execute(
        select(CaseFileNote, StaffUser.full_name)
        .outerjoin(StaffUser, CaseFileNote.staff_user_id == StaffUser.id)
        .where(CaseFileNote.case_file_id == case_file.id)).all()
    return [TimelineEntry(kind=NOTE, day=local_date(note.created_at), at=aware(note.created_at),
                          source=Channel.STAFF, id=note.id, note=note, staff_name=name or "")
            for note, name in rows]


def status_entries(session: Session, submissions: list[Submission]) -> list[TimelineEntry]:
    if not submissions:
        return []
    by_id = {s.id: s for s in submissions}
    rows = session.execute(
        select(SubmissionStatusChange, StaffUser.full_name, ApiClient.name)
        .outerjoin(StaffUser, SubmissionStatusChange.staff_user_id == StaffUser.id)
        .outerjoin(ApiClient, SubmissionStatusChange.api_client_id == ApiClient.id)
        .where(SubmissionStatusChange.submission_id.in_(list(by_id)))).all()
    entries = []
    for change, name, client in rows:
        submission = by_id[change.submission_id]
        # A change made by staff came from staff; the first one ("received") from the channel.
        source = Channel.STAFF if change.staff_user_id else submission.channel
        # One made through the API names the system that made it.
        who = name or (f"API: {client}" if client else "")
        entries.append(TimelineEntry(kind=STATUS, day=local_date(change.at), at=aware(change.at), source=source,
                                     id=change.id, submission=submission, status=change.status, staff_name=who))
    return entries


def timeline(session: Session, case_file: CaseFile, submissions: list[Submission] | None = None
             ) -> list[TimelineEntry]:
    """Every entry of the file, oldest first by the document's own date."""
    if submissions is None:
        submissions = submissions_of(session, case_file)
    entries = (document_entries(documents_of(session, case_file)) + note_entries(session, case_file)
               + status_entries(session, submissions))
    return sorted(entries, key=lambda entry: entry.sort_key)


def by_year(entries: list[TimelineEntry], newest_first: bool = True) -> list[tuple[int, list[TimelineEntry]]]:
    """The entries grouped by the year of their date; newest_first turns years and the
    entries within each year round (the latest on top, as caseworkers look for it)."""
    ordered = sorted(entries, key=lambda entry: entry.sort_key, reverse=newest_first)
    return [(year, list(group)) for year, group in groupby(ordered, key=lambda entry: entry.day.year)]
