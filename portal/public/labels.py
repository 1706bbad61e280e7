"""What applicants read for the states of their booking and their application.

The back office has its own labels in the office's words (portal/backoffice); each set is given
only to its own blueprint's templates (a blueprint context processor), so neither can replace the
other app-wide.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.models import BookingStatus, SubmissionStatus
from portal.public import bp

BOOKING_STATUS = {
    BookingStatus.HELD: _l("Reserved"),
    BookingStatus.UNCONFIRMED: _l("Waiting for your confirmation"),
    BookingStatus.CONFIRMED: _l("Booked"),
    BookingStatus.CANCELLED: _l("Cancelled"),
    BookingStatus.EXPIRED: _l("Not confirmed in time"),
}

# Internal steps (attached to a case file) read as "being processed".
SUBMISSION_STATUS = {
    SubmissionStatus.RECEIVED: _l("Received"),
    SubmissionStatus.IN_PROGRESS: _l("Being processed"),
    SubmissionStatus.AWAITING_DOCUMENTS: _l("Waiting for documents from you"),
    SubmissionStatus.ATTACHED: _l("Being processed"),
    SubmissionStatus.REJECTED: _l("Rejected"),
    SubmissionStatus.CLOSED: _l("Completed"),
}

# In plain words: what the status means, and what happens next (or what the applicant does).
SUBMISSION_MEANING = {
    SubmissionStatus.RECEIVED: (
        _l("We have received your application and your documents."),
        _l("A caseworker will look at it soon. You do not need to do anything now. If we need "
           "something from you, we will write to you by e-mail."),
    ),
    SubmissionStatus.IN_PROGRESS: (
        _l("A caseworker is working on your application."),
        _l("If we need more documents or an appointment with you, we will tell you by e-mail. "
           "Please do not send the application again."),
    ),
    SubmissionStatus.AWAITING_DOCUMENTS: (
        _l("We need more documents from you before we can continue."),
        # The history's words for the same step (portal.public.history): one translation.
        _l("Please send them by the deadline: upload them on this page, reply to our e-mail "
           "with the documents attached, or bring them to our office."),
    ),
    SubmissionStatus.REJECTED: (
        _l("We cannot process this application."),
        _l("Our e-mail or letter tells you why and what you can do now. If you have questions, "
           "please contact us and give your reference number."),
    ),
    SubmissionStatus.CLOSED: (
        _l("We have finished working on this application."),
        _l("If there is a decision, you receive it by letter. You do not need to do anything else "
           "for this application."),
    ),
}
SUBMISSION_MEANING[SubmissionStatus.ATTACHED] = SUBMISSION_MEANING[SubmissionStatus.IN_PROGRESS]


def booking_status_label(status: str) -> str:
    return str(BOOKING_STATUS.get(status, status))


def submission_status_label(status: str) -> str:
    return str(SUBMISSION_STATUS.get(status, status))


def submission_status_meaning(status: str) -> tuple[str, str] | None:
    """(what it means, what happens next) in plain words, or None for an unknown status."""
    meaning = SUBMISSION_MEANING.get(status)
    return (str(meaning[0]), str(meaning[1])) if meaning else None


@bp.context_processor
def applicant_labels() -> dict:
    return {"booking_status_label": booking_status_label, "submission_status_label": submission_status_label,
            "submission_status_meaning": submission_status_meaning}
