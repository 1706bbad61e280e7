"""The online application: steps, documents, review, declaration, submit. Thin views over
portal.forms (rules), portal.forms.drafts (progress) and portal.intake.web (the submission)."""
from __future__ import annotations

from flask import abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import RequestEntityTooLarge

from portal.config import current_settings
from portal.documents import refusals
from portal.errors import error_page
from portal.extensions import db, get_storage, limiter
from portal.forms import drafts
from portal.forms.catalogue import BY_CODE
from portal.forms.display import summary
from portal.forms.registry import form_for
from portal.forms.showing import shown_fields
from portal.forms.spec import DECLARATION, DOCUMENTS, REVIEW, date_inputs
from portal.intake import IntakeError, web
from portal.public import bp
from portal.public.access import grant_status_access, remember_status_code

SESSION_DRAFTS = "drafts"


def _form_or_404(code: str):
    form = form_for(code)
    if form is None:
        abort(404)
    return form


def _current_draft(code: str):
    draft = drafts.load_draft(db.session, session.get(SESSION_DRAFTS, {}).get(code))
    return draft if draft is not None and draft.service_code == code else None


def _remember(draft) -> None:
    known = dict(session.get(SESSION_DRAFTS, {}))
    known[draft.service_code] = draft.public_id
    session[SESSION_DRAFTS] = known


def _forget(code: str) -> None:
    known = dict(session.get(SESSION_DRAFTS, {}))
    known.pop(code, None)
    session[SESSION_DRAFTS] = known


def _to_step(code: str, step: str):
    return redirect(url_for("public.application_step", code=code, step=step))


def _step_titles(form) -> dict:
    titles = {s.key: s.title for s in form.steps}
    titles.update({DOCUMENTS: _l("Documents"), REVIEW: _l("Check your answers"),
                   DECLARATION: _l("Declaration and sending")})
    return titles


def _render(template: str, form, draft, step: str, **context):
    return render_template(template, form=form, draft=draft, step=step, step_titles=_step_titles(form),
                           step_keys=form.keys_for(draft.values or {}), service=BY_CODE[form.code], **context)


def _neighbour(form, draft, step: str, offset: int) -> str | None:
    """The step before or after, of those asked with the draft's answers."""
    keys = form.keys_for(draft.values or {})
    if step not in keys:
        return None
    index = keys.index(step) + offset
    return keys[index] if 0 <= index < len(keys) else None


def _draft_form(code: str, draft):
    """The form version the draft was started with: a version published meanwhile does not change
    the questions half-way (the draft submits against its own version)."""
    form = form_for(code, draft.form_version)
    if form is None:
        abort(404)
    return form


@bp.post("/services/<code>/start")
def start_application(code: str):
    form = _form_or_404(code)
    draft = _current_draft(code)
    if draft is None or draft.submission_id is not None:
        draft = drafts.start_draft(db.session, form, g.lang, current_settings().draft_days)
        db.session.commit()
        _remember(draft)
    return _to_step(code, drafts.first_incomplete_step(form, draft))


@bp.route("/apply/<code>/<step>", methods=["GET", "POST"])
def application_step(code: str, step: str):
    _form_or_404(code)
    draft = _current_draft(code)
    if draft is None:
        flash(_("Your application was not started or has expired. Please start again."), "info")
        return redirect(url_for("public.service", code=code))
    if draft.submission_id is not None:
        return redirect(url_for("public.application_done", code=code))
    form = _draft_form(code, draft)
    if step not in form.step_keys:
        abort(404)
    if not drafts.may_open(form, draft, step):
        return _to_step(code, drafts.first_incomplete_step(form, draft))
    handler = {DOCUMENTS: _documents, REVIEW: _review, DECLARATION: _declaration}.get(step, _fields)
    return handler(form, draft, step)


