"""intake.receive(draft): the one place where a submission is made, whatever the channel.

Channels (web form, e-mail, scan batch) store the files first and build an IntakeDraft of
plain data; receive() checks it and adds the rows in the caller's transaction. The caller
commits, so a submission and its documents are stored whole or not at all.

Where the new submission goes is decided here too, alike for every channel: a draft that names
a case file (CaseFileHint) is attached to it when the naming is confirmed (a scanned paper
file of a file the office knows) or else linked to it, open in the queue (a file number in a
mail, a file the scan import opened); any other submission may be attached automatically
(portal.matching.auto_attach, when the office switched that on).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.casefiles.operations import attach_submission
from portal.config import MatchingSettings
from portal.db_insert import insert_unless_present
from portal.documents.sniff import PDF
from portal.documents.storage import DocumentStorage
from portal.domain.dates import PartialDate
from portal.forms.district import site_for_postcode
from portal.intake.references import hash_secret, new_status_code, next_reference
from portal.matching.auto_attach import maybe_auto_attach
from portal.models import (
    CaseFile, Channel, CopyReason, Document, Service, Site, Submission, SubmissionStatus,
)
from portal.models._types import utcnow


class IntakeError(ValueError):
    """The draft cannot become a submission (unknown service, missing file)."""


@dataclass(frozen=True)
class Applicant:
    surname: str = ""
    given_names: str = ""
    date_of_birth: PartialDate = PartialDate(None)
    email: str = ""


@dataclass(frozen=True)
class IntakeFile:
    slot: str
    filename: str
    media_type: str
    sha256: str
    size_bytes: int
    pdf_sha256: str
    pdf_size_bytes: int
    page_count: int
    document_date: date | None = None
    title: str = ""  # what the case file calls it ("Bescheid"); the file name when empty
    copy_reason: str | None = None  # CopyReason of the PDF when it is a copy of the original


@dataclass(frozen=True)
class CaseFileHint:
    """The case file a draft names by its file number. Confirmed: the submission is filed in it
    at once. Not confirmed: linked to it, it waits in the queue for a caseworker, who confirms
    the link or attaches it elsewhere."""
    file_number: str
    confirmed: bool = False


@dataclass
class IntakeDraft:
    channel: Channel
    service_code: str
    language: str
    values: dict[str, str]
    applicant: Applicant
    files: list[IntakeFile] = field(default_factory=list)
    form_version: int | None = None
    # The same key twice (a replayed POST, a re-fetched e-mail) gives the first submission back.
    idempotency_key: str | None = None
    site_code: str | None = None  # else the postcode's site; a named case file's site goes first
    case_file_hint: CaseFileHint | None = None


@dataclass
class IntakeResult:
    submission: Submission
    status_code: str | None  # only known when the submission was made now
    created: bool
    # Per draft file, the document the case file shows (the PDF made from an image); empty
    # when the submission existed already.
    documents: list[Document] = field(default_factory=list)


def find_by_idempotency_key(session: Session, key: str) -> Submission | None:
    return session.scalar(select(Submission).where(Submission.idempotency_key == key))


def receive(session: Session, storage: DocumentStorage, draft: IntakeDraft, *,
            matching: MatchingSettings) -> IntakeResult:
    """The draft as a submission (or the one made before under its idempotency key); an
    unnamed one is attached automatically when `matching` (the office's settings) says so."""
    if draft.idempotency_key:
        existing = find_by_idempotency_key(session, draft.idempotency_key)
        if existing is not None:
            return IntakeResult(existing, None, created=False)
    service = _service(session, draft.service_code)
    _check_stored(storage, draft.files)

    now = utcnow()
    case_file = _named_case_file(session, draft.case_file_hint)
    if case_file is not None:
        site = case_file.site  # who may see the submission follows its file
    else:
        site_code = draft.site_code or site_for_postcode(draft.values.get("postcode", ""))
        site = session.scalar(select(Site).where(Site.code == site_code)) if site_code else None
    linked = case_file is not None and not draft.case_file_hint.confirmed
    status_code = new_status_code()
    submission = Submission(
        reference=next_reference(session, now.year),
        status_token_hash=hash_secret(status_code),
        idempotency_key=draft.idempotency_key,
        channel=draft.channel,
        service=service,
        form_version=draft.form_version,
        language=draft.language,
        field_values=dict(draft.values),
        applicant_surname=draft.applicant.surname,
        applicant_given_names=draft.applicant.given_names,
        applicant_date_of_birth=draft.applicant.date_of_birth,
        applicant_email=draft.applicant.email,
        site=site,
        received_at=now,
        case_file_id=case_file.id if linked else None,  # its documents are the file's from the start
    )
    submission.change_status(SubmissionStatus.RECEIVED, at=now)
    session.add(submission)
    documents = [add_documents(session, submission, item, draft.channel, now) for item in draft.files]
    session.flush()
    if case_file is not None and not linked:
        attach_submission(session, submission, case_file, None, automatic=True)
    elif case_file is None:
        maybe_auto_attach(session, submission, matching)
    return IntakeResult(submission, status_code, created=True, documents=documents)


def _named_case_file(session: Session, hint: CaseFileHint | None) -> CaseFile | None:
    if hint is None or not hint.file_number:
        return None
    return session.scalar(select(CaseFile).where(CaseFile.file_number == hint.file_number))


def add_files(session: Session, storage: DocumentStorage, submission: Submission,
              files: list[IntakeFile], channel: Channel | None = None) -> list[Document]:
    """More files for a submission received before (a scan batch delivered or resumed in parts,
    an applicant's follow-up mail): the same checks and Document rows as receive(), from
    `channel` (default the submission's own); filed in the submission's case file if it has one.
    Returns, per file, the document the case file shows."""
    _check_stored(storage, files)
    now = utcnow()
    channel = channel or Channel(submission.channel)
    documents = [add_documents(session, submission, item, channel, now) for item in files]
    session.flush()
    return documents


def _service(session: Session, code: str) -> Service:
    """The service row; made from its catalogue entry when missing (an installation where
    seed-demo never ran still takes scanned files and e-mails)."""
    from portal.forms.catalogue import BY_CODE

    service = session.scalar(select(Service).where(Service.code == code))
    if service is not None:
        return service
    entry = BY_CODE.get(code)
    if entry is None:
        raise IntakeError(f"unknown service {code!r}")
    values = {"code": entry.code, "name_de": entry.name_de, "appointment_minutes": entry.appointment_minutes,
              "needs_appointment": entry.needs_appointment, "has_online_form": entry.has_online_form,
              "form_version": entry.form_version, "is_active": True}
    # Another process may add the same row at this moment; its row is as good as ours.
    session.execute(insert_unless_present(session, Service, conflict_on=["code"]).values(**values))
    return session.scalar(select(Service).where(Service.code == code))


def _check_stored(storage: DocumentStorage, files: list[IntakeFile]) -> None:
    for item in files:
        for digest in {item.sha256, item.pdf_sha256}:
            if not storage.exists(digest):
                raise IntakeError(f"document {item.filename!r} is not in storage ({digest})")


def add_documents(session: Session, submission: Submission, item: IntakeFile, channel: Channel,
                  now: datetime) -> Document:
    """The document rows of one file (the original, and its PDF copy where there is one), for
    every channel alike; returns the one the case file shows."""
    title = item.title or item.filename
    original = Document(
        sha256=item.sha256, size_bytes=item.size_bytes, media_type=item.media_type,
        original_filename=item.filename, kind=item.slot, title=title,
        page_count=item.page_count if item.media_type == PDF else None,
        document_date=item.document_date or now.date(), source=channel, submission=submission,
        case_file_id=submission.case_file_id,
    )
    session.add(original)
    if item.pdf_sha256 == item.sha256:
        return original  # a PDF as received: the case file shows it itself
    # The case file gets a PDF copy (of an image; of a PDF without password protection or form
    # scripts); the original stays beside it.
    pdf = Document(
        sha256=item.pdf_sha256, size_bytes=item.pdf_size_bytes, media_type=PDF,
        original_filename=item.filename.rsplit(".", 1)[0] + ".pdf", kind=item.slot, title=title,
        page_count=item.page_count, document_date=original.document_date, source=channel,
        submission=submission, derived_from=original, case_file_id=submission.case_file_id,
        copy_reason=item.copy_reason or CopyReason.IMAGE_TO_PDF,
    )
    session.add(pdf)
    return pdf
