"""Taking in a case file another office handed over (`flask casefiles import-xdomea`).

1. The package is read and checked whole (portal.casefiles.xdomea.package); a package imported
   before (its process id is the submission's idempotency key) adds nothing and is answered again.
2. Every file goes through the document checks, clamd first (portal.intake.transfer.files). One
   refused file refuses the package: nothing is filed, the files stored meanwhile are removed.
3. The person is looked up through the matching: one clear candidate (in the calibrated certain
   band, well ahead of the next) is the file the documents are linked to, to be confirmed by a
   caseworker (or filed at once where the office switched auto-attach on and the candidate meets
   its threshold); several possible ones leave the
   submission in the queue with its candidates; none opens a case file from the package's person
   data (with its known spellings and the sending office's notes), as the scan import opens an
   unknown file, the submission waiting in the queue for a caseworker to check it.
4. One submission of channel "transfer" through intake.receive, every document at its own date.
5. Commit, then the answer `Abgabe.ImportBestaetigen.0402` beside the package (also for a refused
   package, when its message could be read).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.audit import record
from portal.casefiles.operations import create_case_file
from portal.casefiles.spellings import add_spelling
from portal.casefiles.xdomea.package import Package, PackageRefused, read_package
from portal.casefiles.xdomea.receipt import build_receipt, is_uuid, write_receipt
from portal.config import MATCH_CERTAIN, MatchingSettings, VirusScanSettings
from portal.documents.antivirus import record_found
from portal.documents.references import remove_unreferenced
from portal.documents.storage import DocumentStorage
from portal.intake.pipeline import Applicant, CaseFileHint, IntakeDraft, IntakeFile, find_by_idempotency_key, receive
from portal.intake.transfer.files import FileRefused, StoredFile, check_and_store, check_reading_copy
from portal.matching.auto_attach import auto_attach_candidate
from portal.matching.candidates import find_candidates
from portal.matching.index import index_case_file
from portal.models import CaseFile, CaseFileNote, Channel, CopyReason, Site
from portal.models._types import utcnow

SERVICE_CODE = "transferred-file"
AUDIT_ACTION = "transfer_import"
SOURCE = "transfer"
log = logging.getLogger(__name__)


class TransferError(ValueError):
    """Not the package's fault: the office must say more (the site for a new case file)."""


@dataclass(frozen=True)
class TransferSettings:
    office_name: str
    matching: MatchingSettings
    virus_scan: VirusScanSettings
    max_file_bytes: int


@dataclass
class ImportOutcome:
    taken: bool
    already: bool = False  # imported before: nothing added
    reasons: list[str] = field(default_factory=list)
    process_id: str = ""
    submission: str = ""  # its reference
    case_file: str = ""  # the file it is linked or attached to ("" while it waits with candidates)
    opened: bool = False  # that file was opened from the package
    candidates: int = 0
    documents: int = 0
    receipt: Path | None = None


def idempotency_key(process_id: str) -> str:
    return f"transfer:{process_id}"


def _stored(storage: DocumentStorage, package: Package, settings: TransferSettings,
            stored: set[str]) -> list[IntakeFile]:
    """Every document's files checked and stored; FileRefused at the first refusal."""
    files = []
    for document in package.documents:
        pairs = [document.files[:2]] if len(document.files) == 2 and document.files[1].copy_of == \
            document.files[0].name else [[item] for item in document.files]
        for pair in pairs:
            original = pair[0]
            checked = check_and_store(storage, package.read(original.name), original.name,
                                      virus_scan=settings.virus_scan, max_bytes=settings.max_file_bytes,
                                      copy_delivered=len(pair) == 2)
            stored.update({checked.sha256, checked.pdf_sha256})
            copy_reason = checked.copy_reason
            if len(pair) == 2:
                copy = check_reading_copy(storage, package.read(pair[1].name), pair[1].name,
                                          virus_scan=settings.virus_scan, max_bytes=settings.max_file_bytes)
                stored.add(copy.sha256)
                checked = StoredFile(checked.media_type, checked.sha256, checked.size_bytes, copy.sha256,
                                     copy.size_bytes, copy.page_count)
                copy_reason = _copy_reason(pair[1].copy_reason) if copy.sha256 != checked.sha256 else None
            name = (original.original_name or original.name.partition("_")[2] or original.name)[:255]
            files.append(IntakeFile(
                slot=(document.kind or "transfer")[:60], filename=name, media_type=checked.media_type,
                sha256=checked.sha256, size_bytes=checked.size_bytes, pdf_sha256=checked.pdf_sha256,
                pdf_size_bytes=checked.pdf_size_bytes, page_count=checked.page_count,
                document_date=document.document_date or document.received_on, title=(document.title or name)[:255],
                copy_reason=copy_reason))
    return files