def _fields(form, draft, step: str):
    spec = form.step(step)
    errors, raw = {}, None
    if request.method == "POST":
        values, errors = spec.validate(request.form, draft.values or {})
        drafts.save_step(draft, step, values, complete=not errors)
        db.session.commit()
        action = request.form.get("action", "continue")
        if action == "back":
            previous = _neighbour(form, draft, step, -1)
            return _to_step(form.code, previous) if previous else redirect(url_for("public.service", code=form.code))
        if action == "save":
            return redirect(url_for("public.save_application", code=form.code))
        if not errors:
            if request.args.get("return") == "review" and drafts.may_open(form, draft, REVIEW):
                return _to_step(form.code, REVIEW)
            return _to_step(form.code, _neighbour(form, draft, step, +1))
        raw = request.form
    stored = draft.values or {}
    field_inputs = {
        f.name: ({name: raw.get(name, "") for name in f.input_names} if raw is not None
                 else date_inputs(f, stored.get(f.name, "")) if f.input_names != (f.name,)
                 else {f.name: stored.get(f.name, "")})
        for f in spec.fields
    }
    error_items = [("f-" + f.input_names[0], f.label, errors[f.name]) for f in spec.fields if f.name in errors]
    return _render("public/apply/step.html", form, draft, step, spec=spec, field_inputs=field_inputs,
                   errors=errors, error_items=error_items,
                   shown=shown_fields(spec, draft.values or {}, raw if raw is not None else None))


JUST_UPLOADED = "just_uploaded"


def _documents(form, draft, step: str):
    errors = {}
    if request.method == "POST":
        action = request.form.get("action", "continue")
        count_before = len(draft.uploads)
        errors = _take_uploads(form, draft)
        if request.form.get("remove", "").isdigit():
            drafts.remove_upload(draft, int(request.form["remove"]))
            action = "stay"
        db.session.commit()
        # The page after an upload names what was taken (focus goes there: js/upload-progress.js).
        session[JUST_UPLOADED] = [u.id for u in draft.uploads[count_before:]]
        if action == "back":
            return _to_step(form.code, _neighbour(form, draft, step, -1))
        if action == "save":
            return redirect(url_for("public.save_application", code=form.code))
        if action == "continue" and not errors:
            missing = drafts.missing_documents(form, draft)
            errors = {slot.key: _("Please upload this document.") for slot in missing}
            if not errors:
                drafts.save_step(draft, DOCUMENTS, {}, complete=True)
                db.session.commit()
                return _to_step(form.code, REVIEW)
        if not errors:
            return _to_step(form.code, DOCUMENTS)
    return _render_documents(form, draft, errors)


def _upload_limits(draft) -> drafts.UploadLimits:
    uploads = current_settings().uploads
    return drafts.upload_limits(draft, uploads.max_file_bytes, uploads.max_submission_bytes)


def _render_documents(form, draft, errors: dict, status: int = 200):
    just_uploaded = set(session.pop(JUST_UPLOADED, []))
    uploads_by_slot = {}
    for upload in draft.uploads:
        uploads_by_slot.setdefault(upload.slot, []).append(upload)
    slots = form.documents_for(draft.values or {})
    error_items = [("f-file-" + slot.key, slot.label, errors[slot.key]) for slot in slots if slot.key in errors]
    limits = _upload_limits(draft)
    # The browser checks the same limits before sending, with the same texts (static/js/upload-progress.js).
    texts = {"too_large": refusals.too_large(limits.max_file_bytes).message,
             "too_large_together": drafts.too_large_together(limits.max_total_bytes),
             "too_many": {slot.key: drafts.too_many_files(slot.max_files) for slot in slots}}
    return _render("public/apply/documents.html", form, draft, DOCUMENTS, errors=errors, error_items=error_items,
                   slots=slots,
                   uploads_by_slot=uploads_by_slot, limits=limits, texts=texts,
                   just_uploaded=[u for u in draft.uploads if u.id in just_uploaded]), status


