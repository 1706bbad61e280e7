"""Reject, close, ask for missing documents: each writes the status history that the applicant's
status page shows, and an audit event. The caller commits."""
from __future__ import annotations

from sqlalchemy.orm import Session

from portal.models import StaffUser, Submission, SubmissionStatus, SubmissionStatusChange
from portal.models._types import utcnow
from portal.models.submission import OPEN_STATUSES

MAX_NOTE = 2000


class ActionRefused(ValueError):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def _change(session: Session, submission: Submission, status: SubmissionStatus, staff: StaffUser,
            note: str = "") -> SubmissionStatusChange:
    if submission.status not in {s.value for s in OPEN_STATUSES}:
        raise ActionRefused("not_open")
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise ActionRefused("note_too_long")
    change = SubmissionStatusChange(status=status, at=utcnow(), staff_user_id=staff.id, note=note)
    submission.history.append(change)
    submission.status = status
    return change


def reject(session: Session, submission: Submission, staff: StaffUser, reason: str) -> SubmissionStatusChange:
    if not (reason or "").strip():
        raise ActionRefused("reason_missing")
    return _change(session, submission, SubmissionStatus.REJECTED, staff, reason)


def close(session: Session, submission: Submission, staff: StaffUser, note: str = "") -> SubmissionStatusChange:
    return _change(session, submission, SubmissionStatus.CLOSED, staff, note)


def request_documents(session: Session, submission: Submission, staff: StaffUser, slots: list[str],
                      message: str = "", *, office_email: str) -> SubmissionStatusChange:
    """Ask the applicant for missing documents, by mail in the applicant's language."""
    from portal.notify.outbox import enqueue_mail
    from portal.notify.templates import render_mail

    if not slots and not (message or "").strip():
        raise ActionRefused("nothing_requested")
    change = _change(session, submission, SubmissionStatus.AWAITING_DOCUMENTS, staff, message)
    if submission.applicant_email:
        mail = render_mail("documents_requested", submission.language, reference=submission.reference,
                           documents=requested_labels(submission, slots), message=(message or "").strip(),
                           office_email=office_email)
        enqueue_mail(session, recipient=submission.applicant_email, subject=mail.subject, body_text=mail.text,
                     body_html=mail.html, language=submission.language, submission_id=submission.id)
    return change


def requested_labels(submission: Submission, slots: list[str]) -> list[str]:
    """The document names in the applicant's language (the caseworker chose them in German)."""
    from portal.forms.display import label_in
    from portal.forms.registry import form_for

    form = form_for(submission.service.code)
    labels = []
    for key in slots:
        slot = form.slot(key) if form else None
        labels.append(label_in(slot.label, submission.language) if slot else key)
    return labels
