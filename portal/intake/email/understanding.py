"""What a message means for the office: a filled portal form, a message about a submission
(reference number), a message about a case file (file number), or a general enquiry.

Builds IntakeDrafts (plain data) for intake.receive(), and adds documents to an existing
submission (intake.pipeline.add_files) when a message names its reference. The caller commits.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.config import DEFAULT_LANGUAGE, VirusScanSettings
from portal.documents import antivirus
from portal.documents.checks import AcceptedFile, DocumentRefused, accept_scanned, check_size
from portal.documents.refusals import SCANNER_UNAVAILABLE
from portal.documents.sniff import PDF
from portal.documents.storage import DocumentStorage
from portal.domain.dates import PartialDate
from portal.forms.fields import FieldError
from portal.forms.registry import form_for
from portal.intake.email.parse import ParsedMail
from portal.intake.email.text import bounded
from portal.intake.pipeline import Applicant, CaseFileHint, IntakeDraft, IntakeFile, add_files
from portal.models import CaseFile, Channel, StaffUser, Submission, SubmissionStatus, SubmissionStatusChange

GENERAL_ENQUIRY = "general-enquiry"
MAX_MESSAGE = 5000  # the general enquiry's message field
FORM_SLOT = "application_form"


@dataclass
class StoredAttachment:
    accepted: AcceptedFile
    slot: str = "attachment"


@dataclass
class FilledPortalForm:
    service_code: str
    form_version: int
    values: dict[str, str]
    problems: list[str]  # field names whose value did not pass the form's rules (kept as entered)


class AwaitingScan(Exception):
    """clamd could not scan, and the office takes nothing unscanned: the message waits (stored
    as it came) and is processed again when clamd answers (portal.jobs, "scan-retry")."""


@dataclass
class ScannedParts:
    verdicts: list  # per attachment: clamd's verdict, or None for one its size refuses anyway
    infected: list[str]  # "file name: signature" per attachment with malware


def scan_message(raw: bytes, parsed: ParsedMail, max_file_bytes: int, details: dict,
                 virus_scan: VirusScanSettings) -> ScannedParts:
    """The whole message (clamd reads MIME itself: parts the portal ignores are covered too) and
    every attachment as the portal decoded it (a parser may be fooled where the other is not),
    before anything of it is stored. Raises AwaitingScan."""
    infected = []
    try:
        antivirus.require_clean(virus_scan, raw)
    except DocumentRefused as exc:
        if exc.code == SCANNER_UNAVAILABLE:
            raise AwaitingScan(exc.detail) from exc
        infected.append(f"(message): {exc.detail}")
    verdicts = []
    for index, attachment in enumerate(parsed.attachments):
        if not attachment.data or len(attachment.data) > max_file_bytes:
            verdicts.append(None)  # refused for its size by the checks, never stored
            continue
        try:
            verdicts.append(antivirus.require_clean(virus_scan, attachment.data))
        except DocumentRefused as exc:
            if exc.code == SCANNER_UNAVAILABLE:
                raise AwaitingScan(exc.detail) from exc
            verdicts.append(None)
            details["attachments"][index].update(outcome="refused", refusal=exc.code, reason=exc.detail)
            infected.append(f"{attachment.filename}: {exc.detail}")
    return ScannedParts(verdicts, infected)


def store_attachments(storage: DocumentStorage, parsed: ParsedMail, max_file_bytes: int, details: dict,
                      scanned: ScannedParts):
    """Every attachment (scanned before: scan_message) through the web upload checks;
    (stored, refusals, portal form)."""
    stored: list[StoredAttachment] = []
    refused: list[str] = []
    portal_form = None
    for index, attachment in enumerate(parsed.attachments):
        entry = details["attachments"][index]
        try:
            verdict = scanned.verdicts[index]
            if verdict is None:  # not sent to clamd: its size is refused here
                check_size(attachment.data, max_file_bytes)
            accepted = accept_scanned(storage, attachment.data, attachment.filename, max_bytes=max_file_bytes,
                                      verdict=verdict)
        except DocumentRefused as exc:
            with force_locale(DEFAULT_LANGUAGE):  # the office's language, whoever processes
                message = str(exc.message)
            entry.update(outcome="refused", refusal=exc.code, reason=message)
            refused.append(f"{attachment.filename}: {message}")
            continue
        slot = "attachment"
        if portal_form is None and accepted.media_type == PDF:
            portal_form = read_portal_form(attachment.data)
            if portal_form is not None:
                slot = FORM_SLOT
                entry["portal_form"] = f"{portal_form.service_code}:{portal_form.form_version}"
        entry.update(outcome="accepted", sha256=accepted.sha256, stored_as=accepted.filename)
        stored.append(StoredAttachment(accepted, slot))
    if portal_form is not None and portal_form.service_code != GENERAL_ENQUIRY:
        for item in stored:
            if item.slot == "attachment":
                item.slot = "other"  # the slot every form has for further documents
    return stored, refused, portal_form


def split_display_name(name: str) -> tuple[str, str]:
    """(surname, given names) from a display name, best effort: "Surname, Given", a surname in
    capitals ("SHEVCHENKO Oleksandr"), otherwise the last word is the surname."""
    name = " ".join((name or "").replace('"', " ").split())
    if not name or "@" in name:
        return "", ""
    if "," in name:
        surname, given = (part.strip() for part in name.split(",", 1))
        return surname[:200], given[:200]
    words = name.split(" ")
    if len(words) == 1:
        return words[0][:200], ""
    capitals = [w for w in words if len(w) > 1 and w.isupper()]
    if capitals and len(capitals) < len(words):
        surname = " ".join(capitals)
        return surname[:200], " ".join(w for w in words if w not in capitals)[:200]
    return words[-1][:200], " ".join(words[:-1])[:200]


def read_portal_form(data: bytes) -> FilledPortalForm | None:
    """The values of one of our fillable PDFs, checked with the form's own rules."""
    from portal.pdf.fillable import read_fillable_form

    filled = read_fillable_form(data)
    if filled is None:
        return None
    # The version the PDF was made from, while it is known; else the current one (the difference
    # is flagged for the caseworker).
    form = form_for(filled.service_code, filled.form_version) or form_for(filled.service_code)
    if form is None:
        return None
    raw = {spec.name: str(filled.values.get(spec.name, "") or "") for spec in form.fields}
    values, problems = {}, []
    # The rules' messages are not shown here, but building them needs a locale (no request here).
    with force_locale(DEFAULT_LANGUAGE):
        for spec in form.fields:
            try:
                values[spec.name] = spec.clean(raw[spec.name], raw)
            except FieldError:
                values[spec.name] = raw[spec.name]  # kept as entered, flagged for the caseworker
                problems.append(spec.name)
        asked = {spec.name for step in form.visible_steps(values) for spec in form.visible_fields(step, values)}
        problems = [name for name in problems if name in asked]
        values = {name: value if name in asked else "" for name, value in values.items()}
        for name in form.validate_all(values):
            if name not in problems:
                problems.append(name)
    if filled.values.get("declaration") != "yes":
        problems.append("declaration")
    if filled.form_version != form.version:
        problems.append(f"form_version:{filled.form_version}")
    return FilledPortalForm(form.code, filled.form_version, values, problems)


