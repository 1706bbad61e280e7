"""Inviting the applicant of a submission to book an appointment (the form is on the submission
page: backoffice/_submission_invite.html). Thin views over portal.casework.invitations, which
writes the audit entry."""
from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal.backoffice import bp, loaders
from portal.backoffice.guard import CASEWORK_STAFF, requires_role
from portal.casework import invitations
from portal.config import current_settings
from portal.extensions import db
from portal.models import Site, Submission
from portal.models._types import utcnow

REFUSALS = {
    "not_open": lambda: _("This submission is no longer open."),
    "no_email": lambda: _("No e-mail address is on record for this submission: the invitation cannot be sent. "
                          "Please book the appointment at the phone desk instead."),
    "no_appointment": lambda: _("This service is not booked by appointment, or no site offers it."),
    "site_not_offered": lambda: _("Choose a site that offers appointments for this service."),
}


@bp.app_template_global()
def invitation_panel(submission: Submission) -> dict:
    """What the submission page shows about appointments: the sites to invite to, the
    invitations sent and the bookings made for the submission."""
    now = utcnow()
    return {"sites": invitations.sites_offering(db.session, submission.service),
            "sent": invitations.invitations_of(db.session, submission),
            "bookings": invitations.bookings_of(db.session, submission),
            "usable": lambda invitation: invitations.is_usable(invitation, now)}


@bp.post("/submissions/<reference>/invite")
@requires_role(*CASEWORK_STAFF)
def invite_to_appointment(reference: str):
    item = loaders.submission(reference)
    code = request.form.get("site", "").strip()[:16]
    site = db.session.scalar(select(Site).where(Site.code == code)) if code else None
    try:
        if code and site is None:
            raise invitations.InvitationRefused("site_not_offered")
        invitations.invite(db.session, item, current_user, site, office=current_settings().office, now=utcnow(),
                           client_address=request.remote_addr or "")
    except invitations.InvitationRefused as refused:
        db.session.rollback()
        message = REFUSALS.get(refused.code)
        flash(message() if message else refused.code, "error")
    else:
        db.session.commit()
        flash(_("The invitation to book an appointment has been sent."), "success")
    return redirect(url_for("backoffice.submission", reference=reference))
