"""`flask --app portal check`: what a crash, a restore or a hand edit may have left inconsistent.

Findings that are errors: a row that points at a stored file that is not there (or, with
`verify_content`, whose bytes no longer match their digest), an orphan file older than the grace
period, and broken invariants of the data (an attached submission without a case file, a
web submission without its receipt, a submission without status history, a document that belongs to nothing, a slot whose counter
differs from its bookings, a staff second factor that none of the configured secret keys opens).
Orphans younger than the grace period are uploads whose transaction
may still be open (files are written before the commit): listed, not counted as errors.
"""
from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.staff import totp
from portal.documents.references import referenced_digests, remove_unreferenced
from portal.documents.storage import DocumentStorage
from portal.models import (
    ACTIVE_BOOKING_STATUSES, Booking, Channel, Document, Slot, StaffUser, Submission, SubmissionStatus,
    SubmissionStatusChange,
)

DEFAULT_GRACE_SECONDS = 15 * 60
_LIST_LIMIT = 50  # per kind of finding; the counts are always complete


@dataclass
class Finding:
    kind: str
    detail: str


@dataclass
class CheckReport:
    findings: list[Finding] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    in_flight: list[str] = field(default_factory=list)  # young orphans, not errors
    files_checked: int = 0
    references_checked: int = 0

    def add(self, kind: str, detail: str) -> None:
        self.counts[kind] = self.counts.get(kind, 0) + 1
        if self.counts[kind] <= _LIST_LIMIT:
            self.findings.append(Finding(kind, detail))

    @property
    def ok(self) -> bool:
        return not self.counts

    def as_dict(self) -> dict:
        return {"ok": self.ok, "counts": self.counts, "files_checked": self.files_checked,
                "references_checked": self.references_checked, "in_flight": self.in_flight,
                "findings": [{"kind": f.kind, "detail": f.detail} for f in self.findings]}


def _digest_of(storage: DocumentStorage, digest: str) -> str:
    sha = hashlib.sha256()
    with storage.open(digest) as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            sha.update(block)
    return sha.hexdigest()


def _check_files(session: Session, storage: DocumentStorage, report: CheckReport, *, verify_content: bool,
                 grace_seconds: float, now: float) -> list[str]:
    referenced: set[str] = set()
    for digest, where in referenced_digests(session):
        report.references_checked += 1
        if digest in referenced:
            continue
        referenced.add(digest)
        try:
            if not storage.exists(digest):
                report.add("missing_file", f"{where} refers to {digest}, which is not in storage")
            elif verify_content and _digest_of(storage, digest) != digest:
                report.add("damaged_file", f"{digest} ({where}): its content no longer matches its name")
        except ValueError:
            report.add("bad_reference", f"{where} holds {digest!r}, which is not a digest")
    old_orphans = []
    for digest in storage.all_digests():
        report.files_checked += 1
        if digest in referenced:
            continue
        stat = storage.path(digest).stat()
        age = now - stat.st_mtime
        if age < grace_seconds:
            report.in_flight.append(digest)
        else:
            report.add("orphan_file", f"{digest} ({stat.st_size} bytes, {age / 3600:.1f} h old) "
                                      "is referred to by no row")
            old_orphans.append(digest)
    return old_orphans


def _check_rows(session: Session, report: CheckReport) -> None:
    for reference in session.scalars(select(Submission.reference).where(
            Submission.status == SubmissionStatus.ATTACHED, Submission.case_file_id.is_(None))):
        report.add("attached_without_case_file", f"submission {reference} is attached but has no case file")
    for reference in session.scalars(select(Submission.reference).where(  # a receipt being made has its HTML
            Submission.channel == Channel.WEB, Submission.receipt_sha256.is_(None),
            Submission.receipt_html_sha256.is_(None))):
        report.add("web_submission_without_receipt", f"web submission {reference} has no receipt")
    no_history = ~select(SubmissionStatusChange.id).where(
        SubmissionStatusChange.submission_id == Submission.id).exists()
    for reference in session.scalars(select(Submission.reference).where(no_history)):
        report.add("submission_without_history", f"submission {reference} has no status history")
    for document_id in session.scalars(select(Document.id).where(
            Document.submission_id.is_(None), Document.case_file_id.is_(None))):
        report.add("document_without_owner", f"document {document_id} belongs to no submission and no case file")
    active = (select(Booking.slot_id, func.count().label("n"))
              .where(Booking.status.in_([s.value for s in ACTIVE_BOOKING_STATUSES]))
              .group_by(Booking.slot_id).subquery())
    counted = func.coalesce(active.c.n, 0)
    for slot_id, taken, n in session.execute(
            select(Slot.id, Slot.taken, counted).outerjoin(active, active.c.slot_id == Slot.id)
            .where(Slot.taken != counted)):
        report.add("slot_counter_off", f"slot {slot_id} counts {taken} bookings but holds {n}")


def _check_second_factors(session: Session, report: CheckReport, keys: list[str]) -> None:
    for user in session.scalars(select(StaffUser).where(StaffUser.totp_secret.is_not(None))):
        try:
            totp.unseal(user.totp_secret, keys)
        except totp.UnreadableSecret:
            report.add("second_factor_unreadable", f"the second factor of {user.email} was sealed with a secret key "
                       "no longer configured: `flask users reset-totp`, or put the old key back as a fallback")


def check(session: Session, storage: DocumentStorage, *, verify_content: bool = False,
          grace_seconds: float = DEFAULT_GRACE_SECONDS, clock: Callable[[], float] = time.time,
          keys: list[str] | None = None) -> tuple[CheckReport, list[str]]:
    """The report, and the orphan files old enough to be removed. With the installation's
    secret keys, also whether every staff second factor still opens."""
    report = CheckReport()
    orphans = _check_files(session, storage, report, verify_content=verify_content,
                           grace_seconds=grace_seconds, now=clock())
    _check_rows(session, report)
    if keys:
        _check_second_factors(session, report, keys)
    return report, orphans


def remove_orphans(session: Session, storage: DocumentStorage, digests: list[str]) -> int:
    """Delete orphan files, each checked once more: an upload may have committed meanwhile."""
    return remove_unreferenced(session, storage, digests)
