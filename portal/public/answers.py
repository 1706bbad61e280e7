"""The applicant's answer to a request for documents: the link from the mail or letter, and on the
status page (templates/public/status/_requests.html) files per requested slot and the answer
itself. Thin views over portal.casework.requests; files are checked and refused like the online
application's uploads, with the same messages. Works without JavaScript."""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import select
from werkzeug.exceptions import RequestEntityTooLarge

from portal.casework import requests as document_requests
from portal.casework.actions import requested_labels
from portal.config import current_settings
from portal.documents import refusals
from portal.documents.refusals import DocumentRefused, megabytes
from portal.domain.office_time import local_date
from portal.errors import error_page
from portal.extensions import db, get_storage, limiter
from portal.forms import drafts
from portal.intake import IntakeError
from portal.models import AnswerUpload, DocumentRequest, Submission
from portal.models._types import utcnow
from portal.public import bp
from portal.public.access import grant_status_access, has_status_access
# Imported for its handler too: Flask keeps one RequestEntityTooLarge handler per blueprint, so
# ours (below) must be registered after the application's and hands every other page back to it.
from portal.public.applications import _discard_request_body
from portal.public.applications import request_too_large as _application_too_large
from portal.public.status import LOOKUP_LIMIT, status_page

INVALID_LINK = _l("This link does not work (any more): the request may have been answered or withdrawn, or its "
                  "deadline is long past. Please enter the reference number and status code from your receipt.")
ANSWER_FIELD = "answer"  # the error key of the text (the others are slot keys)
ANSWER_ENDPOINTS = {"public.answer_files", "public.answer_remove_file", "public.answer_send"}


@dataclass
class AnswerForm:
    """What a refused or half-done post shows again: the reasons and the text typed so far."""
    request_id: int
    errors: dict[str, str] = field(default_factory=dict)
    text: str = ""


@dataclass
class SlotView:
    key: str
    label: str  # in the applicant's language, like the mail (the page may be in another)
    hint: str
    uploads: list[AnswerUpload]
    max_files: int
    too_many: str  # the refusal of one file too many, for the check in the browser


@dataclass
class RequestView:
    request: DocumentRequest
    labels: list[str]  # the requested documents, in the applicant's language
    slots: list[SlotView]  # the requested ones, then "other" (unless it was requested)
    errors: dict[str, str]
    text: str
    limits: drafts.UploadLimits  # for the check in the browser (js/upload-progress.js), as on the
    texts: dict[str, str]  # application's documents step


@bp.context_processor
def _answer_helpers():
    # Public pages only (a blueprint context processor): no app-wide name to collide with.
    return {"open_document_requests": open_document_requests, "answer_max_length": document_requests.MAX_ANSWER,
            "answer_upload_limits": answer_upload_limits}


def answer_upload_limits() -> dict:
    """The limits the page promises, in MB, as the application's documents step states them."""
    uploads = current_settings().uploads
    return {"size": megabytes(uploads.max_file_bytes), "total": megabytes(uploads.max_submission_bytes)}


def open_document_requests(submission: Submission) -> list[RequestView]:
    """The open requests of the submission for the status page, with what a post left to show."""
    from portal.forms.display import label_in
    from portal.forms.registry import submission_form

    shown: AnswerForm | None = g.get("answer_form")
    form = submission_form(submission)
    uploads = current_settings().uploads
    texts = {"too_large": refusals.too_large(uploads.max_file_bytes).message,
             "too_large_together": str(drafts.too_large_together(uploads.max_submission_bytes))}
    views = []
    for item in document_requests.open_requests(db.session, submission):
        keys = list(item.slots or [])
        if document_requests.OTHER_SLOT not in keys:
            keys.append(document_requests.OTHER_SLOT)
        labels = requested_labels(submission, item.slots or [])
        label_of = dict(zip(item.slots or [], labels))
        slots = []
        for key in keys:
            spec = form.slot(key) if form is not None and key in label_of else None
            hint = label_in(spec.hint, submission.language) if spec is not None and spec.hint else ""
            max_files = document_requests.slot_max_files(item, key)
            slots.append(SlotView(key, label_of.get(key) or label_in(_l("Other document"), submission.language),
                                  hint, [u for u in item.uploads if u.slot == key], max_files,
                                  drafts.too_many_files(max_files)))
        mine = shown is not None and shown.request_id == item.id
        limits = drafts.UploadLimits(uploads.max_file_bytes, uploads.max_submission_bytes,
                                     sum(u.size_bytes for u in item.uploads))
        views.append(RequestView(item, labels, slots, shown.errors if mine else {}, shown.text if mine else "",
                                 limits, texts))
    return views


