"""Batches of scanned paper files delivered by the scan service provider, row by row.

A row is "already present" when its batch holds an imported row for the same file number
and the same content (sha256): a delivery imported again, or resumed after a crash, skips
it; a failed row is tried again and its failure replaced when it succeeds.
"""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models._types import created_at_column, enum_check, enum_column, utcnow
from portal.models.staff import StaffUser


class ScanBatchStatus(StrEnum):
    RECEIVED = "received"  # an import has started (or was interrupted)
    IMPORTED = "imported"  # every row of the delivery was imported or failed with a reason
    CHECKED = "checked"  # a caseworker has looked at the result


class ScanRowStatus(StrEnum):
    IMPORTED = "imported"
    FAILED = "failed"


class ScanBatch(db.Model):
    __tablename__ = "scan_batch"
    __table_args__ = (enum_check("status", ScanBatchStatus, "status_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[str] = mapped_column(String(64), unique=True)  # the provider's name for it
    source_dir: Mapped[str] = mapped_column(String(1000), default="")  # the last delivery imported
    status: Mapped[str] = enum_column(ScanBatchStatus, default=ScanBatchStatus.RECEIVED)
    rows_imported: Mapped[int] = mapped_column(Integer, default=0)
    rows_failed: Mapped[int] = mapped_column(Integer, default=0)
    case_files_created: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = created_at_column()
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    checked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    checked_by: Mapped[StaffUser | None] = relationship()

    def __repr__(self) -> str:
        return f"<ScanBatch {self.batch_id} {self.status}>"


class ScanBatchRow(db.Model):
    __tablename__ = "scan_batch_row"
    __table_args__ = (
        enum_check("status", ScanRowStatus, "status_known"),
        UniqueConstraint("scan_batch_id", "file_number", "sha256"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scan_batch_id: Mapped[int] = mapped_column(ForeignKey("scan_batch.id", ondelete="CASCADE"), index=True)
    row_number: Mapped[int] = mapped_column(Integer)  # line in index.csv of the latest delivery
    # As the index gives them (cut to the column size when a failed row has longer values).
    file_number: Mapped[str] = mapped_column(String(60))
    sha256: Mapped[str] = mapped_column(String(64))
    path: Mapped[str] = mapped_column(String(1000))
    status: Mapped[str] = enum_column(ScanRowStatus)
    reason_code: Mapped[str] = mapped_column(String(40), default="")
    reason: Mapped[str] = mapped_column(Text, default="")  # the detail, for the report
    # Deleting a file under the retention rules deletes its rows here too (they name its documents).
    document_id: Mapped[int | None] = mapped_column(ForeignKey("document.id", ondelete="CASCADE"))
    case_file_id: Mapped[int | None] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"), index=True)
    # This row's import opened the case file (the index named a number the office did not know).
    opened_case_file: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    batch: Mapped[ScanBatch] = relationship()
