"""Mail in both directions: the inbound log (e-mail intake) and the outbox."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models._types import created_at_column, enum_check, enum_column, utcnow
from portal.models.staff import StaffUser
from portal.models.submission import Submission


class InboundMailStatus(StrEnum):
    RECEIVED = "received"  # stored, not processed yet (or processing was interrupted)
    PROCESSED = "processed"
    QUARANTINED = "quarantined"
    DUPLICATE = "duplicate"  # the same message (Message-ID or bytes) as an earlier one
    DISMISSED = "dismissed"  # a caseworker decided that nothing follows from it


class InboundMailSource(StrEnum):
    IMAP = "imap"
    FILE = "file"


class InboundMail(db.Model):
    """Every message that reached the office's mailbox, stored as it came before anything else
    happens to it (the raw .eml is in document storage under `sha256`)."""

    __tablename__ = "inbound_mail"
    __table_args__ = (
        enum_check("status", InboundMailStatus, "status_known"),
        enum_check("source", InboundMailSource, "source_known"),
        # The quarantine list and the filters: newest first per status.
        Index("ix_inbound_mail_status_received", "status", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str | None] = mapped_column(String(998), index=True)
    # "email:" + sha256 of the normalised Message-ID (or of the bytes): the submission's idempotency key.
    dedup_key: Mapped[str] = mapped_column(String(64), index=True, default="")
    sha256: Mapped[str] = mapped_column(String(64), unique=True)  # of the raw .eml as stored
    # Only the header was fetched (a message above PORTAL_MAIL_MAX_BYTES stays on the server).
    headers_only: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = enum_column(InboundMailSource, default=InboundMailSource.FILE)
    source_detail: Mapped[str] = mapped_column(String(500), default="")  # mailbox and folder, or file path
    sender: Mapped[str] = mapped_column(String(254), default="")  # the address, lower case
    sender_name: Mapped[str] = mapped_column(String(200), default="")
    subject: Mapped[str] = mapped_column(String(998), default="")
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # the Date header
    size_bytes: Mapped[int] = mapped_column(Integer)
    language: Mapped[str] = mapped_column(String(5), default="")
    status: Mapped[str] = enum_column(InboundMailStatus, default=InboundMailStatus.RECEIVED)
    reason_code: Mapped[str] = mapped_column(String(40), default="")
    quarantine_reason: Mapped[str] = mapped_column(Text, default="")
    # What the parser saw: selected headers, the parts and what became of them, the text (bounded).
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submission.id"), index=True)
    received_at: Mapped[datetime] = created_at_column()
    processed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    dismissed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    dismissed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))

    submission: Mapped[Submission | None] = relationship()
    dismissed_by: Mapped[StaffUser | None] = relationship()


class ReplyLimit(db.Model):
    """When an address was last sent an automatic acknowledgement: taken by a conditional
    UPDATE, so that two processes cannot both answer the same sender within the hour."""

    __tablename__ = "reply_limit"

    address: Mapped[str] = mapped_column(String(254), primary_key=True)
    last_sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class OutboundMailStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class OutboundMail(db.Model):
    """The outbox: written in the same transaction as the change it reports, sent by the worker."""

    __tablename__ = "outbound_mail"
    __table_args__ = (
        enum_check("status", OutboundMailStatus, "status_known"),
        Index("ix_outbound_mail_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(998))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(5), default="de")
    # Stored documents to attach: [{"sha256": ..., "filename": ..., "media_type": ...}]
    attachments: Mapped[list] = mapped_column(JSON, default=list)
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submission.id"), index=True)
    # The request that wrote the mail (portal.observability.logs): the worker logs its sending
    # under the same id, so one search finds both.
    request_id: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = enum_column(OutboundMailStatus, default=OutboundMailStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = created_at_column()
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
