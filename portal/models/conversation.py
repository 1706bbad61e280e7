"""The return channel between the office and an applicant, kept on the submission: requests for
documents (and the files an answer brings before it is sent), the messages both ways, and
invitations to book an appointment for the submission.

Links in mails carry a random token; only its SHA-256 is stored (like the status code), so a
copy of the database opens no applicant's page."""
from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, BigInteger, Date, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models._types import created_at_column, enum_check, enum_column
from portal.models.document import CopyReason
from portal.models.service import Service
from portal.models.site import Site
from portal.models.staff import StaffUser
from portal.models.submission import Submission


class RequestState(StrEnum):
    OPEN = "open"
    ANSWERED = "answered"
    WITHDRAWN = "withdrawn"  # the caseworker decided without the answer (closed, rejected, asked anew)


class RequestDelivery(StrEnum):
    MAIL = "mail"  # to the applicant's address on record
    POST = "post"  # printed as a letter (no address on record)


class MessageAuthor(StrEnum):
    OFFICE = "office"
    APPLICANT = "applicant"


class MessageChannel(StrEnum):
    WEB = "web"      # written on the portal (the back office's form or the applicant's answer page)
    EMAIL = "email"  # a mail: sent by the office, or the applicant's reply
    POST = "post"    # a printed letter


class DocumentRequest(db.Model):
    """What the office asked an applicant for: document slots of the service's form (keys) and
    free text, by a deadline. Open until answered online (or withdrawn)."""

    __tablename__ = "document_request"
    __table_args__ = (
        enum_check("state", RequestState, "request_state_known"),
        enum_check("delivery", RequestDelivery, "request_delivery_known"),
        # The queue's "answer overdue" and the reminder job: open requests by deadline.
        Index("ix_document_request_open_deadline", "state", "deadline"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id", ondelete="CASCADE"), index=True)
    slots: Mapped[list] = mapped_column(JSON, default=list)  # keys of the form's document slots
    message: Mapped[str] = mapped_column(Text, default="")  # the caseworker's words, as written
    deadline: Mapped[date] = mapped_column(Date)
    state: Mapped[str] = enum_column(RequestState, default=RequestState.OPEN)
    delivery: Mapped[str] = enum_column(RequestDelivery, default=RequestDelivery.MAIL)
    # The answer link of the mail or letter (SHA-256 of its token), and the reminder's own link: the
    # first one cannot be repeated (only its hash is kept) and must keep working.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    reminder_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    api_client_id: Mapped[int | None] = mapped_column(ForeignKey("api_client.id"))
    created_at: Mapped[datetime] = created_at_column()
    reminded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    submission: Mapped[Submission] = relationship()
    requested_by: Mapped[StaffUser | None] = relationship()
    uploads: Mapped[list[AnswerUpload]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="AnswerUpload.id")

    @property
    def is_open(self) -> bool:
        return self.state == RequestState.OPEN


class AnswerUpload(db.Model):
    """A file the applicant added to an answer not sent yet: checked and stored like an
    application's upload, filed in the submission only when the answer is sent."""

    __tablename__ = "answer_upload"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("document_request.id", ondelete="CASCADE"), index=True)
    slot: Mapped[str] = mapped_column(String(60))  # a requested slot, or "other"
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    pdf_sha256: Mapped[str] = mapped_column(String(64))
    pdf_size_bytes: Mapped[int] = mapped_column(BigInteger)
    page_count: Mapped[int] = mapped_column(Integer)
    copy_reason: Mapped[str | None] = enum_column(CopyReason, nullable=True)
    created_at: Mapped[datetime] = created_at_column()

    request: Mapped[DocumentRequest] = relationship(back_populates="uploads")


class SubmissionMessage(db.Model):
    """One message of the conversation on a submission, in the order written.

    The office's: `body` as the caseworker wrote it (German), `sent_text` the applicant's copy as
    it was sent (their language). The applicant's: `body` as written, `transliteration` its Latin
    reading where the script is not Latin (for the caseworker)."""

    __tablename__ = "submission_message"
    __table_args__ = (
        enum_check("author", MessageAuthor, "message_author_known"),
        enum_check("channel", MessageChannel, "message_channel_known"),
        Index("ix_submission_message_thread", "submission_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id", ondelete="CASCADE"))
    author: Mapped[str] = enum_column(MessageAuthor)
    channel: Mapped[str] = enum_column(MessageChannel)
    language: Mapped[str] = mapped_column(String(5), default="de")
    body: Mapped[str] = mapped_column(Text, default="")
    sent_text: Mapped[str] = mapped_column(Text, default="")
    transliteration: Mapped[str] = mapped_column(Text, default="")
    staff_user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("document_request.id"), index=True)
    inbound_mail_id: Mapped[int | None] = mapped_column(ForeignKey("inbound_mail.id"))
    # How many documents came with it (an answer's uploads, a reply mail's attachments).
    document_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = created_at_column()

    staff_user: Mapped[StaffUser | None] = relationship()
    request: Mapped[DocumentRequest | None] = relationship()


class AppointmentInvitation(db.Model):
    """A caseworker's invitation to book an appointment for a submission: the link books the
    service at the site, from the places kept for staff. Used once."""

    __tablename__ = "appointment_invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id", ondelete="CASCADE"), index=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id"))
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    created_at: Mapped[datetime] = created_at_column()
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("booking.id"))

    submission: Mapped[Submission] = relationship()
    service: Mapped[Service] = relationship()
    site: Mapped[Site] = relationship()
