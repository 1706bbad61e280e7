"""Documents: stored files (content-addressed) attached to submissions and case files."""
from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models._types import created_at_column, enum_check, enum_column
from portal.models.casefile import CaseFile
from portal.models.submission import Channel, Submission


class CopyReason(StrEnum):
    """Why a document is a copy of another one (derived_from): what the copy changed."""

    IMAGE_TO_PDF = "image_to_pdf"  # a photo or scan as a PDF page
    PASSWORD_REMOVED = "password_removed"  # noqa: S105 - a PDF that opens without a password, unprotected
    FORM_SCRIPTS_REMOVED = "form_scripts_removed"  # a filled Acrobat form without its field scripts
    PASSWORD_AND_SCRIPTS_REMOVED = "password_and_scripts_removed"  # noqa: S105 - what was done, not a password


class Document(db.Model):
    __tablename__ = "document"
    __table_args__ = (
        enum_check("source", Channel, "source_known"),
        enum_check("copy_reason", CopyReason, "copy_reason_known"),
        # A case file's timeline is ordered by the document's own date.
        Index("ix_document_timeline", "case_file_id", "document_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    media_type: Mapped[str] = mapped_column(String(100))
    original_filename: Mapped[str] = mapped_column(String(255), default="")
    kind: Mapped[str] = mapped_column(String(60), default="other")  # passport, photo, ...
    title: Mapped[str] = mapped_column(String(255), default="")
    page_count: Mapped[int | None] = mapped_column(Integer)
    document_date: Mapped[date | None] = mapped_column(Date)
    source: Mapped[str] = enum_column(Channel)
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submission.id"), index=True)
    case_file_id: Mapped[int | None] = mapped_column(ForeignKey("case_file.id"))
    # A copy for the case file (an image as PDF, a PDF without password protection or form
    # scripts) points at the original as received, which is kept beside it.
    derived_from_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"))
    copy_reason: Mapped[str | None] = enum_column(CopyReason, nullable=True)
    received_at: Mapped[datetime] = created_at_column()

    submission: Mapped[Submission | None] = relationship()
    case_file: Mapped[CaseFile | None] = relationship()
    derived_from: Mapped[Document | None] = relationship(remote_side=[id])
