""""Add to that submission": a message that names a reference but came from another sender
became a submission of its own (portal.intake.email.follow_ups); a caseworker who sees that it
belongs to the named one adds it there. Both submissions are checked against the site rule."""
from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.backoffice import bp, loaders
from portal.backoffice.guard import CASEWORK_STAFF, requires_role
from portal.extensions import db
from portal.intake.email import follow_ups
from portal.models import InboundMail

REFUSALS = {
    "nothing_named": lambda: _("This message names no other submission it could be added to (any more)."),
    "not_open": lambda: _("This cannot be done any more: the submission is no longer open."),
}


@bp.post("/mail/<int:mail_id>/add-to-named")
@requires_role(*CASEWORK_STAFF)
def inbound_mail_add_to_named(mail_id: int):
    mail = loaders.visible(db.session.get(InboundMail, mail_id))
    made, named = mail.submission, follow_ups.named_submission(db.session, mail)
    back = url_for("backoffice.submission", reference=made.reference) if made is not None \
        else url_for("backoffice.inbound_mail_detail", mail_id=mail.id)
    for item in (made, named):
        if item is not None:
            loaders.visible(item, loaders.SUBMISSION)
    try:
        outcome = follow_ups.add_to_named_submission(db.session, mail, current_user,
                                                     client_address=request.remote_addr or "")
    except follow_ups.JoinRefused as exc:
        db.session.rollback()
        refusal = REFUSALS.get(exc.code)
        flash(refusal() if refusal else exc.code, "error")
        return redirect(back)
    db.session.commit()
    if outcome == "joined":
        flash(_("The message has been added to submission %(reference)s.", reference=named.reference), "success")
        return redirect(url_for("backoffice.submission", reference=named.reference))
    flash(_("Submission %(reference)s is finished; this submission has been linked to its case file %(number)s "
            "and stays in the queue.", reference=named.reference, number=named.case_file.file_number), "success")
    return redirect(back)