def _intake_file(stored: StoredAttachment, document_date: date | None) -> IntakeFile:
    a = stored.accepted
    return IntakeFile(slot=stored.slot, filename=a.filename, media_type=a.media_type, sha256=a.sha256,
                      size_bytes=a.size_bytes, pdf_sha256=a.pdf_sha256, pdf_size_bytes=a.pdf_size_bytes,
                      page_count=a.page_count, document_date=document_date, copy_reason=a.copy_reason)


def build_draft(parsed: ParsedMail, *, language: str, files: list[StoredAttachment],
                portal_form: FilledPortalForm | None, file_number: str, idempotency_key: str) -> IntakeDraft:
    """The draft of a new submission; `file_number` names the case file the message is about
    (the intake links the submission to it: named in a mail, not confirmed)."""
    text = bounded(parsed.full_text, MAX_MESSAGE)
    hint = CaseFileHint(file_number) if file_number else None
    document_date = _document_date(parsed.sent_at)
    intake_files = [_intake_file(f, document_date) for f in files]
    if portal_form is not None:
        values = dict(portal_form.values)
        values["email_text"] = text
        if portal_form.problems:
            values["form_problems"] = ", ".join(portal_form.problems)
        email = values.get("email", "") if "email" not in portal_form.problems else ""
        try:
            born = PartialDate.parse(values.get("date_of_birth", "")) if values.get("date_of_birth") else PartialDate(None)
        except ValueError:
            born = PartialDate(None)
        return IntakeDraft(
            channel=Channel.EMAIL, service_code=portal_form.service_code, form_version=portal_form.form_version,
            language=language, values=values,
            applicant=Applicant(surname=values.get("surname", "")[:200], given_names=values.get("given_names", "")[:200],
                                date_of_birth=born, email=email or parsed.sender_address),
            files=intake_files, idempotency_key=idempotency_key, case_file_hint=hint)
    surname, given_names = split_display_name(parsed.sender_name)
    values = {"surname": surname, "given_names": given_names, "email": parsed.sender_address,
              "file_number": file_number, "subject": parsed.subject[:150], "message": text}
    form = form_for(GENERAL_ENQUIRY)
    return IntakeDraft(
        channel=Channel.EMAIL, service_code=GENERAL_ENQUIRY, form_version=form.version if form else None,
        language=language, values=values,
        applicant=Applicant(surname=surname, given_names=given_names, email=parsed.sender_address),
        files=intake_files, idempotency_key=idempotency_key, case_file_hint=hint)