@bp.get("/answer/<token>")
@limiter.limit(LOOKUP_LIMIT)
def answer_link(token: str):
    found = document_requests.request_from_token(db.session, token, local_date(utcnow()))
    if found is None:
        # The same page for a wrong, used or outdated link: it tells nothing about any reference.
        return render_template("public/status/lookup.html", reference="", error=INVALID_LINK), 404
    reference = found.submission.reference
    grant_status_access(reference)
    # Redirect so the token does not stay in the address bar or the history.
    return redirect(url_for("public.status_page", reference=reference, _anchor="requests"))


@bp.get("/status/<reference>/requests/<int:request_id>/files")
@bp.get("/status/<reference>/requests/<int:request_id>/files/<int:upload_id>/remove")
@bp.get("/status/<reference>/requests/<int:request_id>/answer")
def answer_back(reference: str, request_id: int, upload_id: int | None = None):
    # A page shown after a post keeps its address; reloading it or switching the language lands here.
    return redirect(url_for("public.status_page", reference=reference, _anchor="requests"))


@bp.post("/status/<reference>/requests/<int:request_id>/files")
def answer_files(reference: str, request_id: int):
    found = _answerable(reference, request_id)
    taken, errors = _take_files(found)
    return _after_files(found, taken, errors)


@bp.post("/status/<reference>/requests/<int:request_id>/files/<int:upload_id>/remove")
def answer_remove_file(reference: str, request_id: int, upload_id: int):
    found = _answerable(reference, request_id)
    if not any(u.id == upload_id for u in found.uploads):
        abort(404)  # another request's file, or one removed already
    taken, errors = _take_files(found)  # files chosen before the click are not lost
    document_requests.remove_answer_file(found, upload_id)
    return _after_files(found, taken, errors)


@bp.post("/status/<reference>/requests/<int:request_id>/answer")
# Generous: many applicants may share one address (a shelter, a counselling office).
@limiter.limit("120 per hour")
def answer_send(reference: str, request_id: int):
    found = _answerable(reference, request_id)
    text = request.form.get("answer", "")
    taken, errors = _take_files(found)
    if not errors:
        try:
            settings = current_settings()
            document_requests.send_answer(db.session, get_storage(), found, text, language=g.lang,
                                          client_address=request.remote_addr or "",
                                          notify=settings.office if settings.requests.notify_by_mail else None)
        except document_requests.AnswerRefused as refused:
            errors[ANSWER_FIELD] = _refusal(found, refused)
        except IntakeError:
            db.session.rollback()
            current_app.logger.exception("answer to request %s refused by the intake", found.id)
            return _show(found, {ANSWER_FIELD: _("A document of your application is missing. Please upload it "
                                                 "again.")}, text, 400)
        else:
            db.session.commit()
            flash(_("Thank you. Your answer has been sent to the office."), "success")
            return redirect(url_for("public.status_page", reference=reference))
    db.session.commit()  # the files taken before a refusal are kept, and a virus found is on record
    return _show(found, errors, text, 400)


@bp.errorhandler(RequestEntityTooLarge)
def too_large_for_page(error):
    """The application's handling, extended to the answer forms: more than MAX_CONTENT_LENGTH gives
    the status page again with the files uploaded before and the application's message; nothing of
    the request was read or stored. Every other page goes to the application's handler."""
    if request.endpoint not in ANSWER_ENDPOINTS:
        return _application_too_large(error)
    _discard_request_body()
    args = request.view_args or {}
    found = _answerable_or_none(args.get("reference", ""), args.get("request_id", 0))
    if found is None:
        return error_page(413)
    uploads = current_settings().uploads
    message = _("The chosen files were not uploaded: together they are larger than the %(total)s MB an "
                "application may have. Each file may be at most %(size)s MB.",
                total=megabytes(uploads.max_submission_bytes), size=megabytes(uploads.max_file_bytes))
    return _show(found, {(found.slots or [document_requests.OTHER_SLOT])[0]: message}, "", 413)