def _copy_reason(text: str) -> CopyReason:
    try:
        return CopyReason(text)
    except ValueError:
        return CopyReason.IMAGE_TO_PDF


def _site(session: Session, package: Package, site_code: str | None) -> Site:
    for code in (site_code, package.person.site_code):
        if code:
            site = session.scalar(select(Site).where(Site.code == code.strip().upper()))
            if site is not None:
                return site
            if code == site_code:
                raise TransferError(f"there is no site {site_code!r}")
    raise TransferError("the package names no site of this office: give the site for a new case file (--site)")


def _open_case_file(session: Session, package: Package, site: Site) -> CaseFile:
    person = package.person
    values = {"surname": person.surname, "given_names": person.given_names, "birth_name": person.birth_name,
              "date_of_birth": person.date_of_birth, "place_of_birth": person.place_of_birth,
              "nationality": person.nationality, "site_id": site.id}
    case_file = create_case_file(session, values, audit={
        "from_transfer": package.process_id, "sending_office": package.sender,
        "their_file_number": package.file_number})
    for surname, given_names, kind in person.spellings:
        add_spelling(case_file, surname, given_names, source=SOURCE, kind=kind)
    for note in package.notes:
        session.add(CaseFileNote(case_file_id=case_file.id, staff_user_id=None,
                                 text=f"{note.author}: {note.text}" if note.author else note.text,
                                 created_at=note.at or utcnow()))
    session.flush()
    index_case_file(session, case_file)
    return case_file


def _draft(package: Package, files: list[IntakeFile], site: Site | None, hint: CaseFileHint | None) -> IntakeDraft:
    person = package.person
    values = {"surname": person.surname, "given_names": person.given_names, "birth_name": person.birth_name,
              "date_of_birth": person.date_of_birth.iso(), "place_of_birth": person.place_of_birth,
              "nationality": person.nationality, "sending_office": package.sender,
              # Not "file_number": the other office's number names no file of this one.
              "their_file_number": package.file_number, "process_id": package.process_id}
    return IntakeDraft(channel=Channel.TRANSFER, service_code=SERVICE_CODE, language="de", values=values,
                       applicant=Applicant(person.surname[:200], person.given_names[:200], person.date_of_birth),
                       files=files, idempotency_key=idempotency_key(package.process_id),
                       site_code=site.code if site is not None else None, case_file_hint=hint)


def _answer(path: Path, outcome: ImportOutcome, *, process_id: str, object_id: str, sender: str,
            settings: TransferSettings, now: datetime) -> None:
    if not (is_uuid(process_id) and is_uuid(object_id)):
        return  # a message that could not be read (or names no ids) cannot be answered
    data = build_receipt(process_id=process_id, object_id=object_id, taken=outcome.taken, reasons=outcome.reasons,
                         office_name=settings.office_name, sender=sender, now=now)
    outcome.receipt = write_receipt(path, data, process_id)


