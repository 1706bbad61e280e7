"""The applicant's status page: reference plus status code, or the link from the mail.
A wrong or foreign reference reveals nothing, and guessing is rate-limited."""
from __future__ import annotations

from io import BytesIO

from flask import abort, redirect, render_template, request, send_file, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.config import current_settings
from portal.extensions import db, get_storage, limiter
from portal.forms.catalogue import BY_CODE
from portal.intake.references import InvalidReference, parse_reference, status_code_matches
from portal.models import Submission
from portal.public import bp
from portal.public.access import grant_status_access, has_status_access

NOT_FOUND = _l("We could not find an application with this reference number and status code.")
# Guessing a 60-bit status code is hopeless anyway; the limit stops enumeration of references
# while leaving room for a shelter's shared address.
LOOKUP_LIMIT = "10 per minute;300 per day"


def _unlock(reference_text: str, code_text: str) -> tuple[str | None, object | None]:
    """(canonical reference, None) when reference and code belong together, else (None, message)."""
    try:
        reference = parse_reference(reference_text)
    except InvalidReference:
        return None, _l("This is not a valid reference number. Please check it, for example ABH-2026-004711-3.")
    submission = db.session.scalar(select(Submission).where(Submission.reference == reference))
    if submission is None or not status_code_matches(code_text, submission.status_token_hash):
        return None, NOT_FOUND
    grant_status_access(reference)
    return reference, None


@bp.route("/status/", methods=["GET", "POST"])
@limiter.limit(LOOKUP_LIMIT, methods=["POST"])
def status_lookup():
    error = None
    reference_text = request.values.get("reference", "")
    if request.method == "POST":
        reference, error = _unlock(reference_text, request.form.get("status_code", ""))
        if reference:
            return redirect(url_for("public.status_page", reference=reference))
    return render_template("public/status/lookup.html", reference=reference_text, error=error), \
        (400 if error else 200)


@bp.get("/status/open")
@limiter.limit(LOOKUP_LIMIT)
def status_from_link():
    reference, error = _unlock(request.args.get("reference", ""), request.args.get("code", ""))
    if reference:
        # Redirect so the status code does not stay in the address bar or the history.
        return redirect(url_for("public.status_page", reference=reference))
    return render_template("public/status/lookup.html", reference="", error=error), 400


def _visible_submission(reference: str) -> Submission:
    if not has_status_access(reference):
        abort(404)
    submission = db.session.scalar(select(Submission).where(Submission.reference == reference))
    if submission is None:
        abort(404)
    return submission


@bp.get("/status/<reference>")
def status_page(reference: str):
    if not has_status_access(reference):
        return redirect(url_for("public.status_lookup", reference=reference))
    from portal.public.history import applicant_history

    submission = _visible_submission(reference)
    return render_template("public/status/show.html", submission=submission,
                           service=BY_CODE.get(submission.service.code),
                           history=applicant_history(db.session, submission))


@bp.get("/status/<reference>/receipt.pdf")
def receipt_pdf(reference: str):
    submission = _visible_submission(reference)
    if not submission.receipt_sha256 and submission.receipt_html_sha256:
        # Asked for in the moment after submitting, before it was made: made now.
        from portal.intake.receipts import finish_receipt

        finish_receipt(db.session, get_storage(), submission.id)
        db.session.refresh(submission)
    if not submission.receipt_sha256:
        abort(404)
    data = get_storage().read(submission.receipt_sha256)
    return send_file(BytesIO(data), mimetype="application/pdf", download_name=f"{reference}.pdf")


@bp.get("/services/<code>/form.pdf")
def fillable_form(code: str):
    from flask import g

    from portal.forms.pdf_form import fillable_spec
    from portal.forms.registry import form_for
    from portal.pdf.fillable import render_fillable_form

    form = form_for(code)
    if form is None or code not in BY_CODE:
        abort(404)
    office = current_settings().office
    spec = fillable_spec(form, BY_CODE[code], g.lang, office.name, office.mail_from)
    return send_file(BytesIO(render_fillable_form(spec)), mimetype="application/pdf",
                     download_name=f"{code}-{g.lang}.pdf")


