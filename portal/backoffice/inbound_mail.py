"""Inbound mail in the back office: the list (quarantine first), a message's details, the raw
.eml (downloaded, never rendered), and the actions "process again" and "dismiss". Thin views
over portal.intake.email. A caseworker sees the mails of the submissions of their own site and
those that made no submission yet (portal.casework.access); others are refused and audited."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import case, func, select
from sqlalchemy.orm import selectinload

from portal.audit import record
from portal.backoffice import bp, loaders
from portal.backoffice.guard import CASEWORK_STAFF, requires_role
from portal.casework import access
from portal.config import current_settings
from portal.extensions import db, get_storage
from portal.intake.email import review
from portal.intake.email.process import AWAITING_SCAN, VIRUS_FOUND
from portal.models import InboundMail, InboundMailStatus, Submission
from portal.models._types import utcnow

PAGE_SIZE = 100
# Quarantine first: it needs a person; then what is unfinished, then the rest.
_ORDER = [InboundMailStatus.QUARANTINED, InboundMailStatus.RECEIVED, InboundMailStatus.PROCESSED,
          InboundMailStatus.DUPLICATE, InboundMailStatus.DISMISSED]

MAIL_STATUS_LABELS = {
    "received": _l("Not processed yet"), "processed": _l("Processed"), "quarantined": _l("Quarantine"),
    "duplicate": _l("Duplicate"), "dismissed": _l("Dismissed"),
}
REASON_LABELS = {
    "too_large": _l("The message is larger than allowed."),
    "unreadable": _l("The message cannot be read."),
    "tnef": _l("Outlook attachment (winmail.dat) that cannot be opened."),
    "refused_attachment": _l("An attachment was refused by the document checks."),
    "too_complex": _l("The message is nested too deeply."),
    "processing_error": _l("Processing failed; please report it to the administrators."),
    "virus_found": _l("The virus scanner found malware in the message; the original is not handed out."),
    "awaiting_scan": _l("Waiting for the virus scanner, which cannot be reached; processed as soon as it is back."),
}
ACKNOWLEDGEMENT_LABELS = {
    "sent": _l("Acknowledgement sent"), "replied_within_hour": _l("Not sent: already answered within the hour"),
    "auto_submitted": _l("Not sent: automatic message"), "precedence": _l("Not sent: bulk or list mail"),
    "mailing_list": _l("Not sent: mailing list"), "auto_reply_header": _l("Not sent: automatic reply"),
    "report": _l("Not sent: delivery report"), "null_return_path": _l("Not sent: bounce"),
    "no_sender": _l("Not sent: no sender address"), "machine_address": _l("Not sent: no-reply address"),
    "own_address": _l("Not sent: our own address"), "invalid_address": _l("Not sent: invalid sender address"),
}


@bp.app_template_global()
def inbound_mail_status_label(status: str) -> str:
    return str(MAIL_STATUS_LABELS.get(status, status))


@bp.app_template_global()
def inbound_mail_reason_label(code: str) -> str:
    return str(REASON_LABELS.get(code, code))


@bp.app_template_global()
def acknowledgement_label(code: str) -> str:
    return str(ACKNOWLEDGEMENT_LABELS.get(code, code))


@bp.app_template_global()
def inbound_mails_for(submission: Submission) -> list[InboundMail]:
    """The messages that made or joined a submission (shown in the submission view)."""
    return db.session.scalars(select(InboundMail).where(InboundMail.submission_id == submission.id)
                              .order_by(InboundMail.received_at)).all()


@bp.get("/mail")
@requires_role(*CASEWORK_STAFF)
def inbound_mail_list():
    status = request.args.get("status", "")
    page = request.args.get("page", "1")
    page = int(page) if page.isascii() and page.isdigit() and 0 < len(page) < 6 else 1
    visible = access.inbound_mail_condition(current_user)
    query = select(InboundMail).where(visible).options(selectinload(InboundMail.submission))
    if status in MAIL_STATUS_LABELS:
        query = query.where(InboundMail.status == status)
    rank = case({value.value: index for index, value in enumerate(_ORDER)}, value=InboundMail.status)
    mails = db.session.scalars(query.order_by(rank, InboundMail.received_at.desc(), InboundMail.id.desc())
                               .limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE)).all()
    counts = dict(db.session.execute(select(InboundMail.status, func.count()).where(visible)
                                     .group_by(InboundMail.status)).all())
    return render_template("backoffice/mail/list.html", mails=mails[:PAGE_SIZE], has_more=len(mails) > PAGE_SIZE,
                           page=page, status=status if status in MAIL_STATUS_LABELS else "",
                           statuses=[s.value for s in _ORDER], counts=counts)


@bp.get("/mail/<int:mail_id>")
@requires_role(*CASEWORK_STAFF)
def inbound_mail_detail(mail_id: int):
    mail = loaders.inbound_mail(mail_id)
    record(db.session, "view", staff=current_user, object_type="inbound_mail", object_id=mail.id,
           client_address=request.remote_addr)
    db.session.commit()
    return render_template("backoffice/mail/detail.html", mail=mail, details=mail.details or {},
                           actionable=review.is_actionable(mail))


@bp.get("/mail/<int:mail_id>/raw")
@requires_role(*CASEWORK_STAFF)
def inbound_mail_raw(mail_id: int):
    mail = loaders.inbound_mail(mail_id)
    storage = get_storage()
    if not storage.exists(mail.sha256):
        abort(404)
    if mail.reason_code == VIRUS_FOUND:
        # Quarantined for malware: kept as evidence on the server, never put on a desktop.
        flash(_("This message contains malware; the original is not handed out."), "error")
        return redirect(url_for("backoffice.inbound_mail_detail", mail_id=mail.id))
    record(db.session, "download", staff=current_user, object_type="inbound_mail", object_id=mail.id,
           client_address=request.remote_addr, detail={"sha256": mail.sha256, "size": mail.size_bytes})
    db.session.commit()
    response = send_file(storage.open(mail.sha256), mimetype="message/rfc822", as_attachment=True,
                         download_name=f"mail-{mail.id}.eml")
    # A download only: nothing in it may run or be shown as a page, even if a browser tried.
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.post("/mail/<int:mail_id>/process")
@requires_role(*CASEWORK_STAFF)
def inbound_mail_process(mail_id: int):
    mail = loaders.inbound_mail(mail_id)
    try:
        outcome = review.process_again(db.session, get_storage(), mail, current_settings().mail_intake,
                                       current_user, client_address=request.remote_addr or "")
    except review.ReviewRefused as refused:
        if refused.code == "headers_only":
            flash(_("Only the header of this message was fetched because it was too large. Raise the limit and "
                    "move the message back to the inbox on the mail server; it will then be fetched again."),
                  "error")
        else:
            flash(_("Only messages in quarantine or not processed yet can be processed again."), "error")
        return redirect(url_for("backoffice.inbound_mail_detail", mail_id=mail.id))
    db.session.commit()
    if outcome.reason_code == AWAITING_SCAN:
        flash(inbound_mail_reason_label(AWAITING_SCAN), "error")
    elif outcome.status == InboundMailStatus.QUARANTINED:
        flash(_("The message is still in quarantine: %(reason)s", reason=inbound_mail_reason_label(outcome.reason_code)),
              "error")
    else:
        flash(_("The message has been processed."), "success")
    return redirect(url_for("backoffice.inbound_mail_detail", mail_id=mail_id))


@bp.post("/mail/<int:mail_id>/dismiss")
@requires_role(*CASEWORK_STAFF)
def inbound_mail_dismiss(mail_id: int):
    mail = loaders.inbound_mail(mail_id)
    try:
        review.dismiss(db.session, mail, current_user, now=utcnow(), client_address=request.remote_addr or "")
    except review.ReviewRefused:
        flash(_("Only messages in quarantine or not processed yet can be dismissed."), "error")
        return redirect(url_for("backoffice.inbound_mail_detail", mail_id=mail.id))
    db.session.commit()
    flash(_("The message has been dismissed."), "success")
    return redirect(url_for("backoffice.inbound_mail_detail", mail_id=mail.id))
