"""The web channel: a completed online application becomes a submission through
intake.receive(), with its receipt and confirmation mail, in one transaction. Sent twice at the
same moment (a double click, a replayed POST), it is still one submission."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.config import MatchingSettings, OfficeSettings, UploadSettings, VirusScanSettings
from portal.documents.antivirus import record_found
from portal.documents.checks import accept_upload
from portal.documents.refusals import VIRUS_FOUND, DocumentRefused
from portal.documents.storage import DocumentStorage
from portal.domain.dates import PartialDate
from portal.forms import drafts
from portal.forms.spec import DOCUMENTS, ServiceForm
from portal.intake.acknowledge import acknowledge_web_submission
from portal.intake.pipeline import Applicant, IntakeDraft, IntakeError, IntakeFile, find_by_idempotency_key, receive
from portal.models import ApplicationDraft, Channel, Submission


@dataclass
class WebSubmission:
    submission: Submission
    status_code: str | None  # only for the request that made the submission
    # Read before the commit, so that the answer does not load the submission again after it.
    reference: str
    submission_id: int


def take_upload(session: Session, storage: DocumentStorage, form: ServiceForm, draft: ApplicationDraft, slot: str,
                data: bytes, filename: str, *, uploads: UploadSettings, virus_scan: VirusScanSettings,
                client_address: str = "") -> None:
    """One uploaded file into the draft: scanned by clamd, checked, stored, added to its slot.
    Raises DocumentRefused or drafts.UploadLimitReached; a file with malware is recorded in the
    audit trail (the caller commits). Nothing is stored when clamd cannot scan and the office
    takes nothing unscanned: the applicant is asked to try again in a few minutes."""
    try:
        accepted = accept_upload(storage, data, filename, max_bytes=uploads.max_file_bytes, virus_scan=virus_scan)
    except DocumentRefused as refused:
        if refused.code == VIRUS_FOUND:
            record_found(session, refused, channel=Channel.WEB.value, client_address=client_address,
                         object_type="application_draft", object_id=draft.id, filename=filename)
        raise
    drafts.add_upload(draft, form, slot, accepted, uploads.max_submission_bytes)


def to_intake_draft(form: ServiceForm, draft: ApplicationDraft) -> IntakeDraft:
    """What the applicant was asked, as the review page showed it: answers and files of questions
    and slots not asked with the final answers are left out."""
    values = dict(draft.values or {})
    asked_slots = {slot.key for slot in form.documents_for(values)}
    try:
        born = PartialDate.parse(values.get("date_of_birth", "")) if values.get("date_of_birth") else PartialDate(None)
    except ValueError:
        born = PartialDate(None)
    return IntakeDraft(
        channel=Channel.WEB, service_code=form.code, form_version=form.version, language=draft.language,
        values=form.asked_values(values),
        applicant=Applicant(surname=values.get("surname", ""), given_names=values.get("given_names", ""),
                            date_of_birth=born, email=values.get("email", "")),
        files=[IntakeFile(slot=u.slot, filename=u.filename, media_type=u.media_type, sha256=u.sha256,
                          size_bytes=u.size_bytes, pdf_sha256=u.pdf_sha256, pdf_size_bytes=u.pdf_size_bytes,
                          page_count=u.page_count, copy_reason=u.copy_reason) for u in draft.uploads
               if u.slot in asked_slots],
        idempotency_key=f"web:{draft.public_id}",
    )


def submit(session: Session, storage: DocumentStorage, form: ServiceForm, draft: ApplicationDraft, *,
           office: OfficeSettings, matching: MatchingSettings) -> WebSubmission:
    """Make the submission of a completed draft (the caller has checked that it is complete),
    acknowledge it and remember it in the draft; commits. Raises IntakeError when a file of the
    draft is no longer in storage: the documents step is then open again (committed)."""
    intake_draft = to_intake_draft(form, draft)
    try:
        result = receive(session, storage, intake_draft, matching=matching)
        if result.created:
            acknowledge_web_submission(session, storage, result.submission, result.status_code, office,
                                       result.documents)
        draft.submission_id = result.submission.id
        made = WebSubmission(result.submission, result.status_code if result.created else None,
                             result.submission.reference, result.submission.id)
        session.commit()
    except IntegrityError:
        # The same application sent twice at the same moment: the other request made it.
        session.rollback()
        submission = find_by_idempotency_key(session, intake_draft.idempotency_key)
        if submission is None:
            raise
        return WebSubmission(submission, None, submission.reference, submission.id)
    except IntakeError:
        session.rollback()
        drafts.save_step(draft, DOCUMENTS, {}, complete=False)
        session.commit()
        raise
    return made
