"""Scan batches in the back office: what each delivery of scanned paper files brought, what
failed and why, which case files it opened; a caseworker marks a batch as checked.

The import itself is `flask scans import` (portal.intake.scans); these views only read its
tracking rows. Viewing a batch (file numbers, names of opened files) and marking it are audited.
"""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select

from portal.audit import record
from portal.backoffice import bp
from portal.backoffice.forms import ActionForm
from portal.casework import access
from portal.extensions import db
from portal.intake.scans.filing import idempotency_key
from portal.models import CaseFile, ScanBatch, ScanBatchRow, ScanBatchStatus, ScanRowStatus, Submission
from portal.models._types import utcnow
from portal.security import CASEWORK_STAFF, requires_role

LIST_LIMIT = 200
ROWS_LIMIT = 1000  # failed rows and case files shown on one page; the counts give the whole

BATCH_STATUS_LABELS = {"received": _l("Import running or interrupted"), "imported": _l("Imported, to be checked"),
                       "checked": _l("Checked")}
REASON_LABELS = {
    "bad_row": _l("Incomplete or malformed row"),
    "bad_date": _l("Invalid date"),
    "path_outside": _l("Path outside the delivery"),
    "missing_file": _l("File missing"),
    "too_large": _l("File too large"),
    "checksum_mismatch": _l("Checksum does not match"),
    "unsupported_type": _l("Neither PDF nor TIFF"),
    "unreadable_pdf": _l("PDF cannot be read"),
    "refused_pdf": _l("PDF not accepted (encrypted, active content or too many pages)"),
    "unreadable_tiff": _l("TIFF cannot be read or is too large"),
    "page_count_mismatch": _l("Page count does not match"),
    "unknown_site": _l("No site for this file number"),
    "bad_person_data": _l("Person data invalid"),
}


@bp.app_template_global()
def scan_batch_status_label(status: str) -> str:
    return str(BATCH_STATUS_LABELS.get(status, status))


@bp.app_template_global()
def scan_reason_label(code: str) -> str:
    return str(REASON_LABELS.get(code, code))


def _batch_or_404(scan_batch_id: int) -> ScanBatch:
    batch = db.session.get(ScanBatch, scan_batch_id)
    if batch is None:
        abort(404)
    return batch


@bp.get("/scans")
@requires_role(*CASEWORK_STAFF)
def scan_batches():
    batches = db.session.scalars(select(ScanBatch).order_by(ScanBatch.created_at.desc(), ScanBatch.id.desc())
                                 .limit(LIST_LIMIT)).all()
    return render_template("backoffice/scans/list.html", batches=batches, limit=LIST_LIMIT)


@bp.get("/scans/<int:scan_batch_id>")
@requires_role(*CASEWORK_STAFF)
def scan_batch(scan_batch_id: int):
    batch = _batch_or_404(scan_batch_id)
    # A delivery may span both sites: the counts are the batch's, the case files listed only
    # those this person may see (portal.casework.access).
    visible = access.case_file_condition(current_user)
    failed = db.session.scalars(
        select(ScanBatchRow).where(ScanBatchRow.scan_batch_id == batch.id, ScanBatchRow.status == ScanRowStatus.FAILED)
        .order_by(ScanBatchRow.row_number, ScanBatchRow.id).limit(ROWS_LIMIT)).all()
    opened = db.session.scalars(
        select(CaseFile).join(ScanBatchRow, ScanBatchRow.case_file_id == CaseFile.id)
        .where(ScanBatchRow.scan_batch_id == batch.id, ScanBatchRow.opened_case_file.is_(True), visible)
        .order_by(CaseFile.file_number).limit(ROWS_LIMIT)).all()
    # The queue item of each opened file: the batch's submission for that file number.
    keys = {idempotency_key(batch.batch_id, cf.file_number): cf.file_number for cf in opened}
    queue_items = {keys[s.idempotency_key]: s for s in db.session.scalars(
        select(Submission).where(Submission.idempotency_key.in_(list(keys))))} if keys else {}
    files = db.session.execute(
        select(CaseFile.file_number, CaseFile.surname, CaseFile.given_names, func.count(ScanBatchRow.id))
        .join(ScanBatchRow, ScanBatchRow.case_file_id == CaseFile.id)
        .where(ScanBatchRow.scan_batch_id == batch.id, ScanBatchRow.status == ScanRowStatus.IMPORTED, visible)
        .group_by(CaseFile.id, CaseFile.file_number, CaseFile.surname, CaseFile.given_names)
        .order_by(CaseFile.file_number).limit(ROWS_LIMIT)).all()
    record("view", staff=current_user, object_type="scan_batch", object_id=batch.batch_id,
           client_address=request.remote_addr or "")
    db.session.commit()
    return render_template("backoffice/scans/show.html", batch=batch, failed=failed, opened=opened,
                           queue_items=queue_items, files=files, limit=ROWS_LIMIT, form=ActionForm())


@bp.post("/scans/<int:scan_batch_id>/checked")
@requires_role(*CASEWORK_STAFF)
def scan_batch_checked(scan_batch_id: int):
    batch = _batch_or_404(scan_batch_id)
    back = redirect(url_for("backoffice.scan_batch", scan_batch_id=batch.id))
    if not ActionForm().validate_on_submit():
        flash(_("The page was out of date. Please try again."), "error")
        return back
    if batch.status != ScanBatchStatus.IMPORTED:
        flash(_("Only an imported batch can be marked as checked."), "error")
        return back
    batch.status = ScanBatchStatus.CHECKED
    batch.checked_by_id, batch.checked_at = current_user.id, utcnow()
    record("change", staff=current_user, object_type="scan_batch", object_id=batch.batch_id,
           client_address=request.remote_addr or "", detail={"status": ScanBatchStatus.CHECKED.value})
    db.session.commit()
    flash(_("Scan batch %(batch)s marked as checked.", batch=batch.batch_id), "success")
    return back
