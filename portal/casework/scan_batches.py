"""What a member of staff sees of the scan batches: the batches, their counts, failed rows and
case files, each as far as the site rule allows (portal.casework.access).

A delivery of the scan service provider may span both sites. A caseworker sees the batches that
hold a row of their site or an unassigned row (a file number of no site), and of those only such
rows: failed rows carry file numbers and paths that name people. The counts are counted over the
same rows, so they give away nothing of the other site either. Team leads and admins see all.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from portal.audit import record
from portal.casework import access
from portal.intake.scans.filing import idempotency_key
from portal.models import (
    CaseFile, ScanBatch, ScanBatchRow, ScanBatchStatus, ScanRowStatus, StaffUser, Submission,
)
from portal.models._types import utcnow


@dataclass(frozen=True)
class RowCounts:
    imported: int = 0
    failed: int = 0
    opened: int = 0  # case files the batch's rows opened


@dataclass
class BatchReport:
    counts: RowCounts
    failed: list[ScanBatchRow] = field(default_factory=list)
    opened: list[CaseFile] = field(default_factory=list)
    queue_items: dict[str, Submission] = field(default_factory=dict)  # file number -> its queue item
    files: list[tuple] = field(default_factory=list)  # (file number, surname, given names, documents)
    may_check: bool = False
    everything_shown: bool = True  # False: rows of another site are left out


def visible_batches(session: Session, staff: StaffUser, limit: int) -> list[tuple[ScanBatch, RowCounts]]:
    """The newest batches this person may see, each with the counts of the rows they may see."""
    batches = session.scalars(select(ScanBatch).where(access.scan_batch_condition(staff))
                              .order_by(ScanBatch.created_at.desc(), ScanBatch.id.desc()).limit(limit)).all()
    counts = row_counts(session, staff, [batch.id for batch in batches])
    return [(batch, counts.get(batch.id, RowCounts())) for batch in batches]


def row_counts(session: Session, staff: StaffUser, batch_ids: list[int]) -> dict[int, RowCounts]:
    if not batch_ids:
        return {}
    found: dict[int, dict[str, int]] = {}
    for batch_id, status, rows, opened in session.execute(
            select(ScanBatchRow.scan_batch_id, ScanBatchRow.status, func.count(),
                   func.sum(case((ScanBatchRow.opened_case_file.is_(True), 1), else_=0)))
            .where(ScanBatchRow.scan_batch_id.in_(batch_ids), access.scan_row_condition(staff))
            .group_by(ScanBatchRow.scan_batch_id, ScanBatchRow.status)):
        entry = found.setdefault(batch_id, {"imported": 0, "failed": 0, "opened": 0})
        entry["imported" if status == ScanRowStatus.IMPORTED else "failed"] += rows
        entry["opened"] += int(opened or 0)
    return {batch_id: RowCounts(**entry) for batch_id, entry in found.items()}


def batch_report(session: Session, staff: StaffUser, batch: ScanBatch, limit: int) -> BatchReport:
    """One batch as this person may see it (the caller has checked access.can_see_scan_batch)."""
    rows = access.scan_row_condition(staff)
    visible_files = access.case_file_condition(staff)
    failed = session.scalars(
        select(ScanBatchRow).where(ScanBatchRow.scan_batch_id == batch.id, ScanBatchRow.status == ScanRowStatus.FAILED,
                                   rows)
        .order_by(ScanBatchRow.row_number, ScanBatchRow.id).limit(limit)).all()
    opened = session.scalars(
        select(CaseFile).join(ScanBatchRow, ScanBatchRow.case_file_id == CaseFile.id)
        .where(ScanBatchRow.scan_batch_id == batch.id, ScanBatchRow.opened_case_file.is_(True), visible_files)
        .order_by(CaseFile.file_number).limit(limit)).all()
    # The queue item of each opened file: the batch's submission for that file number.
    keys = {idempotency_key(batch.batch_id, cf.file_number): cf.file_number for cf in opened}
    queue_items = {keys[s.idempotency_key]: s for s in session.scalars(
        select(Submission).where(Submission.idempotency_key.in_(list(keys))))} if keys else {}
    files = session.execute(
        select(CaseFile.file_number, CaseFile.surname, CaseFile.given_names, func.count(ScanBatchRow.id))
        .join(ScanBatchRow, ScanBatchRow.case_file_id == CaseFile.id)
        .where(ScanBatchRow.scan_batch_id == batch.id, ScanBatchRow.status == ScanRowStatus.IMPORTED, visible_files)
        .group_by(CaseFile.id, CaseFile.file_number, CaseFile.surname, CaseFile.given_names)
        .order_by(CaseFile.file_number).limit(limit)).all()
    may_check = access.can_check_scan_batch(session, staff, batch)
    return BatchReport(counts=row_counts(session, staff, [batch.id]).get(batch.id, RowCounts()), failed=failed,
                       opened=opened, queue_items=queue_items, files=[tuple(f) for f in files],
                       may_check=may_check, everything_shown=access.sees_all_sites(staff) or may_check)


class NotImported(ValueError):
    """Only an imported batch can be marked as checked (not one being imported, nor twice)."""


def mark_checked(session: Session, staff: StaffUser, batch: ScanBatch, *, client_address: str = "") -> None:
    """Mark the batch as checked, with its audit entry; the caller has checked
    access.can_check_scan_batch and commits."""
    if batch.status != ScanBatchStatus.IMPORTED:
        raise NotImported(batch.batch_id)
    batch.status = ScanBatchStatus.CHECKED
    batch.checked_by_id, batch.checked_at = staff.id, utcnow()
    record(session, "change", staff=staff, object_type="scan_batch", object_id=batch.batch_id,
           client_address=client_address, detail={"status": ScanBatchStatus.CHECKED.value})
