"""Caseworker actions on a submission: reject, close, ask for documents, file it in a case file or
open a new one. Thin views over portal.casework.actions (which writes the audit entries)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from io import BytesIO

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import and_

from portal.audit import record
from portal.backoffice import bp, loaders
from portal.backoffice.guard import CASEWORK_STAFF, requires_role
from portal.casework import access, actions
from portal.casework import requests as document_requests
from portal.config import current_settings
from portal.domain.office_time import local_date
from portal.extensions import db
from portal.models import CaseFile, DocumentRequest, RequestDelivery, Submission, SubmissionMessage
from portal.models._types import utcnow

REFUSALS = {
    "not_open": lambda: _("This submission is no longer open."),
    "reason_missing": lambda: _("Please give a reason; the applicant will read it."),
    "note_too_long": lambda: ngettext("The text may have at most %(num)s character.",
                                      "The text may have at most %(num)s characters.", actions.MAX_NOTE),
    "nothing_requested": lambda: _("Choose at least one document or write what is missing."),
    "unknown_document": lambda: _("This document is not one of the service's documents."),
    "deadline_invalid": lambda: _("Choose a deadline after today and within a year."),
}


@bp.app_template_global()
def requestable_documents(submission: Submission) -> list[tuple[str, str]]:
    """(slot key, German label) of the submission's form, for the "ask for documents" action."""
    from portal.forms.display import label_in
    from portal.forms.registry import form_for

    form = form_for(submission.service.code)
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


@bp.app_template_global()
def latin_beside(text: str) -> str:
    """A Latin transliteration of a value in Cyrillic, Greek or Arabic script ('' for Latin text)."""
    from portal.casefiles.person import latin_beside as transliterated

    return transliterated(text)


@bp.app_template_global()
def match_candidates(submission: Submission):
    """Ranked case files for an open submission. One linked to a file by the intake (a file number
    in an e-mail, a file the scan import opened) is not confirmed yet: the others are shown too."""
    if not submission.is_open:
        return []
    from portal.matching.candidates import for_submission

    # Only files this person may open and attach to (portal.casework.access), chosen in the search
    # itself: files of another site take no place among the five; the linked file is shown apart.
    allowed = access.case_file_condition(current_user)
    if submission.case_file_id is not None:
        allowed = and_(allowed, CaseFile.id != submission.case_file_id)
    return for_submission(db.session, submission, limit=5, where=allowed)


def _client() -> str:
    return request.remote_addr or ""


def _done(item: Submission, message: str):
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("backoffice.submission", reference=item.reference))


def _refused(item: Submission, exc: actions.ActionRefused):
    db.session.rollback()
    flash(REFUSALS.get(exc.code, lambda: exc.code)(), "error")
    return redirect(url_for("backoffice.submission", reference=item.reference))


@bp.post("/submissions/<reference>/reject")
@requires_role(*CASEWORK_STAFF)
def reject_submission(reference: str):
    item = loaders.submission(reference)
    try:
        actions.reject(db.session, item, current_user, request.form.get("reason", ""), client_address=_client())
    except actions.ActionRefused as exc:
        return _refused(item, exc)
    return _done(item, _("The submission has been rejected."))


@bp.post("/submissions/<reference>/close")
@requires_role(*CASEWORK_STAFF)
def close_submission(reference: str):
    item = loaders.submission(reference)
    try:
        actions.close(db.session, item, current_user, request.form.get("note", ""), client_address=_client())
    except actions.ActionRefused as exc:
        return _refused(item, exc)
    return _done(item, _("The submission has been closed."))


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


def _not_attachable(reference: str):
    db.session.rollback()
    flash(_("This submission cannot be attached (any more)."), "error")
    return redirect(url_for("backoffice.submission", reference=reference))


@bp.post("/submissions/<reference>/attach")
@requires_role(*CASEWORK_STAFF)
def attach_to_case_file(reference: str):
    item = loaders.submission(reference)
    case_file = db.session.get(CaseFile, request.form.get("case_file", type=int) or 0)
    # Asked before the site rule on the file, so that a finished submission is refused as such.
    if case_file is None or not actions.attachable(item):
        return _not_attachable(reference)
    loaders.visible(case_file, loaders.CASE_FILE)
    try:
        actions.attach(db.session, item, case_file, current_user, client_address=_client())
    except actions.ActionRefused:
        return _not_attachable(reference)
    db.session.commit()
    flash(_("Attached to case file %(number)s.", number=case_file.file_number), "success")
    return redirect(url_for("backoffice.case_file", file_number=case_file.file_number))


NAME_MAX = 200  # CaseFileAlias.surname, given_names


@bp.get("/submissions/<reference>/new-case-file")
@requires_role(*CASEWORK_STAFF)
def confirm_new_case_file(reference: str):
    """Before a new case file is opened: the person as the submission has it, the passport's
    Latin spelling to confirm (or correct from the passport) and the other usual spellings."""
    item = loaders.submission(reference)
    if not actions.openable(item):
        return _not_attachable(reference)
    return _confirmation_page(item, {})


def _confirmation_page(item: Submission, entered: dict, problem: str | None = None):
    """The confirmation page; with what the caseworker entered and the reason when it was refused
    (rendered again, not redirected: names stay out of URLs and logs)."""
    from portal.casefiles.person import new_file_proposal

    record(db.session, "view", staff=current_user, object_type="submission", object_id=item.reference,
           client_address=_client(), detail={"page": "new_case_file"})
    db.session.commit()
    page = render_template("backoffice/new_case_file.html", submission=item, proposal=new_file_proposal(item),
                           site=item.site or current_user.site, name_max=NAME_MAX, entered=entered, problem=problem)
    return page, 400 if problem else 200


def _spellings_from(form) -> tuple[list[tuple[str, str, str]], str | None]:
    """The spellings the caseworker confirmed, or the reason why they cannot be taken."""
    from portal.models import SpellingKind

    passport = (" ".join(form.get("passport_surname", "").split()), " ".join(form.get("passport_given_names", "").split()))
    earlier = (" ".join(form.get("earlier_surname", "").split()), " ".join(form.get("earlier_given_names", "").split()))
    if not passport[0]:
        return [], _("Enter the surname as the passport writes it in Latin letters.")
    if any(len(part) > NAME_MAX for part in passport + earlier):
        return [], ngettext("A name may have at most %(num)s character.", "A name may have at most %(num)s characters.",
                         NAME_MAX)
    if earlier[1] and not earlier[0]:
        return [], _("Enter the surname of the earlier passport too, or leave both empty.")
    spellings = [(SpellingKind.PASSPORT, *passport)]
    if earlier[0]:
        spellings.append((SpellingKind.EARLIER_PASSPORT, *earlier))
    return spellings, None


@bp.post("/submissions/<reference>/open-case-file")
@requires_role(*CASEWORK_STAFF)
def open_new_case_file(reference: str):
    item = loaders.submission(reference)
    if not actions.openable(item):
        return _not_attachable(reference)
    spellings, problem = _spellings_from(request.form)
    if problem:
        entered = {k: request.form.get(k, "") for k in ("passport_surname", "passport_given_names",
                                                         "earlier_surname", "earlier_given_names")}
        return _confirmation_page(item, entered, problem)
    try:
        case_file = actions.open_case_file(db.session, item, item.site or current_user.site, current_user,
                                           client_address=_client(), spellings=spellings)
    except actions.ActionRefused:
        return _not_attachable(reference)
    db.session.commit()
    flash(_("New case file %(number)s opened.", number=case_file.file_number), "success")
    return redirect(url_for("backoffice.case_file", file_number=case_file.file_number))
