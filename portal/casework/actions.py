"""What a caseworker does with a submission: reject it, close it (asking for documents is
portal.casework.requests), file it in a case file or open a new file for it. Each change of
status goes through Submission.change_status (the status history the applicant's status page shows) and each action
writes its audit entry. The caller commits."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.audit import record
from portal.casefiles.operations import attach_submission, open_case_file_for
from portal.models import (
    ApiClient, CaseFile, DocumentRequest, RequestState, Site, StaffUser, Submission, SubmissionStatus,
    SubmissionStatusChange,
)

MAX_NOTE = 2000


class ActionRefused(ValueError):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def _audit(session: Session, action: str, submission: Submission, staff: StaffUser | None, client_address: str,
           api_client: ApiClient | None = None) -> None:
    record(session, action, staff=staff, api_client=api_client, object_type="submission",
           object_id=submission.reference, client_address=client_address, detail={"status": submission.status})


def _change(session: Session, submission: Submission, status: SubmissionStatus, staff: StaffUser | None,
            note: str = "", api_client: ApiClient | None = None) -> SubmissionStatusChange:
    if not submission.may_change_to(status):
        raise ActionRefused("not_open")
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise ActionRefused("note_too_long")
    change = submission.change_status(status, staff=staff, note=note,
                                      api_client_id=api_client.id if api_client is not None else None)
    _withdraw_requests(session, submission)
    return change


def _withdraw_requests(session: Session, submission: Submission) -> None:
    """A finished submission leaves no request for documents open (portal.casework.requests):
    their answer links stop, and files added to an answer not sent are let go."""
    if submission.is_open:
        return
    for request in session.scalars(select(DocumentRequest).where(DocumentRequest.submission_id == submission.id,
                                                                 DocumentRequest.state == RequestState.OPEN)):
        request.state = RequestState.WITHDRAWN
        request.uploads.clear()


# Each action is done by a member of staff, or through the API by a client (then `staff` is None).

def reject(session: Session, submission: Submission, staff: StaffUser | None, reason: str, *,
           client_address: str = "", api_client: ApiClient | None = None) -> SubmissionStatusChange:
    if not (reason or "").strip():
        raise ActionRefused("reason_missing")
    change = _change(session, submission, SubmissionStatus.REJECTED, staff, reason, api_client)
    _audit(session, "reject", submission, staff, client_address, api_client)
    return change


def close(session: Session, submission: Submission, staff: StaffUser | None, note: str = "", *,
          client_address: str = "", api_client: ApiClient | None = None) -> SubmissionStatusChange:
    change = _change(session, submission, SubmissionStatus.CLOSED, staff, note, api_client)
    _audit(session, "close", submission, staff, client_address, api_client)
    return change


def mark_in_progress(session: Session, submission: Submission, staff: StaffUser | None, note: str = "", *,
                     client_address: str = "", api_client: ApiClient | None = None) -> SubmissionStatusChange:
    """The office works on it (the specialist application took it up); the note is the applicant's."""
    change = _change(session, submission, SubmissionStatus.IN_PROGRESS, staff, note, api_client)
    _audit(session, "in_progress", submission, staff, client_address, api_client)
    return change


def requested_labels(submission: Submission, slots: list[str]) -> list[str]:
    """The document names in the applicant's language (the caseworker chose them in German)."""
    from portal.forms.display import label_in
    from portal.forms.registry import submission_form

    form = submission_form(submission)
    labels = []
    for key in slots:
        slot = form.slot(key) if form else None
        labels.append(label_in(slot.label, submission.language) if slot else key)
    return labels


# -- filing in a case file -----------------------------------------------------------------------

def attachable(submission: Submission) -> bool:
    """Only an open submission is filed; one the intake linked to a file (not confirmed yet) is
    open still, so that the link can be confirmed or the submission filed elsewhere."""
    return submission.is_open


def attach(session: Session, submission: Submission, case_file: CaseFile, staff: StaffUser | None, *,
           client_address: str = "", api_client: ApiClient | None = None) -> None:
    """File the submission in the case file (portal.casefiles.operations.attach_submission,
    with its audit entries); ActionRefused("not_attachable") when it is no longer open."""
    if not attachable(submission):
        raise ActionRefused("not_attachable")
    attach_submission(session, submission, case_file, staff, client_address=client_address, api_client=api_client)
    _withdraw_requests(session, submission)


def open_case_file(session: Session, submission: Submission, site: Site, staff: StaffUser, *,
                   client_address: str = "", spellings=()) -> CaseFile:
    """A new case file from the submission's data, the submission filed in it, with the known
    spellings the caseworker confirmed ((kind, surname, given names): the passport's Latin
    spelling, an earlier passport's). Refused ("not_attachable") when the submission is no
    longer open or is linked to a file already (that link is confirmed or the submission filed
    elsewhere, not a second file opened)."""
    if not openable(submission):
        raise ActionRefused("not_attachable")
    case_file = open_case_file_for(session, submission, site, staff, client_address=client_address,
                                   spellings=spellings)
    _withdraw_requests(session, submission)
    return case_file


def openable(submission: Submission) -> bool:
    """Whether a new case file may be opened for the submission."""
    return attachable(submission) and submission.case_file_id is None
