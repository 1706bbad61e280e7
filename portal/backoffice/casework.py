"""Caseworker actions on a submission: reject, close, ask for documents. Thin views over
portal.casework.actions; attaching to a case file lives with the matching."""
from __future__ import annotations

from email.utils import parseaddr

from flask import current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.audit import record
from portal.backoffice import bp, loaders
from portal.backoffice.guard import CASEWORK_STAFF, requires_role
from portal.casework import access, actions
from portal.extensions import db
from portal.models import Submission
from portal.models.submission import OPEN_STATUSES

OPEN = {s.value for s in OPEN_STATUSES}

REFUSALS = {
    "not_open": lambda: _("This submission is no longer open."),
    "reason_missing": lambda: _("Please give a reason; the applicant will read it."),
    "note_too_long": lambda: _("The text may have at most %(max)s characters.", max=actions.MAX_NOTE),
    "nothing_requested": lambda: _("Choose at least one document or write what is missing."),
}


@bp.app_template_global()
def requestable_documents(submission: Submission) -> list[tuple[str, str]]:
    """(slot key, German label) of the submission's form, for the "ask for documents" action."""
    from portal.forms.display import label_in
    from portal.forms.registry import form_for

    form = form_for(submission.service.code)
    return [(slot.key, label_in(slot.label, "de")) for slot in form.documents] if form else []


@bp.app_template_global()
def latin_beside(text: str) -> str:
    """A Latin transliteration of a value in Cyrillic, Greek or Arabic script ('' for Latin text)."""
    from portal.casefiles.person import latin_beside as transliterated

    return transliterated(text)


@bp.app_template_global()
def match_candidates(submission: Submission):
    """Ranked case files for an open submission. One linked to a file by the intake (a file number
    in an e-mail, a file the scan import opened) is not confirmed yet: the others are shown too."""
    if submission.status not in OPEN:
        return []
    from portal.matching.candidates import for_submission

    # Only files this person may open and attach to (portal.casework.access).
    return [c for c in for_submission(db.session, submission, limit=5)
            if access.can_see_case_file(current_user, c.case_file) and c.case_file.id != submission.case_file_id]


def _office_email(item: Submission) -> str:
    if item.site is not None and item.site.email:
        return item.site.email
    return parseaddr(current_app.config["MAIL_FROM"])[1]


def _done(item: Submission, action: str, message: str):
    record(action, staff=current_user, object_type="submission", object_id=item.reference,
           client_address=request.remote_addr, detail={"status": item.status})
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
        actions.reject(db.session, item, current_user, request.form.get("reason", ""))
    except actions.ActionRefused as exc:
        return _refused(item, exc)
    return _done(item, "reject", _("The submission has been rejected."))


@bp.post("/submissions/<reference>/close")
@requires_role(*CASEWORK_STAFF)
def close_submission(reference: str):
    item = loaders.submission(reference)
    try:
        actions.close(db.session, item, current_user, request.form.get("note", ""))
    except actions.ActionRefused as exc:
        return _refused(item, exc)
    return _done(item, "close", _("The submission has been closed."))


@bp.post("/submissions/<reference>/request-documents")
@requires_role(*CASEWORK_STAFF)
def request_documents(reference: str):
    item = loaders.submission(reference)
    try:
        actions.request_documents(db.session, item, current_user, request.form.getlist("slot"),
                                  request.form.get("message", ""), office_email=_office_email(item))
    except actions.ActionRefused as exc:
        return _refused(item, exc)
    return _done(item, "request_documents", _("The applicant has been asked for the documents."))


def _attachable(item: Submission) -> bool:
    """Open, and not confirmed in a case file yet (a link made by the intake may be confirmed or changed)."""
    return item.status in OPEN


def _not_attachable(reference: str):
    flash(_("This submission cannot be attached (any more)."), "error")
    return redirect(url_for("backoffice.submission", reference=reference))


@bp.post("/submissions/<reference>/attach")
@requires_role(*CASEWORK_STAFF)
def attach_to_case_file(reference: str):
    from portal.casefiles.operations import attach_submission
    from portal.models import CaseFile

    item = loaders.submission(reference)
    case_file = db.session.get(CaseFile, request.form.get("case_file", type=int) or 0)
    if case_file is None or not _attachable(item):
        return _not_attachable(reference)
    loaders.visible(case_file, loaders.CASE_FILE)
    attach_submission(db.session, item, case_file, current_user, client_address=request.remote_addr or "")
    db.session.commit()
    flash(_("Attached to case file %(number)s.", number=case_file.file_number), "success")
    return redirect(url_for("backoffice.case_file", file_number=case_file.file_number))


@bp.post("/submissions/<reference>/open-case-file")
@requires_role(*CASEWORK_STAFF)
def open_new_case_file(reference: str):
    from portal.casefiles.operations import open_case_file_for

    item = loaders.submission(reference)
    if not _attachable(item) or item.case_file_id is not None:
        return _not_attachable(reference)
    case_file = open_case_file_for(db.session, item, item.site or current_user.site, current_user)
    db.session.commit()
    flash(_("New case file %(number)s opened.", number=case_file.file_number), "success")
    return redirect(url_for("backoffice.case_file", file_number=case_file.file_number))
