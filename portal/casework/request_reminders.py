"""The reminder mail before a request's deadline (the worker's "request-reminders" job).

One reminder per request, for requests sent by mail, still open on an open submission, whose
deadline is today or within RequestRules.reminder_days (0: no reminders). After the deadline
nothing is sent and nothing is closed: the caseworker decides (the queue shows "answer overdue").

The reminder carries an answer link of its own (requests.reminder_token): the first mail's link
cannot be repeated, as only its hash is stored, and it keeps working beside the new one.

No flask.request here; the mail is rendered with Flask-Babel (an application context)."""
from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from portal.audit import record
from portal.casework.actions import requested_labels
from portal.config import OfficeSettings, RequestRules
from portal.models import DocumentRequest, RequestDelivery, RequestState, Submission
from portal.models._types import utcnow
from portal.models.submission import OPEN_VALUES

log = logging.getLogger(__name__)


def _due(today: date, rules: RequestRules) -> tuple:
    return (DocumentRequest.state == RequestState.OPEN, DocumentRequest.delivery == RequestDelivery.MAIL,
            DocumentRequest.reminded_at.is_(None), DocumentRequest.deadline >= today,
            DocumentRequest.deadline <= today + timedelta(days=rules.reminder_days),
            DocumentRequest.submission_id.in_(select(Submission.id).where(Submission.status.in_(OPEN_VALUES))))


def send_request_reminders(session: Session, office: OfficeSettings, rules: RequestRules, *, today: date,
                           now: datetime | None = None, limit: int = 200) -> int:
    """Queue the due reminders; returns how many. Like the booking reminders, each request is
    claimed by `UPDATE … SET reminded_at WHERE reminded_at IS NULL` and committed with its mail
    and audit entry: two workers (or two rounds) never remind the same request twice. Pass a
    session with nothing pending: it is committed."""
    if rules.reminder_days <= 0:
        return 0
    now = now or utcnow()
    due = _due(today, rules)
    candidates = session.scalars(select(DocumentRequest.id).where(*due)
                                 .order_by(DocumentRequest.deadline, DocumentRequest.id).limit(limit)).all()
    sent = 0
    for request_id in candidates:
        claimed = session.execute(update(DocumentRequest).where(DocumentRequest.id == request_id, *due)
                                  .values(reminded_at=now).execution_options(synchronize_session=False)).rowcount
        if claimed != 1:  # another worker was first, or the request changed meanwhile
            continue
        request = session.get(DocumentRequest, request_id)
        try:
            _remind(session, request, office)
        except ValueError as exc:  # the outbox refused the address: keep the claim, do not retry
            log.warning("request %s: no reminder sent: %s", request_id, exc)
            session.commit()
            continue
        except Exception:
            session.rollback()  # tried again next round
            log.exception("request %s: reminder failed", request_id)
            continue
        session.commit()
        sent += 1
    return sent


def _remind(session: Session, request: DocumentRequest, office: OfficeSettings) -> None:
    from portal.casework.requests import answer_url, reminder_token
    from portal.notify.outbox import enqueue_mail
    from portal.notify.templates import render_mail

    submission = request.submission
    mail = render_mail("documents_reminder", submission.language, reference=submission.reference,
                       documents=requested_labels(submission, request.slots or []), message=request.message,
                       deadline=request.deadline, office_email=office.mail_address,
                       answer_url=answer_url(office, submission, reminder_token(request)))
    enqueue_mail(session, recipient=submission.applicant_email, subject=mail.subject, body_text=mail.text,
                 body_html=mail.html, language=submission.language, submission_id=submission.id)
    record(session, "remind_request", staff=None, object_type="submission", object_id=submission.reference,
           detail={"request": request.id, "deadline": request.deadline.isoformat()})
