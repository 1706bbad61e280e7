"""Mail in both directions: the inbound log (e-mail intake) and the outbox."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models._types import created_at_column, enum_check, enum_column, utcnow


class InboundMailStatus(StrEnum):
    RECEIVED = "received"
    PROCESSED = "processed"
    QUARANTINED = "quarantined"


class InboundMail(db.Model):
    __tablename__ = "inbound_mail"
    __table_args__ = (enum_check("status", InboundMailStatus, "status_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str | None] = mapped_column(String(998), index=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)  # of the raw .eml as stored
    sender: Mapped[str] = mapped_column(String(254), default="")
    subject: Mapped[str] = mapped_column(String(998), default="")
    size_bytes: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = enum_column(InboundMailStatus, default=InboundMailStatus.RECEIVED)
    quarantine_reason: Mapped[str] = mapped_column(Text, default="")
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submission.id"), index=True)
    received_at: Mapped[datetime] = created_at_column()


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
    status: Mapped[str] = enum_column(OutboundMailStatus, default=OutboundMailStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = created_at_column()
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