@bp.errorhandler(RequestEntityTooLarge)
def request_too_large(error):
    """More than MAX_CONTENT_LENGTH (all files an application may have): on the documents step
    the page again, with what was uploaded before and the reason; nothing of the request was
    read or stored. Elsewhere the error page. Both in the applicant's language."""
    _discard_request_body()
    args = request.view_args or {}
    code = args.get("code", "")
    form = form_for(code) if request.endpoint == "public.application_step" else None
    draft = _current_draft(code) if form is not None and args.get("step") == DOCUMENTS else None
    if draft is None or draft.submission_id is not None:
        return error_page(413)
    form = _draft_form(code, draft)
    limits = _upload_limits(draft)
    message = _("The chosen files were not uploaded: together they are larger than the %(total)s MB an "
                "application may have. Each file may be at most %(size)s MB.",
                total=limits.max_total_mb, size=limits.max_file_mb)
    first_slot = form.documents_for(draft.values or {})[0].key
    return _render_documents(form, draft, {first_slot: message}, status=413)


def _discard_request_body() -> None:
    """Read what the browser still sends, up to a bound, before answering: a server that answers
    and closes while the upload is still coming in is seen by the browser as a broken
    connection, and the applicant would never see the answer."""
    stream = request.environ.get("wsgi.input")
    remaining = min(request.content_length or 0, 4 * current_app.config["MAX_CONTENT_LENGTH"])
    try:
        while stream is not None and remaining > 0:
            chunk = stream.read(min(remaining, 1024 * 1024))
            if not chunk:
                break
            remaining -= len(chunk)
    except OSError:  # the browser gave up
        pass


def _take_uploads(form, draft) -> dict[str, str]:
    """Every chosen file through the document checks; per slot the reasons of refused files."""
    from portal.documents.checks import DocumentRefused

    errors = {}
    storage = get_storage()
    settings = current_settings()
    max_file = settings.uploads.max_file_bytes
    for slot in form.documents_for(draft.values or {}):
        for upload in request.files.getlist(f"file-{slot.key}"):
            if not upload or not upload.filename:
                continue
            try:
                # One byte over the limit is enough to refuse it; the rest stays on disk.
                web.take_upload(db.session, storage, form, draft, slot.key, upload.read(max_file + 1),
                                upload.filename, uploads=settings.uploads, virus_scan=settings.virus_scan,
                                client_address=request.remote_addr or "")
            except (DocumentRefused, drafts.UploadLimitReached) as exc:
                refused = f"{upload.filename}: {exc.message}"  # every refused file named, not only the last
                errors[slot.key] = f"{errors[slot.key]} {refused}" if slot.key in errors else refused
    return errors


@bp.get("/apply/<code>/uploads/<int:upload_id>/preview.jpg")
def upload_preview(code: str, upload_id: int):
    """A small preview of an uploaded image, for this browser's own draft only."""
    from io import BytesIO

    from flask import send_file

    from portal.documents.thumbnails import thumbnail

    draft = _current_draft(code)
    upload = next((u for u in draft.uploads if u.id == upload_id), None) if draft is not None else None
    if upload is None or not upload.media_type.startswith("image/"):
        abort(404)
    response = send_file(BytesIO(thumbnail(get_storage().read(upload.sha256))), mimetype="image/jpeg",
                         max_age=3600)
    response.headers["Cache-Control"] = "private, max-age=3600"  # personal: never in a shared cache
    return response


def _review(form, draft, step: str):
    problems = form.validate_all(draft.values or {})
    missing = drafts.missing_documents(form, draft)
    if request.method == "POST" and not problems and not missing:
        drafts.save_step(draft, REVIEW, {}, complete=True)
        db.session.commit()
        return _to_step(form.code, DECLARATION)
    sections = list(zip(form.visible_steps(draft.values or {}), summary(form, draft.values or {}, g.lang)))
    step_of = {f.name: s for s in form.steps for f in s.fields}
    return _render("public/apply/review.html", form, draft, step, sections=sections, problems=problems,
                   missing=missing, step_of=step_of)


