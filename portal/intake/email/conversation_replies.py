"""An applicant's follow-up mail in the conversation on the submission it joined.

Called by process.py once a mail from the applicant's address on record, naming the reference,
has added its documents to the open submission (follow_ups.py decides that; a stranger's mail
naming the reference never gets here). The mail is part of the conversation whether or not a
request for documents is open. With an open request, the submission is marked "documents
received"; a mail that brought documents answers the oldest open request, as an answer sent
online would (portal.casework.requests.send_answer).

The text is kept as written (the sender's own text, forwards left out): the intake has no
reliable way to cut quoted reply text, and the caseworker reads the mail's text anyway."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from portal.audit import record
from portal.casework.conversation import add_applicant_message
from portal.casework.requests import open_requests
from portal.config import LANGUAGES, OfficeSettings
from portal.intake.email.text import bounded, tidy
from portal.models import (
    InboundMail, MessageChannel, RequestState, Submission, SubmissionMessage, SubmissionStatus,
)

MAX_TEXT = 20_000  # as much as the mail's stored text (process.MAX_STORED_TEXT)


def add_reply(session: Session, submission: Submission, mail: InboundMail, text: str, documents: int,
              now: datetime, notify: OfficeSettings | None = None) -> SubmissionMessage:
    """The mail as the applicant's message (`documents`: the attachments filed with it); with
    `notify`, the caseworker who asked gets a mail when it answers a request. The caller commits."""
    requests = open_requests(session, submission)
    request = requests[0] if requests else None  # the oldest: the one the applicant most likely answers
    language = mail.language if mail.language in LANGUAGES else submission.language
    message = add_applicant_message(session, submission, bounded(tidy(text), MAX_TEXT), language=language,
                                    channel=MessageChannel.EMAIL, request=request, inbound_mail=mail,
                                    document_count=documents)
    message.created_at = now  # the moment of the mail's history entry (add_to_submission), not a later flush
    if request is None:
        return message
    submission.answer_received_at = now
    if notify is not None:
        from portal.casework.answer_notice import tell_requester

        tell_requester(session, request, notify, documents=documents, wrote=bool(message.body), by_mail=True)
    if documents:
        request.state = RequestState.ANSWERED
        request.answered_at = now
        request.uploads.clear()  # an answer begun online: its link stops with the request answered
        if len(requests) == 1 and submission.status == SubmissionStatus.AWAITING_DOCUMENTS:
            submission.change_status(SubmissionStatus.IN_PROGRESS, at=now)
        record(session, "answer_request", staff=None, object_type="submission", object_id=submission.reference,
               detail={"request": request.id, "documents": documents, "mail": mail.id, "channel": "email"})
    return message
