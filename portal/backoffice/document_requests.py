"""Asking an applicant for documents, and the conversation on a submission, as the submission
page shows them (backoffice/_submission_actions.html, _submission_conversation.html): the form's
documents and deadline, the request (by mail, or recorded as sent by post with its letter to
print). Thin views over portal.casework.requests, which writes the audit entries."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from io import BytesIO

from flask import abort, flash, redirect, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.backoffice import bp, loaders
from portal.backoffice.casework import _client, _done, _refused
from portal.backoffice.guard import CASEWORK_STAFF, requires_role
from portal.casework import actions
from portal.casework import requests as document_requests
from portal.config import current_settings
from portal.domain.office_time import local_date
from portal.extensions import db
from portal.models import DocumentRequest, RequestDelivery, Submission, SubmissionMessage
from portal.models._types import utcnow


@bp.app_template_global()
def requestable_documents(submission: Submission) -> list[tuple[str, str]]:
    """(slot key, German label) of the submission's form, for the "ask for documents" action."""
    from portal.forms.display import label_in
    from portal.forms.registry import submission_form

    form = submission_form(submission)
    return [(slot.key, label_in(slot.label, "de")) for slot in form.documents] if form else []


@bp.app_template_global()
def request_deadlines() -> dict[str, date]:
    """The deadline the "ask for documents" form offers, and the range ask_for_documents takes."""
    today = local_date(utcnow())
    return {"default": document_requests.default_deadline(today, current_settings().requests),
            "earliest": today + timedelta(days=1),
            "latest": today + timedelta(days=document_requests.MAX_DEADLINE_DAYS)}


@dataclass
class Conversation:
    messages: list[SubmissionMessage]
    open_requests: list[tuple[DocumentRequest, list[str]]]  # with the requested documents in German
    today: date


@bp.app_template_global()
def submission_conversation(submission: Submission) -> Conversation:
    """The messages on the submission, oldest first, and its open requests for documents."""
    from portal.casework.conversation import thread
    from portal.casework.letters import german_labels

    return Conversation(
        messages=thread(db.session, submission),
        open_requests=[(r, german_labels(submission, r.slots or []))
                       for r in document_requests.open_requests(db.session, submission)],
        today=local_date(utcnow()))


@bp.post("/submissions/<reference>/request-documents")
@requires_role(*CASEWORK_STAFF)
def request_documents(reference: str):
    item = loaders.submission(reference)
    settings = current_settings()
    today = local_date(utcnow())
    try:
        deadline = _deadline(request.form.get("deadline", ""), today, settings)
        made = document_requests.ask_for_documents(db.session, item, current_user, request.form.getlist("slot"),
                                                   request.form.get("message", ""), deadline=deadline,
                                                   today=today, office=settings.office, client_address=_client())
    except actions.ActionRefused as exc:
        return _refused(item, exc)
    if made.request.delivery == RequestDelivery.POST:
        # The token is dropped here: printing issues a fresh one (print_request_letter).
        return _done(item, _("The request has been recorded as sent by post. Print the letter and send it "
                             "to the applicant."))
    return _done(item, _("The applicant has been asked for the documents."))


@bp.post("/submissions/<reference>/requests/<int:request_id>/letter")
@requires_role(*CASEWORK_STAFF)
def print_request_letter(reference: str, request_id: int):
    """The letter of a request recorded as sent by post, as PDF. A request sent by mail has its
    link in the mail and is not printed here."""
    from portal.casework.letters import request_letter

    item = loaders.submission(reference)
    asked = db.session.get(DocumentRequest, request_id)
    if asked is None or asked.submission_id != item.id or asked.delivery != RequestDelivery.POST:
        abort(404)
    if not asked.is_open or not item.is_open:
        flash(_("This request is no longer open; its letter cannot be printed any more."), "error")
        return redirect(url_for("backoffice.submission", reference=item.reference))
    settings = current_settings()
    token = document_requests.reissue_token(db.session, asked, current_user, client_address=_client())
    pdf = request_letter(db.session, item, asked.slots or [], asked.message, office=settings.office,
                         answer_link=document_requests.answer_url(settings.office, item, token),
                         deadline=asked.deadline)
    db.session.commit()
    return send_file(BytesIO(pdf), mimetype="application/pdf", as_attachment=True, max_age=0,
                     download_name=f"{item.reference}-request-{asked.id}.pdf")


def _deadline(text: str, today: date, settings) -> date:
    if not text.strip():
        return document_requests.default_deadline(today, settings.requests)
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise actions.ActionRefused("deadline_invalid") from None
