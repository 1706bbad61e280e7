"""intake.receive(draft): the one place where a submission is made, whatever the channel.

Channels (web form, e-mail, scan batch) store the files first and build an IntakeDraft of
plain data; receive() checks it and adds the rows in the caller's transaction. The caller
commits, so a submission and its documents are stored whole or not at all.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.documents.sniff import PDF
from portal.documents.storage import DocumentStorage
from portal.domain.dates import PartialDate
from portal.forms.district import site_for_postcode
from portal.intake.references import hash_secret, new_status_code, next_reference
from portal.models import Channel, CopyReason, Document, Service, Site, Submission, SubmissionStatus, SubmissionStatusChange
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
    site_code: str | None = None
    # Filed in this case file from the start (a scanned paper file names its file number);
    # the submission still waits in the queue until a caseworker attaches or closes it.
    case_file_id: int | None = None


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


def receive(session: Session, storage: DocumentStorage, draft: IntakeDraft) -> IntakeResult:
    if draft.idempotency_key:
        existing = find_by_idempotency_key(session, draft.idempotency_key)
        if existing is not None:
            return IntakeResult(existing, None, created=False)
    service = _service(session, draft.service_code)
    _check_stored(storage, draft.files)

    now = utcnow()
    site_code = draft.site_code or site_for_postcode(draft.values.get("postcode", ""))
    site = session.scalar(select(Site).where(Site.code == site_code)) if site_code else None
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
        status=SubmissionStatus.RECEIVED,
        received_at=now,
        case_file_id=draft.case_file_id,
    )
    submission.history.append(SubmissionStatusChange(status=SubmissionStatus.RECEIVED, at=now))
    session.add(submission)
    documents = [add_documents(session, submission, item, draft.channel, now) for item in draft.files]
    session.flush()
    return IntakeResult(submission, status_code, created=True, documents=documents)


def add_files(session: Session, storage: DocumentStorage, submission: Submission,
              files: list[IntakeFile]) -> list[Document]:
    """More files for a submission received before (a scan batch delivered or resumed in parts):
    the same checks and Document rows as receive(); filed in the submission's case file if it
    has one. Returns, per file, the document the case file shows."""
    _check_stored(storage, files)
    now = utcnow()
    documents = [add_documents(session, submission, item, Channel(submission.channel), now) for item in files]
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
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    session.execute(insert(Service).values(**values).on_conflict_do_nothing(index_elements=["code"]))
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
