"""Importing a scan delivery into the case files, through the intake pipeline.

Per batch and file number the rows become one submission (channel scan, service
"scanned-file", idempotency key "scan:<batch>:<file number>"). Where the office knows the file
number, the submission is attached at once; where it does not, the import opens the case file
from the index's person data and leaves the submission in the queue for a caseworker to check.

Safe to run again and to kill: every file is stored (content-addressed, atomic) before the
commit that references it, and rows are committed in chunks together with their ScanBatchRow,
so a kill loses at most the chunk in hand, which the next run does again. A row is skipped when
its batch already holds it as imported (same file number, same sha256); failed rows are retried.
"""
from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date
from itertools import groupby
from pathlib import Path

from flask_babel import force_locale
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.audit import record as audit
from portal.config import DEFAULT_LANGUAGE, MatchingSettings, VirusScanSettings
from portal.documents.storage import DocumentStorage
from portal.intake.pipeline import add_files
from portal.intake.scans.filing import (
    file_into, idempotency_key, intake_file, open_case_file, person_values, received_for_new_file,
)
from portal.intake.scans.files import StoredScan, check_and_store, read_scan
from portal.intake.scans.index import BadRow, IndexRow, Reason, RowFailure, file_inside, parse_row, read_index
from portal.intake.scans.tracking import (
    BatchState, ImportReport, count_rows, finish_batch, problem, record_failed, record_imported, start_batch,
)
from portal.models import CaseFile, ScanRowStatus, Site, Submission
from portal.models._types import utcnow

CHUNK_SIZE = 200
# Files are checked and stored by several threads: each stored file waits for its fsync (the
# file's and its folder's), and waits overlap; the disk then writes the chunk in few journal
# commits. Every file still has its own fsync before the commit that refers to it.
STORE_THREADS = 8


def import_delivery(session: Session, storage: DocumentStorage, directory: Path, *, max_file_bytes: int,
                    matching: MatchingSettings, virus_scan: VirusScanSettings,
                    records: list[tuple[int, dict]] | None = None,
                    chunk_size: int = CHUNK_SIZE, progress: Callable[[int], None] | None = None,
                    today: date | None = None, locale: str = DEFAULT_LANGUAGE) -> ImportReport:
    """Import the delivery in `directory` (its index already read: `records`); commits chunk by
    chunk and tells `progress(n)` after each how many rows it held. Raises DeliveryError when
    the index cannot be read. Status notes are written in `locale` (the office's language).
    `max_file_bytes`: one scanned file; `matching`: the office's auto-attach rule, which the
    intake applies to every channel (a scanned file always names its case file, though);
    `virus_scan`: clamd, which scans every file before it is stored (a file with malware fails
    its row and is recorded in the audit trail; one clamd could not scan fails as "not_scanned"
    when the office takes nothing unscanned, and the next run imports it)."""
    today = today or utcnow().date()
    if records is None:
        records = read_index(directory)
    report = ImportReport(rows=len(records))
    by_batch: dict[str, list[IndexRow | BadRow]] = {}
    for line, record in records:
        row = parse_row(line, record, today)
        if not row.batch_id:  # nothing to file it under: reported only
            report.failed.append(problem(row, row.failure))
            if progress is not None:
                progress(1)
            continue
        by_batch.setdefault(row.batch_id, []).append(row)
    sites = {site.code.upper(): site.id for site in session.scalars(select(Site))}
    with force_locale(locale), ThreadPoolExecutor(STORE_THREADS, thread_name_prefix="scan-store") as pool:
        for batch_id, rows in by_batch.items():
            report.batches.append(batch_id)
            batch = start_batch(session, batch_id, directory)
            rows = _without_repeats(rows, report, progress)
            rows.sort(key=lambda r: (r.file_number, r.line))  # a file's rows together: fewer submissions
            chunks = [rows[start:start + chunk_size] for start in range(0, len(rows), chunk_size)]
            stored = _store_chunk(pool, storage, directory, batch, chunks[0], max_file_bytes, virus_scan) \
                if chunks else []
            for index, chunk in enumerate(chunks):
                # The next chunk's files are checked and stored while this one is written.
                following = (_store_chunk(pool, storage, directory, batch, chunks[index + 1], max_file_bytes,
                                          virus_scan) if index + 1 < len(chunks) else [])
                _import_chunk(session, storage, batch, stored, sites, report, matching)
                count_rows(session, batch)
                session.commit()
                if progress is not None:
                    progress(len(chunk))
                stored = following
            finish_batch(session, batch)
            session.commit()
    return report


