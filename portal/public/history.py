"""The history of an application as the applicant reads it on the status page: steps in plain
words, oldest first, each with what it means and what happens next.

Made from the status history, the requests for documents (which documents, in the applicant's
language, and by when), the applicant's answers and reply mails (the conversation) and the
appointments booked for the submission. Internal steps stay hidden: a status entry that repeats
the status before it (a message noted, documents asked for once more) is not a step of its own;
requests and answers are their own steps instead.

Texts are lazy (English message ids): they come out in the language of the page that shows them.
No flask.request here; kept with the public pages because its texts are the applicant's, in
all seven languages (the back office's packages are translated into German and English only)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.casework.actions import requested_labels
from portal.domain.office_time import aware, to_office_time
from portal.models import (
    AppointmentInvitation, Booking, BookingStatus, DocumentRequest, MessageAuthor, Submission, SubmissionMessage, SubmissionStatus,
)

RECEIVED, IN_PROGRESS, DOCUMENTS_REQUESTED, DOCUMENTS_RECEIVED, APPOINTMENT_BOOKED, FILED, REJECTED, FINISHED = (
    "received", "in_progress", "documents_requested", "documents_received", "appointment_booked", "filed",
    "rejected", "finished")
APPOINTMENT_INVITED = "appointment_invited"

# Steps at the same moment in the order things happen (an answer before the status it brings).
_ORDER = {RECEIVED: 0, DOCUMENTS_REQUESTED: 1, DOCUMENTS_RECEIVED: 2, IN_PROGRESS: 3, APPOINTMENT_INVITED: 4,
          APPOINTMENT_BOOKED: 4, FILED: 5, REJECTED: 6, FINISHED: 6}

# (title, what it means, what happens next). The meanings repeat portal.public.labels' message
# ids where they say the same, so that one translation serves both.
_TEXTS = {
    RECEIVED: (_l("Application received"), _l("We have received your application and your documents."),
               _l("A caseworker will look at it soon. You do not need to do anything now. If we need "
                  "something from you, we will write to you by e-mail.")),
    IN_PROGRESS: (_l("Being processed"), _l("A caseworker is working on your application."),
                  _l("If we need more documents or an appointment with you, we will tell you by e-mail. "
                     "Please do not send the application again.")),
    DOCUMENTS_REQUESTED: (_l("Documents requested"), _l("We need more documents from you before we can continue."),
                          _l("Please send them by the deadline: upload them on this page, reply to our e-mail "
                             "with the documents attached, or bring them to our office.")),
    APPOINTMENT_INVITED: (_l("Invited to book an appointment"),
                          _l("We have invited you by e-mail to book an appointment for this application."),
                          _l("Please choose a time with the link in our e-mail. The link works once, until the "
                             "date below.")),
    APPOINTMENT_BOOKED: (_l("Appointment booked"), _l("You have an appointment with us."),
                         _l("Please come on time and bring the documents named in the confirmation e-mail.")),
    FILED: (_l("Added to your case file"),
            _l("Your application is now part of your case file. A caseworker works on it there."),
            _l("If there is a decision, you receive it by letter. You do not need to do anything else "
               "for this application.")),
    REJECTED: (_l("Rejected"), _l("We cannot process this application."),
               _l("Our e-mail or letter tells you why and what you can do now. If you have questions, "
                  "please contact us and give your reference number.")),
    FINISHED: (_l("Finished"), _l("We have finished working on this application."),
               _l("If there is a decision, you receive it by letter. You do not need to do anything else "
                  "for this application.")),
}
_SAME_MOMENT = timedelta(seconds=2)
_RECEIVED_NEXT = _l("A caseworker will look at what you sent. If we need anything else, we will write to you.")

_STATUS_STEPS = {
    SubmissionStatus.RECEIVED: RECEIVED, SubmissionStatus.IN_PROGRESS: IN_PROGRESS,
    SubmissionStatus.AWAITING_DOCUMENTS: DOCUMENTS_REQUESTED, SubmissionStatus.ATTACHED: FILED,
    SubmissionStatus.REJECTED: REJECTED, SubmissionStatus.CLOSED: FINISHED,
}


@dataclass(frozen=True)
class HistoryStep:
    kind: str  # one of the names above (the template's class and id)
    at: datetime
    title: object  # lazy strings: str() in the page's language
    meaning: object
    next: object
    documents: list[str] = field(default_factory=list)  # requested, in the applicant's language
    deadline: date | None = None
    note: str = ""  # the office's words as written (a reason, a note), shown escaped
    document_count: int = 0
    appointment_at: datetime | None = None
    appointment_place: str = ""
    text: str = ""  # the applicant's own message, as written


def _step(kind: str, at: datetime, **values) -> HistoryStep:
    title, meaning, next_ = _TEXTS[kind]
    return HistoryStep(kind=kind, at=aware(at), title=title, meaning=meaning, next=next_, **values)


def applicant_history(session: Session, submission: Submission) -> list[HistoryStep]:
    """The steps, oldest first."""
    requests = list(session.scalars(select(DocumentRequest).where(DocumentRequest.submission_id == submission.id)
                                    .order_by(DocumentRequest.created_at, DocumentRequest.id)))
    steps = _status_steps(submission, with_requests=not requests)
    steps += [_step(DOCUMENTS_REQUESTED, r.created_at, documents=requested_labels(submission, r.slots or []),
                    deadline=r.deadline, note=r.message or "") for r in requests]
    steps += _answers(session, submission)
    steps += _invitations(session, submission)
    steps += _appointments(session, submission)
    if not any(step.kind == RECEIVED for step in steps):  # a submission from before the status history
        steps.append(_step(RECEIVED, submission.received_at))
    steps.sort(key=lambda step: (step.at, _ORDER[step.kind]))
    # An answer sent online is written a moment after the status change it brings (the message's
    # time is set when it is flushed): the answer comes first.
    for i in range(len(steps) - 1):
        first, second = steps[i], steps[i + 1]
        if (first.kind, second.kind) == (IN_PROGRESS, DOCUMENTS_RECEIVED) \
                and second.at - first.at <= _SAME_MOMENT:
            steps[i], steps[i + 1] = second, first
    return steps


def _status_steps(submission: Submission, *, with_requests: bool) -> list[HistoryStep]:
    """A step for each change of status; "awaiting documents" only where no request says more
    (a status set before requests were recorded, or through the API)."""
    steps, before = [], None
    for change in sorted(submission.history, key=lambda c: (aware(c.at), c.id or 0)):
        if change.status == before:
            continue
        before = change.status
        kind = _STATUS_STEPS.get(change.status)
        if kind is None or (kind == DOCUMENTS_REQUESTED and not with_requests):
            continue
        steps.append(_step(kind, change.at, note=change.note or ""))
    return steps


def _answers(session: Session, submission: Submission) -> list[HistoryStep]:
    """The applicant's answers online and reply mails."""
    messages = session.scalars(select(SubmissionMessage).where(
        SubmissionMessage.submission_id == submission.id, SubmissionMessage.author == MessageAuthor.APPLICANT)
        .order_by(SubmissionMessage.created_at, SubmissionMessage.id))
    steps = []
    for message in messages:
        count = message.document_count or 0
        if count:
            title = _l("Documents received")
            meaning = lazy_ngettext("We have received your message and %(num)d document.",
                                    "We have received your message and %(num)d documents.", count)
        else:
            title, meaning = _l("Message received"), _l("We have received your message.")
        steps.append(HistoryStep(kind=DOCUMENTS_RECEIVED, at=aware(message.created_at), title=title,
                                 meaning=meaning, next=_RECEIVED_NEXT, document_count=count, text=message.body))
    return steps


def _invitations(session: Session, submission: Submission) -> list[HistoryStep]:
    """Invitations to book (the deadline: the last day the link works)."""
    invitations = session.scalars(select(AppointmentInvitation).where(
        AppointmentInvitation.submission_id == submission.id).order_by(AppointmentInvitation.created_at))
    return [_step(APPOINTMENT_INVITED, invitation.created_at, deadline=to_office_time(invitation.expires_at).date())
            for invitation in invitations]


def _appointments(session: Session, submission: Submission) -> list[HistoryStep]:
    bookings = session.scalars(select(Booking).where(Booking.submission_id == submission.id,
                                                     Booking.status == BookingStatus.CONFIRMED)
                               .order_by(Booking.created_at, Booking.id))
    return [_step(APPOINTMENT_BOOKED, booking.confirmed_at or booking.created_at,
                  appointment_at=aware(booking.slot.starts_at), appointment_place=booking.slot.site.name)
            for booking in bookings]
