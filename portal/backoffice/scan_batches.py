"""Scan batches in the back office: what each delivery of scanned paper files brought, what
failed and why, which case files it opened; a caseworker marks a batch as checked.

The import itself is `flask scans import` (portal.intake.scans); these views only read its
tracking rows. Viewing a batch (file numbers, names of opened files) and marking it are audited.

Site rule (portal.casework.access, portal.casework.scan_batches): a delivery may span both
sites. A caseworker sees the batches with a row of their own site or an unassigned row (one
whose file number names no site), and of a batch only those rows, counted alike; a batch
with nothing of theirs is refused (403, audited). Marking a batch as checked vouches for all
its rows, so a batch that holds rows of another site is marked by a team lead or an admin.
"""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal.audit import record
from portal.backoffice import bp, loaders
from portal.backoffice.forms import ActionForm
from portal.backoffice.guard import CASEWORK_STAFF, requires_role
from portal.casework import scan_batches as review
from portal.extensions import db

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
    "virus_found": _l("Malware found by the virus scanner (not stored)"),
    "not_scanned": _l("Virus scanner not reachable: import the delivery again later"),
}


@bp.app_template_global()
def scan_batch_status_label(status: str) -> str:
    return str(BATCH_STATUS_LABELS.get(status, status))


@bp.app_template_global()
def scan_reason_label(code: str) -> str:
    return str(REASON_LABELS.get(code, code))


@bp.get("/scans")
@requires_role(*CASEWORK_STAFF)
def scan_batches():
    batches = review.visible_batches(db.session, current_user, LIST_LIMIT)
    return render_template("backoffice/scans/list.html", batches=batches, limit=LIST_LIMIT)


@bp.get("/scans/<int:scan_batch_id>")
@requires_role(*CASEWORK_STAFF)
def scan_batch(scan_batch_id: int):
    batch = loaders.scan_batch(scan_batch_id)
    report = review.batch_report(db.session, current_user, batch, ROWS_LIMIT)
    record(db.session, "view", staff=current_user, object_type="scan_batch", object_id=batch.batch_id,
           client_address=request.remote_addr or "")
    db.session.commit()
    return render_template("backoffice/scans/show.html", batch=batch, report=report, limit=ROWS_LIMIT,
                           form=ActionForm())


@bp.post("/scans/<int:scan_batch_id>/checked")
@requires_role(*CASEWORK_STAFF)
def scan_batch_checked(scan_batch_id: int):
    batch = loaders.scan_batch(scan_batch_id)
    back = redirect(url_for("backoffice.scan_batch", scan_batch_id=batch.id))
    if not ActionForm().validate_on_submit():
        flash(_("The page was out of date. Please try again."), "error")
        return back
    loaders.visible(batch, loaders.SCAN_BATCH_CHECK)
    try:
        review.mark_checked(db.session, current_user, batch, client_address=request.remote_addr or "")
    except review.NotImported:
        flash(_("Only an imported batch can be marked as checked."), "error")
        return back
    db.session.commit()
    flash(_("Scan batch %(batch)s marked as checked.", batch=batch.batch_id), "success")
    return back