def _answerable_or_none(reference: str, request_id: int) -> DocumentRequest | None:
    """The request, when this browser may see the submission and the request is its own and open."""
    if not has_status_access(reference):
        return None
    submission = db.session.scalar(select(Submission).where(Submission.reference == reference))
    if submission is None:
        return None
    # Locked until the commit: two tabs cannot both send, nor pass a slot's limit together.
    found = db.session.scalar(select(DocumentRequest).where(DocumentRequest.id == request_id).with_for_update())
    return found if document_requests.answerable(found, submission) else None


def _answerable(reference: str, request_id: int) -> DocumentRequest:
    found = _answerable_or_none(reference, request_id)
    if found is None:
        abort(404)
    return found


def _take_files(found: DocumentRequest) -> tuple[int, dict[str, str]]:
    """Every chosen file through the checks (as the application's _take_uploads): how many were
    taken, and per slot the reasons of the refused ones, each naming its file."""
    settings = current_settings()
    storage = get_storage()
    max_file = settings.uploads.max_file_bytes
    known = set(found.slots or []) | {document_requests.OTHER_SLOT}
    taken, errors = 0, {}
    for name in request.files:
        if not name.startswith("file-"):
            continue
        slot = name.removeprefix("file-")
        # A slot not asked for (a changed page) is refused by the domain; its reason shows at "other".
        shown_at = slot if slot in known else document_requests.OTHER_SLOT
        for upload in request.files.getlist(name):
            if not upload or not upload.filename:
                continue
            try:
                # One byte over the limit is enough to refuse it; the rest stays on disk.
                document_requests.add_answer_file(
                    db.session, storage, found, slot, upload.read(max_file + 1), upload.filename,
                    uploads=settings.uploads, virus_scan=settings.virus_scan, client_address=request.remote_addr or "")
                taken += 1
            except (DocumentRefused, document_requests.AnswerRefused) as exc:
                message = exc.message if isinstance(exc, DocumentRefused) else _refusal(found, exc)
                refused = f"{upload.filename}: {message}"  # every refused file named, not only the last
                errors[shown_at] = f"{errors[shown_at]} {refused}" if shown_at in errors else refused
    return taken, errors


def _refusal(found: DocumentRequest, refused: document_requests.AnswerRefused) -> str:
    """The application's message for the same refusal, where it has one."""
    if refused.code == "too_many_files":
        return drafts.too_many_files(refused.details["max_files"])
    if refused.code == "too_large_together":
        return str(drafts.too_large_together(refused.details["limit"]))
    if refused.code == "unknown_document":
        return _("Unknown document.")
    if refused.code == "too_long":
        return ngettext("Use at most %(num)s character.", "Use at most %(num)s characters.", refused.details["limit"])
    if refused.code == "empty":
        return _("Please upload a document or write an answer.")
    abort(404)  # "not_open": the request was answered or withdrawn meanwhile


def _after_files(found: DocumentRequest, taken: int, errors: dict[str, str]):
    db.session.commit()  # what was taken is kept, also beside a refused file
    text = request.form.get("answer", "")
    if errors or text.strip():
        return _show(found, errors, text, 400 if errors else 200)  # the text typed so far is not lost
    if taken:
        flash(ngettext("%(num)s file uploaded", "%(num)s files uploaded", taken), "success")
    return redirect(url_for("public.status_page", reference=found.submission.reference, _anchor="requests"))


def _show(found: DocumentRequest, errors: dict[str, str], text: str, status: int):
    """The status page as status_page makes it, with this form's reasons and text."""
    g.answer_form = AnswerForm(found.id, errors, text)
    return status_page(found.submission.reference), status