def _document_date(sent_at: datetime | None) -> date | None:
    """The mail's date stands for its attachments' date when it is plausible."""
    from portal.models._types import utcnow

    if sent_at is None or sent_at > utcnow():
        return None
    return sent_at.date()


def case_file_by_number(session: Session, numbers: list[str]) -> CaseFile | None:
    for number in numbers:
        found = session.scalar(select(CaseFile).where(CaseFile.file_number == number))
        if found is not None:
            return found
    return None


def is_open(submission: Submission) -> bool:
    return submission.is_open


def add_to_submission(session: Session, storage: DocumentStorage, submission: Submission,
                      files: list[StoredAttachment], sent_at: datetime | None, now: datetime) -> SubmissionStatusChange:
    """Documents of a follow-up message onto its open submission, with a history entry; a
    submission that waited for documents goes back to work so that the caseworker sees it."""
    document_date = _document_date(sent_at) or now.date()
    # The same rows as every channel: the original, and its copy if it has one; marked as e-mail.
    add_files(session, storage, submission, [_intake_file(stored, document_date) for stored in files], Channel.EMAIL)
    return note_received(submission, len(files), now)


def note_received(submission: Submission, documents: int, now: datetime,
                  staff: StaffUser | None = None) -> SubmissionStatusChange:
    """The history entry of a message (and its documents) added to a submission, by its
    applicant's follow-up or by a caseworker; a submission that waited for documents goes back
    to work so that the caseworker sees it."""
    status = SubmissionStatus.IN_PROGRESS if submission.status == SubmissionStatus.AWAITING_DOCUMENTS \
        else SubmissionStatus(submission.status)
    # The note is shown to the applicant on the status page, in the applicant's language.
    with force_locale(submission.language):
        note = (ngettext("%(num)s document received by e-mail.", "%(num)s documents received by e-mail.",
                         documents) if documents else _("A message was received by e-mail."))
    return submission.change_status(status, at=now, staff=staff, note=note)
