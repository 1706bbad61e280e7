"""Documents: stored files (content-addressed) attached to submissions and case files."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models._types import created_at_column, enum_check, enum_column
from portal.models.casefile import CaseFile
from portal.models.submission import Channel, Submission


class Document(db.Model):
    __tablename__ = "document"
    __table_args__ = (
        enum_check("source", Channel, "source_known"),
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
    # An image converted to PDF for the case file points at the original upload.
    derived_from_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"))
    received_at: Mapped[datetime] = created_at_column()

    submission: Mapped[Submission | None] = relationship()
    case_file: Mapped[CaseFile | None] = relationship()
    derived_from: Mapped[Document | None] = relationship(remote_side=[id])
