"""The caseworker who asked for documents hears of the answer by mail, when the office wants it
(PORTAL_REQUEST_NOTIFY_BY_MAIL; the queue's "documents received" shows it either way).

The mail is German, like the back office, and says only which submission has an answer and how
much came: names and documents stay in the portal, behind the sign-in."""
from __future__ import annotations

from flask import render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from portal.config import OfficeSettings
from portal.models import DocumentRequest, StaffUser

SUBJECT = _l("Answer received for %(reference)s")


def tell_requester(session: Session, request: DocumentRequest, office: OfficeSettings, *, documents: int,
                   wrote: bool, by_mail: bool) -> bool:
    """Queue the mail to the member of staff who made the request (not for a request made through
    the API, nor to an account that is switched off); True when one was queued."""
    from portal.notify.outbox import enqueue_mail

    staff = session.get(StaffUser, request.requested_by_id) if request.requested_by_id else None
    if staff is None or not staff.is_active_account or not staff.email:
        return False
    submission = request.submission
    context = {"reference": submission.reference, "documents": documents, "wrote": wrote, "by_mail": by_mail,
               "deadline": request.deadline, "office_name": office.name,
               "link": office.url(f"/backoffice/submissions/{submission.reference}")}
    with force_locale("de"):
        subject = str(SUBJECT % {"reference": submission.reference})
        text = render_template("backoffice/notify/answer_received.txt", subject=subject, **context)
        html = render_template("backoffice/notify/answer_received.html", subject=subject, **context)
    enqueue_mail(session, recipient=staff.email, subject=subject, body_text=text.strip() + "\n", body_html=html,
                 language="de", submission_id=submission.id)
    return True
