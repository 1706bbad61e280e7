"""Submissions: whatever reaches the office through any channel, and their status history.

A submission's status changes only through Submission.change_status, which checks the change
against TRANSITIONS and writes the history entry the applicant's status page shows."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, DateTime, ForeignKey, Index, SmallInteger, String, Text, text
from sqlalchemy.orm import Mapped, composite, mapped_column, relationship

from portal.domain.dates import PartialDate
from portal.extensions import db
from portal.models._types import created_at_column, enum_check, enum_column, utcnow
from portal.models.casefile import CaseFile
from portal.models.service import Service
from portal.models.site import Site
from portal.models.staff import StaffUser


class Channel(StrEnum):
    WEB = "web"
    EMAIL = "email"
    SCAN = "scan"
    STAFF = "staff"
    TRANSFER = "transfer"  # a case file handed over by another office (xdomea)


class SubmissionStatus(StrEnum):
    RECEIVED = "received"
    IN_PROGRESS = "in_progress"
    AWAITING_DOCUMENTS = "awaiting_documents"
    ATTACHED = "attached"
    REJECTED = "rejected"
    CLOSED = "closed"


OPEN_STATUSES = (
    SubmissionStatus.RECEIVED,
    SubmissionStatus.IN_PROGRESS,
    SubmissionStatus.AWAITING_DOCUMENTS,
)
OPEN_VALUES = frozenset(s.value for s in OPEN_STATUSES)

# Which status may follow which (None: a submission being received). The same status again is
# a history entry without a change: a message received, documents asked for once more.
TRANSITIONS: dict[SubmissionStatus | None, frozenset[SubmissionStatus]] = {
    None: frozenset({SubmissionStatus.RECEIVED}),
    SubmissionStatus.RECEIVED: frozenset({
        SubmissionStatus.RECEIVED, SubmissionStatus.IN_PROGRESS, SubmissionStatus.AWAITING_DOCUMENTS,
        SubmissionStatus.ATTACHED, SubmissionStatus.REJECTED, SubmissionStatus.CLOSED}),
    SubmissionStatus.IN_PROGRESS: frozenset({
        SubmissionStatus.IN_PROGRESS, SubmissionStatus.AWAITING_DOCUMENTS,
        SubmissionStatus.ATTACHED, SubmissionStatus.REJECTED, SubmissionStatus.CLOSED}),
    SubmissionStatus.AWAITING_DOCUMENTS: frozenset({
        SubmissionStatus.AWAITING_DOCUMENTS, SubmissionStatus.IN_PROGRESS,
        SubmissionStatus.ATTACHED, SubmissionStatus.REJECTED, SubmissionStatus.CLOSED}),
    # Final: nothing follows them (a new message makes a new submission).
    SubmissionStatus.ATTACHED: frozenset(),
    SubmissionStatus.REJECTED: frozenset(),
    SubmissionStatus.CLOSED: frozenset(),
}


class StatusChangeRefused(ValueError):
    """A status change that TRANSITIONS does not allow (for one: anything after a final status)."""

    def __init__(self, current: str | None, wanted: str):
        super().__init__(f"a submission cannot go from {current} to {wanted}")
        self.current = current
        self.wanted = wanted


# Literal values: SQLite uses a partial index only when the query names the same literals.
_OPEN_ONLY = text("status IN ({})".format(", ".join(f"'{s.value}'" for s in OPEN_STATUSES)))


def _open_only_index(name: str, *columns: str) -> Index:
    """The queue reads open items only; closed ones (most rows, in time) stay out of these indexes."""
    return Index(name, *columns, sqlite_where=_OPEN_ONLY, postgresql_where=_OPEN_ONLY)


class Submission(db.Model):
    __tablename__ = "submission"
    __table_args__ = (
        enum_check("channel", Channel, "channel_known"),
        enum_check("status", SubmissionStatus, "status_known"),
        # The queue: open items, oldest first, per site.
        Index("ix_submission_queue", "status", "site_id", "received_at"),
        _open_only_index("ix_submission_open_received", "received_at", "id"),
        _open_only_index("ix_submission_open_service", "service_id", "received_at", "id"),
        # The queue's count of open items a site sees, from this small index alone.
        _open_only_index("ix_submission_open_site", "site_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(24), unique=True)  # ABH-2026-004711-3
    status_token_hash: Mapped[str] = mapped_column(String(64))
    # The same POST or e-mail received twice carries the same key: one submission.
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    channel: Mapped[str] = enum_column(Channel)
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id"), index=True)
    form_version: Mapped[int | None] = mapped_column(SmallInteger)
    language: Mapped[str] = mapped_column(String(5), default="de")
    field_values: Mapped[dict] = mapped_column(JSON, default=dict)
    applicant_surname: Mapped[str] = mapped_column(String(200), default="")
    applicant_given_names: Mapped[str] = mapped_column(String(200), default="")
    applicant_dob_year: Mapped[int | None] = mapped_column(SmallInteger)
    applicant_dob_month: Mapped[int | None] = mapped_column(SmallInteger)
    applicant_dob_day: Mapped[int | None] = mapped_column(SmallInteger)
    applicant_date_of_birth: Mapped[PartialDate] = composite(
        PartialDate, applicant_dob_year, applicant_dob_month, applicant_dob_day
    )
    applicant_email: Mapped[str] = mapped_column(String(254), default="")
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id"), index=True)
    status: Mapped[str] = enum_column(SubmissionStatus, default=SubmissionStatus.RECEIVED)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), index=True)
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    case_file_id: Mapped[int | None] = mapped_column(ForeignKey("case_file.id"), index=True)
    # The receipt PDF given to the applicant (in document storage), and the HTML it is made of,
    # stored with the submission; the PDF follows right after (portal.intake.receipts).
    receipt_sha256: Mapped[str | None] = mapped_column(String(64))
    receipt_html_sha256: Mapped[str | None] = mapped_column(String(64))
    received_at: Mapped[datetime] = created_at_column()
    # The applicant answered a request for documents online (or by reply mail) since a caseworker
    # last acted on it: the queue's "documents received" (cleared by the next status change).
    answer_received_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    service: Mapped[Service] = relationship()
    site: Mapped[Site | None] = relationship()
    assignee: Mapped[StaffUser | None] = relationship()
    case_file: Mapped[CaseFile | None] = relationship()
    history: Mapped[list[SubmissionStatusChange]] = relationship(
        back_populates="submission", cascade="all, delete-orphan", order_by="SubmissionStatusChange.at"
    )

    def __repr__(self) -> str:
        return f"<Submission {self.reference} {self.status}>"

    @property
    def is_open(self) -> bool:
        """Still being worked on: received, in progress or awaiting documents."""
        return self.status in OPEN_VALUES

    def may_change_to(self, new_status: str) -> bool:
        current = SubmissionStatus(self.status) if self.status is not None else None
        return SubmissionStatus(new_status) in TRANSITIONS[current]

    def change_status(self, new_status: str, *, at: datetime | None = None, staff: StaffUser | None = None,
                      note: str = "", api_client_id: int | None = None) -> SubmissionStatusChange:
        """The one way the status changes: checked against TRANSITIONS (StatusChangeRefused
        otherwise), with its history entry (`note` is shown to the applicant); made by `staff`
        or, through the API, by the client `api_client_id`. The caller writes the audit entry
        and commits."""
        if not self.may_change_to(new_status):
            raise StatusChangeRefused(self.status, SubmissionStatus(new_status).value)
        change = SubmissionStatusChange(status=SubmissionStatus(new_status), at=at or utcnow(),
                                        staff_user_id=staff.id if staff is not None else None, note=note or "",
                                        api_client_id=api_client_id)
        self.history.append(change)
        self.status = SubmissionStatus(new_status)
        if staff is not None or api_client_id is not None:
            self.answer_received_at = None  # the office has acted on the answer
        return change


class ReferenceCounter(db.Model):
    """The running number inside submission references, one row per year."""

    __tablename__ = "reference_counter"

    year: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    last_value: Mapped[int] = mapped_column(default=0)


class SubmissionStatusChange(db.Model):
    __tablename__ = "submission_status_change"
    __table_args__ = (enum_check("status", SubmissionStatus, "status_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = enum_column(SubmissionStatus)
    at: Mapped[datetime] = created_at_column()
    staff_user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    # A change made through the API: the system that made it.
    api_client_id: Mapped[int | None] = mapped_column(ForeignKey("api_client.id"))
    # Shown to the applicant on the status page, in the applicant's language where possible.
    note: Mapped[str] = mapped_column(Text, default="")

    submission: Mapped[Submission] = relationship(back_populates="history")
