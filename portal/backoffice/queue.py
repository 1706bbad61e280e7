"""The inbound queue and the submission view (German labels, documents in the browser)."""
from __future__ import annotations

from datetime import datetime, timezone

from flask import abort, render_template, request, send_file
from flask_login import current_user
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import selectinload

from portal.audit import record
from portal.backoffice import bp
from portal.documents.storage import get_storage
from portal.extensions import db
from portal.forms.display import display_value, label_in
from portal.forms.registry import form_for
from portal.models import Document, Submission
from portal.models.submission import OPEN_STATUSES
from portal.security import ALL_STAFF, requires_role

PAGE_SIZE = 50
BROWSER_TYPES = {"application/pdf", "image/jpeg", "image/png"}


def _parse_cursor(text: str | None) -> tuple[datetime, int] | None:
    """Keyset paging ("after this item"): stays fast however deep the queue is."""
    if not text or "_" not in text:
        return None
    stamp, _, ident = text.partition("_")
    try:
        return datetime.fromtimestamp(float(stamp), tz=timezone.utc), int(ident)
    except (ValueError, OverflowError):
        return None


def _cursor(submission: Submission) -> str:
    received = submission.received_at
    if received.tzinfo is None:
        received = received.replace(tzinfo=timezone.utc)
    return f"{received.timestamp():.6f}_{submission.id}"


@bp.get("/queue")
@requires_role(*ALL_STAFF)
def queue():
    query = (select(Submission)
             .where(Submission.status.in_([s.value for s in OPEN_STATUSES]))
             .options(selectinload(Submission.service), selectinload(Submission.site),
                      selectinload(Submission.assignee))
             .order_by(Submission.received_at, Submission.id))
    after = _parse_cursor(request.args.get("after"))
    if after:
        stamp, ident = after
        query = query.where(or_(Submission.received_at > stamp,
                                and_(Submission.received_at == stamp, Submission.id > ident)))
    rows = db.session.scalars(query.limit(PAGE_SIZE + 1)).all()
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return render_template("backoffice/queue.html", submissions=rows,
                           next_cursor=_cursor(rows[-1]) if more else None)


def _submission_or_404(reference: str) -> Submission:
    submission = db.session.scalar(select(Submission).where(Submission.reference == reference)
                                   .options(selectinload(Submission.history)))
    if submission is None:
        abort(404)
    return submission


@bp.get("/submissions/<reference>")
@requires_role(*ALL_STAFF)
def submission(reference: str):
    item = _submission_or_404(reference)
    form = form_for(item.service.code)
    fields = []
    for spec in form.fields if form else ():
        value = item.field_values.get(spec.name, "")
        fields.append((label_in(spec.label, "de"), value, display_value(spec, value, "de")))
    documents = db.session.scalars(select(Document).where(Document.submission_id == item.id)
                                   .order_by(Document.id)).all()
    slot_labels = {slot.key: label_in(slot.label, "de") for slot in form.documents} if form else {}
    # Per uploaded file: what the browser can show (the PDF made from a HEIC photo, say).
    derived = {d.derived_from_id: d for d in documents if d.derived_from_id}
    shown = [(d, d if d.media_type in BROWSER_TYPES else derived.get(d.id)) for d in documents
             if not d.derived_from_id]
    record("view", staff=current_user, object_type="submission", object_id=item.reference,
           client_address=request.remote_addr)
    db.session.commit()
    return render_template("backoffice/submission.html", submission=item, fields=fields, documents=shown,
                           slot_labels=slot_labels)


@bp.get("/documents/<int:document_id>")
@requires_role(*ALL_STAFF)
def document(document_id: int):
    item = db.session.get(Document, document_id)
    if item is None:
        abort(404)
    record("view_document", staff=current_user, object_type="document", object_id=item.id,
           client_address=request.remote_addr,
           detail={"submission_id": item.submission_id, "case_file_id": item.case_file_id})
    db.session.commit()
    response = send_file(get_storage().open(item.sha256), mimetype=item.media_type,
                         download_name=item.original_filename or f"document-{item.id}")
    # Shown inside the submission page (same origin only); never run as anything but its type.
    response.headers["Content-Security-Policy"] = "frame-ancestors 'self'"
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response
