"""Applications in progress: what an applicant has entered and uploaded before submitting."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models._types import created_at_column, enum_check, enum_column, utcnow
from portal.models.document import CopyReason


class ApplicationDraft(db.Model):
    __tablename__ = "application_draft"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Kept in the applicant's session; never shown in a URL.
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    # Set when the applicant asks for a resume link by mail (hash of the token in the link).
    resume_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    service_code: Mapped[str] = mapped_column(String(60))
    form_version: Mapped[int] = mapped_column(Integer)
    language: Mapped[str] = mapped_column(String(5))
    values: Mapped[dict] = mapped_column(JSON, default=dict)
    completed_steps: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    # Once submitted, a replayed final POST finds the submission here instead of making another.
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submission.id"))

    uploads: Mapped[list[DraftUpload]] = relationship(
        back_populates="draft", cascade="all, delete-orphan", order_by="DraftUpload.id")


class DraftUpload(db.Model):
    """A file accepted for a document slot of a draft; the bytes are already in storage."""

    __tablename__ = "draft_upload"
    __table_args__ = (enum_check("copy_reason", CopyReason, "copy_reason_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("application_draft.id", ondelete="CASCADE"), index=True)
    slot: Mapped[str] = mapped_column(String(60))
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))  # the original (metadata removed)
    pdf_sha256: Mapped[str] = mapped_column(String(64))  # the PDF for the case file
    # What the case file's PDF changed, when it is not the upload itself.
    copy_reason: Mapped[str | None] = enum_column(CopyReason, nullable=True)
    pdf_size_bytes: Mapped[int] = mapped_column(BigInteger)
    page_count: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = created_at_column()

    draft: Mapped[ApplicationDraft] = relationship(back_populates="uploads")
