"""Asking an applicant for documents, and the applicant's answer online.

A request names document slots of the service's form and may add free text; it has a deadline
and an answer link (a random token, only its hash stored). It goes by mail in the applicant's
language, or, when no address is on record, as a printed letter (portal.casework.letters) and
is recorded as sent by post. The conversation on the submission keeps the caseworker's words
and the applicant's copy as sent.

The applicant answers on the status page: files per requested slot (checked like an
application's uploads, kept as AnswerUpload until sent) and a text. Sending the answer files the
documents in the submission and its case file in one transaction and puts the submission back
into the queue as "documents received". Nothing is ever closed automatically.

No flask.request here; the mail is rendered with Flask-Babel (an application context)."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from portal.audit import record
from portal.casework.actions import ActionRefused, requested_labels
from portal.casework.conversation import add_office_message, add_applicant_message
from portal.config import OfficeSettings, RequestRules, UploadSettings, VirusScanSettings
from portal.documents.antivirus import record_found
from portal.documents.checks import accept_upload
from portal.documents.refusals import VIRUS_FOUND, DocumentRefused
from portal.documents.storage import DocumentStorage
from portal.models import (
    AnswerUpload, ApiClient, Channel, DocumentRequest, MessageChannel, RequestDelivery, RequestState, StaffUser,
    Submission, SubmissionStatus,
)
from portal.models._types import utcnow

MAX_MESSAGE = 2000  # the caseworker's free text
MAX_ANSWER = 4000  # the applicant's text answer
MAX_DEADLINE_DAYS = 365
# The answer link keeps working this long after the deadline (the caseworker decides what a late
# answer means); after that the applicant unlocks the status page with reference and status code.
LINK_DAYS_AFTER_DEADLINE = 90
OTHER_SLOT = "other"  # a file the applicant adds beyond the requested ones
OTHER_SLOT_MAX_FILES = 5


class AnswerRefused(ValueError):
    """An answer (or a file for it) the portal does not take; `code` says why."""

    def __init__(self, code: str, **details):
        super().__init__(code)
        self.code = code
        self.details = details


@dataclass
class NewRequest:
    request: DocumentRequest
    token: str  # the answer link's token: in the mail or letter only, never stored


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def answer_url(office: OfficeSettings, submission: Submission, token: str) -> str:
    return office.url(f"/{submission.language}/answer/{token}")


def default_deadline(today: date, rules: RequestRules) -> date:
    return today + timedelta(days=rules.deadline_days)


def _checked_slots(submission: Submission, slots: list[str]) -> list[str]:
    from portal.forms.registry import submission_form

    form = submission_form(submission)
    chosen = list(dict.fromkeys(s for s in slots if s))
    if any(form is None or form.slot(key) is None for key in chosen):
        raise ActionRefused("unknown_document")
    return chosen


def ask_for_documents(session: Session, submission: Submission, staff: StaffUser | None, slots: list[str],
                      message: str, *, deadline: date, today: date, office: OfficeSettings,
                      client_address: str = "", api_client: ApiClient | None = None) -> NewRequest:
    """Record the request, change the status to "awaiting documents" and send the mail (queued in
    the outbox) or, without an address on record, record it as sent by post: the caller prints the
    letter (portal.casework.letters.request_letter with `answer_link`). The caller commits."""
    from portal.notify.outbox import enqueue_mail
    from portal.notify.templates import render_mail

    message = (message or "").strip()
    slots = _checked_slots(submission, slots)
    if not slots and not message:
        raise ActionRefused("nothing_requested")
    if len(message) > MAX_MESSAGE:
        raise ActionRefused("note_too_long")
    if not today < deadline <= today + timedelta(days=MAX_DEADLINE_DAYS):
        raise ActionRefused("deadline_invalid")
    if not submission.may_change_to(SubmissionStatus.AWAITING_DOCUMENTS):
        raise ActionRefused("not_open")
    token = secrets.token_urlsafe(24)
    by_mail = bool(submission.applicant_email)
    request = DocumentRequest(submission=submission, slots=slots, message=message, deadline=deadline,
                              delivery=RequestDelivery.MAIL if by_mail else RequestDelivery.POST,
                              token_hash=token_hash(token), requested_by_id=staff.id if staff else None,
                              api_client_id=api_client.id if api_client else None, state=RequestState.OPEN)
    session.add(request)
    submission.change_status(SubmissionStatus.AWAITING_DOCUMENTS, staff=staff, note=message,
                             api_client_id=api_client.id if api_client else None)
    mail = render_mail("documents_requested", submission.language, reference=submission.reference,
                       documents=requested_labels(submission, slots), message=message,
                       office_email=office.mail_address, deadline=deadline,
                       answer_url=answer_url(office, submission, token), by_post=not by_mail)
    if by_mail:
        enqueue_mail(session, recipient=submission.applicant_email, subject=mail.subject, body_text=mail.text,
                     body_html=mail.html, language=submission.language, submission_id=submission.id)
    add_office_message(session, submission, staff, german_text=request_in_german(submission, slots, message,
                                                                                    deadline),
                       sent_text=mail.text, channel=MessageChannel.EMAIL if by_mail else MessageChannel.POST,
                       request=request)
    record(session, "request_documents", staff=staff, api_client=api_client, object_type="submission",
           object_id=submission.reference, client_address=client_address,
           detail={"slots": slots, "deadline": deadline.isoformat(), "delivery": request.delivery})
    session.flush()
    return NewRequest(request, token)


def reissue_token(session: Session, request: DocumentRequest, staff: StaffUser, *, client_address: str = "") -> str:
    """A new answer link for the letter of a request sent by post, printed now. Only the token's
    hash is kept, so a letter printed before stops working: the applicant must get this one."""
    token = secrets.token_urlsafe(24)
    request.token_hash = token_hash(token)
    record(session, "print_request_letter", staff=staff, object_type="submission",
           object_id=request.submission.reference, client_address=client_address, detail={"request": request.id})
    return token


def reminder_token(request: DocumentRequest) -> str:
    """A second answer link, for the reminder mail: the first one keeps working beside it."""
    token = secrets.token_urlsafe(24)
    request.reminder_token_hash = token_hash(token)
    return token


def request_in_german(submission: Submission, slots: list[str], message: str, deadline: date) -> str:
    """The request as the back office reads it in the conversation."""
    from portal.casework.letters import german_labels

    lines = [f"Bitte bis {deadline:%d.%m.%Y} nachreichen:"] if slots else [f"Antwort erbeten bis {deadline:%d.%m.%Y}."]
    lines += [f"- {label}" for label in german_labels(submission, slots)]
    if message:
        lines += ["", message]
    return "\n".join(lines)


def open_requests(session: Session, submission: Submission) -> list[DocumentRequest]:
    return list(session.scalars(select(DocumentRequest).where(
        DocumentRequest.submission_id == submission.id, DocumentRequest.state == RequestState.OPEN)
        .order_by(DocumentRequest.created_at, DocumentRequest.id)))


def request_from_token(session: Session, token: str, today: date) -> DocumentRequest | None:
    """The open request the answer link names, while the link is valid; None for a wrong token,
    an answered or withdrawn request, a finished submission or a link long past its deadline."""
    if not token or len(token) > 100:
        return None
    digest = token_hash(token)
    request = session.scalar(select(DocumentRequest).where(
        or_(DocumentRequest.token_hash == digest, DocumentRequest.reminder_token_hash == digest)))
    if request is None or not request.is_open or not request.submission.is_open:
        return None
    if today > request.deadline + timedelta(days=LINK_DAYS_AFTER_DEADLINE):
        return None
    return request


def answerable(request: DocumentRequest | None, submission: Submission) -> bool:
    return request is not None and request.submission_id == submission.id and request.is_open \
        and submission.is_open


def slot_max_files(request: DocumentRequest, slot: str) -> int:
    from portal.forms.registry import submission_form

    if slot == OTHER_SLOT:
        return OTHER_SLOT_MAX_FILES
    form = submission_form(request.submission)
    spec = form.slot(slot) if form else None
    return spec.max_files if spec else 0


def add_answer_file(session: Session, storage: DocumentStorage, request: DocumentRequest, slot: str, data: bytes,
                    filename: str, *, uploads: UploadSettings, virus_scan: VirusScanSettings,
                    client_address: str = "") -> AnswerUpload:
    """One file for the answer: scanned, checked and stored like an application's upload.
    Raises DocumentRefused (the applicant issue's messages) or AnswerRefused ("not_open",
    "unknown_document", "too_many_files" with max_files, "too_large_together" with limit)."""
    if not request.is_open or not request.submission.is_open:
        raise AnswerRefused("not_open")
    if slot != OTHER_SLOT and slot not in (request.slots or []):
        raise AnswerRefused("unknown_document")
    max_files = slot_max_files(request, slot)
    if sum(1 for u in request.uploads if u.slot == slot) >= max_files:
        raise AnswerRefused("too_many_files", max_files=max_files)
    try:
        accepted = accept_upload(storage, data, filename, max_bytes=uploads.max_file_bytes, virus_scan=virus_scan)
    except DocumentRefused as refused:
        if refused.code == VIRUS_FOUND:
            record_found(session, refused, channel=Channel.WEB.value, client_address=client_address,
                         object_type="document_request", object_id=request.id, filename=filename)
        raise
    if sum(u.size_bytes for u in request.uploads) + accepted.size_bytes > uploads.max_submission_bytes:
        raise AnswerRefused("too_large_together", limit=uploads.max_submission_bytes)
    upload = AnswerUpload(slot=slot, filename=accepted.filename, media_type=accepted.media_type,
                          size_bytes=accepted.size_bytes, sha256=accepted.sha256, pdf_sha256=accepted.pdf_sha256,
                          pdf_size_bytes=accepted.pdf_size_bytes, page_count=accepted.page_count,
                          copy_reason=accepted.copy_reason)
    request.uploads.append(upload)
    return upload


def remove_answer_file(request: DocumentRequest, upload_id: int) -> bool:
    for upload in list(request.uploads):
        if upload.id == upload_id:
            request.uploads.remove(upload)
            return True
    return False


def send_answer(session: Session, storage: DocumentStorage, request: DocumentRequest, text: str, *,
                language: str, client_address: str = "", now: datetime | None = None,
                notify: OfficeSettings | None = None):
    """File the answer: its documents in the submission (and its case file), the text in the
    conversation, the request answered, the submission marked "documents received" and, when no
    other request is open, back "in progress" in the queue; with `notify` (the office wants it:
    PORTAL_REQUEST_NOTIFY_BY_MAIL) the caseworker who asked gets a mail. The caller commits. Raises
    AnswerRefused ("not_open", "empty", "too_long") or IntakeError (a file gone from storage)."""
    from portal.intake.pipeline import IntakeFile, add_files

    submission = request.submission
    text = (text or "").strip()
    if not request.is_open or not submission.is_open:
        raise AnswerRefused("not_open")
    if len(text) > MAX_ANSWER:
        raise AnswerRefused("too_long", limit=MAX_ANSWER)
    if not text and not request.uploads:
        raise AnswerRefused("empty")
    now = now or utcnow()
    files = [IntakeFile(slot=u.slot, filename=u.filename, media_type=u.media_type, sha256=u.sha256,
                        size_bytes=u.size_bytes, pdf_sha256=u.pdf_sha256, pdf_size_bytes=u.pdf_size_bytes,
                        page_count=u.page_count, copy_reason=u.copy_reason) for u in request.uploads]
    documents = add_files(session, storage, submission, files, Channel.WEB) if files else []
    message = add_applicant_message(session, submission, text, language=language, channel=MessageChannel.WEB,
                                    request=request, document_count=len(documents))
    message.created_at = now  # before the status change it causes, in the history
    request.state = RequestState.ANSWERED
    request.answered_at = now
    request.uploads.clear()
    session.flush()
    still_open = [r for r in open_requests(session, submission) if r.id != request.id]
    if not still_open and submission.status == SubmissionStatus.AWAITING_DOCUMENTS:
        submission.change_status(SubmissionStatus.IN_PROGRESS, at=now)
    submission.answer_received_at = now
    record(session, "answer_request", staff=None, object_type="submission", object_id=submission.reference,
           client_address=client_address, detail={"request": request.id, "documents": len(documents)})
    if notify is not None:
        from portal.casework.answer_notice import tell_requester

        tell_requester(session, request, notify, documents=len(documents), wrote=bool(text), by_mail=False)
    return message
