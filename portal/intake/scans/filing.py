"""Filing the rows of one batch and file number: one submission through the intake pipeline,
attached at once to a file the office knows (a confirmed CaseFileHint), or waiting in the queue
linked to a file the import opened (an unconfirmed one)."""
from __future__ import annotations

import hashlib
import logging

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from portal.casefiles import master_data
from portal.casefiles.operations import create_case_file
from portal.config import MatchingSettings
from portal.documents.storage import DocumentStorage
from portal.intake.pipeline import Applicant, CaseFileHint, IntakeDraft, IntakeFile, receive
from portal.intake.scans.files import StoredScan
from portal.intake.scans.index import IndexRow, Reason, RowFailure, site_code_of
from portal.intake.scans.tracking import BatchState
from portal.models import CaseFile, Channel, SubmissionStatus

SERVICE_CODE = "scanned-file"
log = logging.getLogger(__name__)


def idempotency_key(batch_id: str, file_number: str) -> str:
    key = f"scan:{batch_id}:{file_number}"
    if len(key) <= 64:
        return key
    # Submission.idempotency_key holds 64 characters; a long batch id is hashed (same input, same key).
    return "scan:" + hashlib.sha256(key.encode()).hexdigest()[:59]


def person_values(row: IndexRow, sites: dict[str, int]) -> master_data.Row:
    """The person data of the index row, checked as the case-file import checks its rows
    (portal.casefiles.master_data); the site is the file number's prefix. Raises RowFailure."""
    site_code = site_code_of(row.file_number)
    if site_code.upper() not in sites:
        raise RowFailure(Reason.UNKNOWN_SITE, f"no site for the file number {row.file_number!r} "
                                              f"(known prefixes: {', '.join(sorted(sites))})")
    record = {**{key: value for key, value in row.record.items() if isinstance(key, str)},
              "file_number": row.file_number, "site": site_code, "birth_name": "", "place_of_birth": "",
              "aliases": ""}
    parsed = master_data.parse_row(row.line, record, sites)
    if isinstance(parsed, str):
        code = Reason.BAD_DATE if parsed.startswith("date of birth") else Reason.BAD_PERSON_DATA
        raise RowFailure(code, parsed)
    return parsed


def open_case_file(session: Session, batch: BatchState, row: IndexRow, sites: dict[str, int]) -> CaseFile | None:
    """The case file of an index row's unknown file number, opened from the row's person data;
    None when another process opened that number a moment ago."""
    person = person_values(row, sites)
    case_file = create_case_file(session, person.values, file_number=row.file_number, aliases=person.aliases,
                                 alias_source=master_data.ALIAS_SOURCE,
                                 audit={"from_scan_batch": batch.row.batch_id, "line": row.line})
    if case_file is None:
        return None
    batch.opened.add(case_file.file_number)
    log.info("scan batch %s, line %s: case file %s was not known; opened from the index, its submission "
             "waits in the queue", batch.row.batch_id, row.line, case_file.file_number)
    return case_file


def _draft(batch: BatchState, case_file_number: str, row: IndexRow, files: list[IntakeFile], *, confirmed: bool,
           applicant: Applicant | None = None) -> IntakeDraft:
    from portal.domain.dates import InvalidPartialDate, PartialDate

    values = {"batch_id": batch.row.batch_id, "file_number": case_file_number,
              **{column: (row.record.get(column) or "").strip()
                 for column in ("surname", "given_names", "date_of_birth", "nationality")}}
    try:
        dob = PartialDate.parse(values["date_of_birth"]) if values["date_of_birth"] else PartialDate(None)
    except InvalidPartialDate:
        dob = PartialDate(None)  # checked only where it opens a file; for a known file it is a hint
    return IntakeDraft(
        channel=Channel.SCAN, service_code=SERVICE_CODE, language="de", values=values,
        applicant=applicant or Applicant(values["surname"][:200], values["given_names"][:200], dob),
        files=files, idempotency_key=idempotency_key(batch.row.batch_id, case_file_number),
        case_file_hint=CaseFileHint(case_file_number, confirmed=confirmed))


def file_into(session: Session, storage: DocumentStorage, batch: BatchState, case_file: CaseFile,
              group: list, matching: MatchingSettings) -> list:
    """Rows for a file the office knows: one submission, attached at once."""
    row = group[0][0]
    result = receive(session, storage, _draft(batch, case_file.file_number, row,
                                              [intake_file(r, s) for r, s in group], confirmed=True),
                     matching=matching)
    for change in result.submission.history:
        if change.status == SubmissionStatus.ATTACHED and not change.note:
            change.note = _("Filed from scan batch %(batch)s", batch=batch.row.batch_id)
    return result.documents


def received_for_new_file(session: Session, storage: DocumentStorage, batch: BatchState,
                          case_file: CaseFile, group: list, matching: MatchingSettings) -> list:
    """Rows for a file the import opened: the submission waits in the queue, filed in it."""
    row = group[0][0]
    result = receive(session, storage, _draft(
        batch, case_file.file_number, row, [intake_file(r, s) for r, s in group], confirmed=False,
        applicant=Applicant(case_file.surname, case_file.given_names, case_file.date_of_birth)),
        matching=matching)
    result.submission.history[0].note = _(
        "Scan batch %(batch)s: the case file %(number)s was not known and has been opened from the scan "
        "index. Please check it.", batch=batch.row.batch_id, number=case_file.file_number)
    return result.documents


def intake_file(row: IndexRow, stored: StoredScan) -> IntakeFile:
    name = row.path.rsplit("/", 1)[-1][:255]
    return IntakeFile(slot=row.document_type or "scan", filename=name, media_type=stored.media_type,
                      sha256=stored.sha256, size_bytes=stored.size_bytes, pdf_sha256=stored.pdf_sha256,
                      pdf_size_bytes=stored.pdf_size_bytes, page_count=stored.page_count,
                      document_date=row.document_date, title=row.document_type or name,
                      copy_reason=stored.copy_reason)
