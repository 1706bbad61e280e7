"""Keeping track of a scan batch and its rows in the database (ScanBatch, ScanBatchRow), and
the report of one run."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.audit import record
from portal.intake.scans.index import BadRow, IndexRow, RowFailure
from portal.models import ScanBatch, ScanBatchRow, ScanBatchStatus, ScanRowStatus
from portal.models._types import utcnow
from portal.observability import counters


@dataclass
class RowProblem:
    line: int
    batch_id: str
    file_number: str
    path: str
    code: str
    detail: str


@dataclass
class ImportReport:
    rows: int = 0
    imported: int = 0
    skipped: int = 0  # already present (or a repeated line of the same delivery)
    failed: list[RowProblem] = field(default_factory=list)
    case_files_opened: list[tuple[str, str, int]] = field(default_factory=list)  # (batch, file number, line)
    batches: list[str] = field(default_factory=list)


@dataclass
class BatchState:
    """What the run knows of one batch: its row, and the state of its rows by key."""

    row: ScanBatch
    known: dict[tuple[str, str], tuple[int, str]]  # key -> (ScanBatchRow id, status)
    opened: set[str]  # file numbers whose case file this batch opened
    changed: bool = False


def problem(row: IndexRow | BadRow, failure: RowFailure) -> RowProblem:
    return RowProblem(row.line, row.batch_id, row.file_number, row.path, failure.code, failure.detail)


def start_batch(session: Session, batch_id: str, directory: Path) -> BatchState:
    row = session.scalar(select(ScanBatch).where(ScanBatch.batch_id == batch_id))
    if row is None:
        row = ScanBatch(batch_id=batch_id, status=ScanBatchStatus.RECEIVED)
        session.add(row)
    row.source_dir = str(directory.resolve())[:1000]
    row.started_at, row.finished_at = utcnow(), None
    session.commit()
    known, opened = {}, set()
    for row_id, file_number, sha256, status, opened_file in session.execute(
            select(ScanBatchRow.id, ScanBatchRow.file_number, ScanBatchRow.sha256, ScanBatchRow.status,
                   ScanBatchRow.opened_case_file).where(ScanBatchRow.scan_batch_id == row.id)):
        known[(file_number, sha256)] = (row_id, status)
        if opened_file:
            opened.add(file_number)
    return BatchState(row, known, opened)


def record_imported(session: Session, batch: BatchState, row: IndexRow, document_id: int,
                    case_file_id: int | None, opened: bool) -> None:
    values = {"row_number": row.line, "path": row.path, "status": ScanRowStatus.IMPORTED, "reason_code": "",
              "reason": "", "document_id": document_id, "case_file_id": case_file_id, "opened_case_file": opened}
    _write_row(session, batch, row.key, values)
    batch.known[row.key] = (None, ScanRowStatus.IMPORTED)
    counters.SCAN_ROWS.labels(outcome="imported").inc()


def record_failed(session: Session, batch: BatchState, row: IndexRow | BadRow, failure: RowFailure,
                  report: ImportReport) -> None:
    report.failed.append(problem(row, failure))
    counters.SCAN_ROWS.labels(outcome="failed").inc()
    values = {"row_number": row.line, "path": row.path[:1000], "status": ScanRowStatus.FAILED,
              "reason_code": failure.code, "reason": failure.detail}
    previous = batch.known.get(row.key)
    if previous is None:
        _write_row(session, batch, row.key, values)
        batch.known[row.key] = (None, ScanRowStatus.FAILED)
    elif previous[0] is not None:
        # Failed in an earlier run: the reason is replaced (it may be another one now); nothing new.
        item = session.get(ScanBatchRow, previous[0])
        if (item.reason_code, item.reason, item.path) != (failure.code, failure.detail, values["path"]):
            item.row_number, item.path, item.reason_code, item.reason = (
                row.line, values["path"], failure.code, failure.detail)
    # else: a second bad line with the same key in this delivery: reported, recorded once.


def _write_row(session: Session, batch: BatchState, key: tuple[str, str], values: dict) -> None:
    previous = batch.known.get(key)
    batch.changed = True
    # Back to "received" in the same commit as the new rows: a batch checked before needs another
    # look, even when this run is killed and the next one finds nothing left to do.
    batch.row.status = ScanBatchStatus.RECEIVED
    if previous is None:
        session.add(ScanBatchRow(scan_batch_id=batch.row.id, file_number=key[0][:60], sha256=key[1][:64], **values))
        return
    if previous[0] is not None:
        item = session.get(ScanBatchRow, previous[0])
    else:  # written earlier in this run (a bad line with the same key came first): rare, so looked up
        item = session.scalar(select(ScanBatchRow).where(ScanBatchRow.scan_batch_id == batch.row.id,
                                                         ScanBatchRow.file_number == key[0][:60],
                                                         ScanBatchRow.sha256 == key[1][:64]))
    for name, value in values.items():
        setattr(item, name, value)


def count_rows(session: Session, batch: BatchState) -> None:
    session.flush()
    counts = dict(session.execute(select(ScanBatchRow.status, func.count()).where(
        ScanBatchRow.scan_batch_id == batch.row.id).group_by(ScanBatchRow.status)).all())
    row = batch.row
    row.rows_imported = counts.get(ScanRowStatus.IMPORTED.value, 0)
    row.rows_failed = counts.get(ScanRowStatus.FAILED.value, 0)
    row.case_files_created = session.scalar(select(func.count()).select_from(ScanBatchRow).where(
        ScanBatchRow.scan_batch_id == row.id, ScanBatchRow.opened_case_file.is_(True))) or 0


def finish_batch(session: Session, batch: BatchState) -> None:
    row = batch.row
    count_rows(session, batch)
    row.finished_at = utcnow()
    # A run that changed nothing keeps "checked".
    if row.status == ScanBatchStatus.RECEIVED:
        row.status = ScanBatchStatus.IMPORTED
    if batch.changed:
        record(session, "import", staff=None, object_type="scan_batch", object_id=row.batch_id,
               detail={"imported": row.rows_imported, "failed": row.rows_failed,
                       "case_files_created": row.case_files_created})
