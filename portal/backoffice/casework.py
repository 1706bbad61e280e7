"""Caseworker actions on a submission: reject, close, file it in a case file or open a new one
(asking for documents: document_requests.py). Thin views over portal.casework.actions (which
writes the audit entries)."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import and_

from portal.audit import record
from portal.backoffice import bp, loaders
from portal.backoffice.guard import CASEWORK_STAFF, requires_role
from portal.casework import access, actions
from portal.extensions import db
from portal.models import CaseFile, Submission
from portal.row_ids import form_row_id

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


def _not_attachable(reference: str):
    db.session.rollback()
    flash(_("This submission cannot be attached (any more)."), "error")
    return redirect(url_for("backoffice.submission", reference=reference))


@bp.post("/submissions/<reference>/attach")
@requires_role(*CASEWORK_STAFF)
def attach_to_case_file(reference: str):
    item = loaders.submission(reference)
    case_file = db.session.get(CaseFile, form_row_id(request.form, "case_file") or 0)
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
