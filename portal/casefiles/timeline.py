"""A case file's timeline: its documents, caseworkers' notes and the status changes of the
submissions that ended in it, ordered by the document's own date (the date a letter or
passport bears), not by when it reached the office; a scanned paper file from 2009 that
arrives today belongs to 2009.

The order here is chronological (oldest first); the back office shows it newest first, a page
at a time (`timeline_page`), the PDF export whole.
"""
from __future__ import annotations

import heapq
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from itertools import groupby
from operator import itemgetter

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
PAGE_SIZE = 50  # timeline entries per page of the case file (a scanned paper file brings thousands)
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
    def received_another_day(self) -> bool:
        """It reached the office on another day (office time) than the one it stands at."""
        return local_date(self.at) != self.day

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


def _of_file(session: Session, case_file: CaseFile):
    """The file's documents: filed in it directly, or arrived with one of its submissions
    (attaching a submission need not re-file every document). The submissions are looked up
    first: an OR with a subquery would make PostgreSQL read every document."""
    of_submissions = list(session.scalars(select(Submission.id).where(Submission.case_file_id == case_file.id)))
    filed = Document.case_file_id == case_file.id
    return or_(filed, Document.submission_id.in_(of_submissions)) if of_submissions else filed


def documents_of(session: Session, case_file: CaseFile) -> list[Document]:
    return list(session.scalars(
        select(Document).where(_of_file(session, case_file)).options(selectinload(Document.submission))
        .order_by(Document.id)))


def _placement(document, original) -> tuple[date | None, datetime]:
    """Where a document stands: its own date (an image's PDF: the original's) and when it
    reached the office. Works on a Document or on a row of the same columns."""
    dated = original.document_date if original is not None and original.document_date else document.document_date
    return dated, aware((original or document).received_at)


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
        dated, received = _placement(document, original)
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


@dataclass(frozen=True)
class TimelineCursor:
    """Where a page of the timeline ended: its last (oldest) entry's sort key."""
    day: date
    at: datetime
    rank: int
    id: int

    def encode(self) -> str:
        delta = self.at - datetime(1970, 1, 1, tzinfo=timezone.utc)
        micros = delta.days * 86_400_000_000 + delta.seconds * 1_000_000 + delta.microseconds
        return f"{self.day.isoformat()}_{micros}_{self.rank}_{self.id}"

    @classmethod
    def parse(cls, text: str | None) -> TimelineCursor | None:
        """None for anything that is not a cursor (a stale or edited link starts at the top)."""
        parts = (text or "").split("_")
        if len(parts) != 4:
            return None
        try:
            micros, rank, ident = (int(p) for p in parts[1:])
            at = datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(microseconds=micros)
            return cls(date.fromisoformat(parts[0]), at, rank, ident)
        except (ValueError, OverflowError):
            return None

    @property
    def sort_key(self) -> tuple:
        return self.day, self.at, self.rank, self.id


@dataclass
class TimelinePage:
    entries: list[TimelineEntry]  # newest first
    older: TimelineCursor | None  # where the next, older page starts (None: nothing older)
    total: int  # entries in the whole timeline


def _document_keys(session: Session, case_file: CaseFile) -> list[tuple[tuple, tuple[int, ...]]]:
    """(sort key, id) of every document entry, from four narrow columns: the sort key needs
    them only, so that a file of thousands of documents loads only the few a page shows. The
    ids are those to load for the entry: the document and the original it was made from.
    The loop is _placement written out over plain tuples: it runs once per document, 2,000
    times for a large scanned file, on every view of its page."""
    rows = [tuple(row) for row in session.connection().execute(
        select(Document.id, Document.document_date, Document.derived_from_id, Document.received_at)
        .where(_of_file(session, case_file)))]
    by_id = {row[0]: row for row in rows}
    converted = {row[2] for row in rows if row[2] is not None and row[2] in by_id}
    rank = _KIND_RANK[DOCUMENT]
    keys = []
    for ident, dated, derived_from, received in rows:
        if ident in converted:
            continue
        original = by_id.get(derived_from) if derived_from is not None else None
        if original is not None:
            dated, received, ids = original[1] or dated, original[3], (ident, original[0])
        else:
            ids = (ident,)
        if received.tzinfo is None:
            received = aware(received)
        keys.append(((dated or local_date(received), received, rank, ident), ids))
    return keys


def timeline_page(session: Session, case_file: CaseFile, submissions: list[Submission], *,
                  before: TimelineCursor | None = None, size: int | None = None) -> TimelinePage:
    """The newest `size` (PAGE_SIZE) entries older than `before` (keyset: the 20th page costs
    what the first does), newest first; the whole timeline is in `timeline`."""
    size = size or PAGE_SIZE
    others = note_entries(session, case_file) + status_entries(session, submissions)
    keyed = _document_keys(session, case_file) + [(entry.sort_key, entry) for entry in others]
    total = len(keyed)
    if before is not None:
        keyed = [pair for pair in keyed if pair[0] < before.sort_key]
    # The newest size + 1 only (the one more says whether there is an older page), not all sorted.
    newest = heapq.nlargest(size + 1, keyed, key=itemgetter(0))
    shown, more = newest[:size], len(newest) > size
    wanted = [ident for _, item in shown if isinstance(item, tuple) for ident in item]
    loaded = session.scalars(select(Document).where(Document.id.in_(wanted))
                             .options(selectinload(Document.submission))).all() if wanted else []
    documents = {entry.id: entry for entry in document_entries(list(loaded))}
    entries = [documents[item[0]] if isinstance(item, tuple) else item for _, item in shown]
    older = TimelineCursor(*shown[-1][0]) if more else None
    return TimelinePage(entries, older, total)


def by_year(entries: list[TimelineEntry], newest_first: bool = True) -> list[tuple[int, list[TimelineEntry]]]:
    """The entries grouped by the year of their date; newest_first turns years and the
    entries within each year round (the latest on top, as caseworkers look for it)."""
    ordered = sorted(entries, key=lambda entry: entry.sort_key, reverse=newest_first)
    return [(year, list(group)) for year, group in groupby(ordered, key=lambda entry: entry.day.year)]