def import_package(session: Session, storage: DocumentStorage, path: Path, settings: TransferSettings, *,
                   site_code: str | None = None, now: datetime | None = None) -> ImportOutcome:
    """Take the package in (and commit), or refuse it whole; the 0402 answer is written beside
    it either way. Raises TransferError when a new case file needs a site the package does not give."""
    now = now or utcnow()
    try:
        package = read_package(path, max_file_bytes=settings.max_file_bytes)
    except PackageRefused as refused:
        outcome = ImportOutcome(taken=False, reasons=refused.reasons, process_id=refused.process_id)
        _answer(path, outcome, process_id=refused.process_id, object_id=refused.object_id, sender=refused.sender,
                settings=settings, now=now)
        return outcome
    answer = {"process_id": package.process_id, "object_id": package.object_id, "sender": package.sender,
              "settings": settings, "now": now}
    before = find_by_idempotency_key(session, idempotency_key(package.process_id))
    if before is not None:
        outcome = ImportOutcome(taken=True, already=True, process_id=package.process_id, submission=before.reference,
                                case_file=before.case_file.file_number if before.case_file else "")
        _answer(path, outcome, **answer)
        return outcome

    stored: set[str] = set()
    try:
        files = _stored(storage, package, settings, stored)
    except FileRefused as refused:
        session.rollback()
        remove_unreferenced(session, storage, stored)
        if refused.virus is not None:
            record_found(session, refused.virus, channel=Channel.TRANSFER.value, object_type="submission",
                         object_id=package.process_id, filename=refused.name)
            session.commit()
        outcome = ImportOutcome(taken=False, reasons=[str(refused)], process_id=package.process_id)
        _answer(path, outcome, **answer)
        return outcome

    person = package.person
    candidates = find_candidates(session, surname=person.surname, given_names=person.given_names,
                                 date_of_birth=person.date_of_birth, nationality=person.nationality,
                                 birth_name=person.birth_name, place_of_birth=person.place_of_birth,
                                 file_number=package.file_number)
    # One candidate in the calibrated "certain" band, well ahead of the next: that file.
    clear = auto_attach_candidate(candidates, MATCH_CERTAIN)
    automatic = settings.matching.auto_attach and auto_attach_candidate(
        candidates, settings.matching.auto_threshold) is not None
    case_file, opened, site = None, False, None
    try:
        if not candidates:
            site = _site(session, package, site_code)
            case_file, opened = _open_case_file(session, package, site), True
            hint = CaseFileHint(case_file.file_number, confirmed=False)
        elif clear is not None and not automatic:
            case_file, hint = clear.case_file, CaseFileHint(clear.case_file.file_number, confirmed=False)
        else:  # the intake files it in the clear one itself (the office's auto-attach), or it waits
            hint = None
            site = clear.case_file.site if clear is not None else None
        result = receive(session, storage, _draft(package, files, site, hint), matching=settings.matching)
    except Exception:
        session.rollback()
        remove_unreferenced(session, storage, stored)
        raise
    submission = result.submission
    note = _("Handed over by %(office)s (their file number %(number)s) as xdomea package %(process)s.",
             office=package.sender or "?", number=package.file_number or "?", process=package.process_id)
    if opened:
        note += " " + _("The case file %(number)s was opened from the package. Please check it.",
                        number=case_file.file_number)
    submission.history[0].note = note
    filed_in = submission.case_file.file_number if submission.case_file is not None else ""
    record(session, AUDIT_ACTION, staff=None, object_type="submission", object_id=submission.reference,
           detail={"channel": Channel.TRANSFER.value, "process_id": package.process_id,
                   "sending_office": package.sender, "their_file_number": package.file_number,
                   "case_file": filed_in, "opened": opened, "documents": len(files),
                   "candidates": len(candidates)})
    session.commit()
    log.info("xdomea package %s from %s: submission %s, case file %s (%s), %s files",
             package.process_id, package.sender, submission.reference, filed_in or "-",
             "opened" if opened else "matched" if filed_in else "waits with candidates", len(files))
    outcome = ImportOutcome(taken=True, process_id=package.process_id, submission=submission.reference,
                            case_file=filed_in, opened=opened, candidates=len(candidates),
                            documents=len(package.documents))
    _answer(path, outcome, **answer)
    return outcome