def _without_repeats(rows: list, report: ImportReport, progress) -> list:
    """The same document for the same file twice in one delivery is one row."""
    seen, kept, repeats = set(), [], 0
    for row in rows:
        if isinstance(row, IndexRow) and row.key in seen:
            repeats += 1
            continue
        if isinstance(row, IndexRow):
            seen.add(row.key)
        kept.append(row)
    report.skipped += repeats
    if repeats and progress is not None:
        progress(repeats)
    return kept


def _store(storage: DocumentStorage, directory: Path, row: IndexRow, max_file_bytes: int,
           virus_scan: VirusScanSettings) -> StoredScan | RowFailure:
    try:
        return check_and_store(storage, read_scan(file_inside(directory, row.path), max_file_bytes), row, virus_scan)
    except RowFailure as failure:
        return failure


def _store_chunk(pool: ThreadPoolExecutor, storage: DocumentStorage, directory: Path, batch: BatchState,
                 chunk: list, max_file_bytes: int,
                 virus_scan: VirusScanSettings) -> list[tuple[IndexRow | BadRow, Future | None]]:
    """Start checking and storing the files of a chunk; rows already present or refused by their
    values get no job. (Chunks hold different keys: the state of this chunk's rows does not change
    while the previous chunk is written.)"""
    return [(row, None if isinstance(row, BadRow) or _present(batch, row)
             else pool.submit(_store, storage, directory, row, max_file_bytes, virus_scan)) for row in chunk]


def _present(batch: BatchState, row: IndexRow | BadRow) -> bool:
    return batch.known.get(row.key, (None, None))[1] == ScanRowStatus.IMPORTED


def _import_chunk(session: Session, storage: DocumentStorage, batch: BatchState,
                  stored: list[tuple[IndexRow | BadRow, Future | None]], sites: dict[str, int],
                  report: ImportReport, matching: MatchingSettings) -> None:
    # 1. Files first: checked and stored (durably) before anything refers to them.
    ready: list[tuple[IndexRow, StoredScan]] = []
    for row, job in stored:
        if _present(batch, row):
            report.skipped += 1
        elif isinstance(row, BadRow):
            record_failed(session, batch, row, row.failure, report)
        elif isinstance(outcome := job.result(), RowFailure):
            record_failed(session, batch, row, outcome, report)
            if outcome.code == Reason.VIRUS_FOUND:
                audit(session, "virus_found", staff=None, object_type="scan_batch", object_id=batch.row.batch_id,
                       detail={"channel": "scan", "signature": outcome.detail, "sha256": row.sha256,
                               "file_number": row.file_number, "path": row.path[:300], "line": row.line})
        else:
            ready.append((row, outcome))
    if not ready:
        return
    # 2. The case files and the batch's submissions of this chunk, in one query each.
    numbers = sorted({row.file_number for row, _ in ready})
    case_files = {cf.file_number: cf for cf in session.scalars(
        select(CaseFile).where(CaseFile.file_number.in_(numbers)))}
    keys = {number: idempotency_key(batch.row.batch_id, number) for number in numbers}
    submissions = {s.idempotency_key: s for s in session.scalars(
        select(Submission).where(Submission.idempotency_key.in_(list(keys.values()))))}
    opened_now = []
    for number, group in groupby(ready, key=lambda item: item[0].file_number):
        group = list(group)
        submission = submissions.get(keys[number])
        case_file = case_files.get(number)
        if case_file is None or number in batch.opened:
            # A file this batch opens (or opened): every row must carry usable person data.
            group = _with_person_data(session, batch, group, sites, report)
            if not group:
                continue
        opens = False
        if submission is None and case_file is None:
            case_file = open_case_file(session, batch, group[0][0], sites)
            if case_file is None:  # another process opened it a moment ago: a file the office knows
                case_file = session.scalar(select(CaseFile).where(CaseFile.file_number == number))
            else:
                opens = True
                opened_now.append(case_file)
                report.case_files_opened.append((batch.row.batch_id, number, group[0][0].line))
        if submission is not None:
            documents = add_files(session, storage, submission, [intake_file(r, s) for r, s in group])
            case_file_id = submission.case_file_id
        elif opens:
            documents = received_for_new_file(session, storage, batch, case_file, group, matching)
            case_file_id = case_file.id
        else:
            documents = file_into(session, storage, batch, case_file, group, matching)
            case_file_id = case_file.id
        for index, ((row, _), document) in enumerate(zip(group, documents, strict=True)):
            record_imported(session, batch, row, document.id, case_file_id, opens and index == 0)
            report.imported += 1
    if opened_now:
        from portal.matching.index import index_case_files

        index_case_files(session, opened_now)


def _with_person_data(session, batch: BatchState, group: list, sites: dict[str, int], report: ImportReport) -> list:
    kept = []
    for row, stored in group:
        try:
            person_values(row, sites)
        except RowFailure as failure:
            record_failed(session, batch, row, failure, report)
            continue
        kept.append((row, stored))
    return kept