def _declaration(form, draft, step: str):
    return _render("public/apply/declaration.html", form, draft, step, errors={})


@bp.post("/apply/<code>/submit")
# Generous: many applicants may share one address (a shelter, a counselling office).
@limiter.limit("120 per hour")
def submit_application(code: str):
    _form_or_404(code)
    draft = _current_draft(code)
    if draft is None:
        flash(_("Your application was not started or has expired. Please start again."), "info")
        return redirect(url_for("public.service", code=code))
    if draft.submission_id is not None:  # a replayed POST: show what the first one made
        return redirect(url_for("public.application_done", code=code))
    form = _draft_form(code, draft)
    if not drafts.may_open(form, draft, DECLARATION):
        return _to_step(code, drafts.first_incomplete_step(form, draft))
    if request.form.get("declaration") != "yes":
        return _render("public/apply/declaration.html", form, draft, DECLARATION,
                       errors={"declaration": _("Please confirm the declaration.")})
    if form.validate_all(draft.values or {}) or drafts.missing_documents(form, draft):
        return _to_step(code, REVIEW)

    try:
        settings = current_settings()
        made = web.submit(db.session, get_storage(), form, draft, office=settings.office,
                          matching=settings.matching)
    except IntakeError:
        current_app.logger.exception("submission of draft %s refused by the intake", draft.public_id)
        flash(_("A document of your application is missing. Please upload it again."), "error")
        return _to_step(code, DOCUMENTS)
    if made.status_code:
        remember_status_code(made.reference, made.status_code)
        # The receipt's PDF and the mail with it: made after this answer, not while the applicant waits.
        from portal.intake.receipts import finish_in_background

        finish_in_background(current_app._get_current_object(), get_storage(), made.submission_id)
    grant_status_access(made.reference)
    session["last_submission"] = {"code": code, "reference": made.reference}
    return redirect(url_for("public.application_done", code=code))


@bp.get("/apply/<code>/done")
def application_done(code: str):
    last = session.get("last_submission") or {}
    if last.get("code") != code:
        return redirect(url_for("public.status_lookup"))
    from portal.public.access import known_status_code

    reference = last["reference"]
    return render_template("public/apply/done.html", service=BY_CODE[code], reference=reference,
                           status_code=known_status_code(reference))


@bp.route("/apply/<code>/save", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def save_application(code: str):
    from portal.forms.fields import EMAIL, FieldError, FieldSpec
    from portal.intake.acknowledge import send_resume_link

    _form_or_404(code)
    draft = _current_draft(code)
    if draft is None or draft.submission_id is not None:
        return redirect(url_for("public.service", code=code))
    form = _draft_form(code, draft)
    email_field = FieldSpec("email", _("E-mail address"), kind=EMAIL, max_length=254)
    error, email = None, (draft.values or {}).get("email", "")
    if request.method == "POST":
        email = request.form.get("email", "")
        try:
            email = email_field.clean(email, {})
        except FieldError as exc:
            error = exc.message
        else:
            settings = current_settings()
            send_resume_link(db.session, draft, email, BY_CODE[code].title, office=settings.office,
                             draft_days=settings.draft_days)
            db.session.commit()
            return render_template("public/apply/saved.html", service=BY_CODE[code], email=email,
                                   expires_at=draft.expires_at)
    return render_template("public/apply/save.html", service=BY_CODE[code], email=email, error=error,
                           back_step=drafts.first_incomplete_step(form, draft))


@bp.get("/resume/<token>")
@limiter.limit("30 per hour")
def resume_application(token: str):
    draft = drafts.find_by_resume_token(db.session, token)
    if draft is None:
        return render_template("public/apply/resume_invalid.html"), 404
    _remember(draft)
    form = form_for(draft.service_code, draft.form_version)
    if form is None:
        return render_template("public/apply/resume_invalid.html"), 404
    return _to_step(draft.service_code, drafts.first_incomplete_step(form, draft))
