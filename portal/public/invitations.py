"""The link of an invitation to book (portal.casework.invitations): the free times of the
service at the site from the places kept for staff, and booking one of them for the submission.

Thin views. The token is in the URL only: the page shows it nowhere but in its forms' actions,
is not cached and sends no referrer. Wrong, used and expired links look alike (404)."""
from __future__ import annotations

from datetime import date

from flask import current_app, render_template, request
from flask_babel import gettext as _

from portal.casework import invitations
from portal.config import current_settings, secret_keys
from portal.extensions import db, get_storage, limiter
from portal.forms.catalogue import BY_CODE
from portal.models import AppointmentInvitation
from portal.models._types import utcnow
from portal.public import bp
from portal.public.status import LOOKUP_LIMIT


def _private(response, status: int = 200):
    """A page of one person's link: kept by no cache, and the link not passed on as referrer."""
    response = current_app.make_response((response, status))
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _invalid():
    return _private(render_template("public/invitation/invalid.html"), 404)


def _chosen_day(text: str | None, days: list[date]) -> date | None:
    try:
        day = date.fromisoformat(text or "")
    except ValueError:
        day = None
    return day if day in days else (days[0] if days else None)


def _times_page(invitation: AppointmentInvitation, token: str, *, day_text: str | None = None,
                error: str | None = None, time_error: str | None = None, status: int = 200):
    free = invitations.free_times(db.session, invitation, utcnow())
    day = _chosen_day(day_text, sorted(free))
    return _private(render_template(
        "public/invitation/times.html", invitation=invitation, token=token,
        entry=BY_CODE.get(invitation.service.code), site=invitation.site, days=sorted(free.items()),
        day=day, times=free.get(day, []), error=error, time_error=time_error), status)


@bp.get("/invitation/<token>")
@limiter.limit(LOOKUP_LIMIT)
def invitation_times(token: str):
    invitation = invitations.invitation_from_token(db.session, token, utcnow())
    if invitation is None:
        return _invalid()
    return _times_page(invitation, token, day_text=request.args.get("day"))


def _mail_setup():
    from portal.appointments.mails import BookingMailSetup

    return BookingMailSetup.of(current_settings(), secret_keys(current_app.config), get_storage())


@bp.post("/invitation/<token>")
@limiter.limit(LOOKUP_LIMIT)
def invitation_book(token: str):
    now = utcnow()
    invitation = invitations.invitation_from_token(db.session, token, now)
    if invitation is None:
        return _invalid()
    day_text = request.form.get("day", "")
    slot_id = request.form.get("slot", type=int)
    if not slot_id:  # nothing is chosen beforehand
        return _times_page(invitation, token, day_text=day_text, time_error=_("Please choose a time."), status=400)
    try:
        booking = invitations.book_invited(db.session, invitation, slot_id, now=now, mail_setup=_mail_setup(),
                                           client_address=request.remote_addr or "")
    except invitations.InvitationRefused as refused:
        db.session.rollback()
        invitation = invitations.invitation_from_token(db.session, token, now)
        if refused.code == "invalid" or invitation is None:
            return _invalid()
        if refused.code == "already_booked":
            error = _("You already have an appointment for this service. Please cancel it first with the link in "
                      "its e-mail, or keep it.")
        elif refused.code == "slot_taken":
            error = _("This time was just taken. Please choose another one.")
        else:  # a time the link does not offer (past by now, or not sent by the form)
            error = _("This time cannot be booked. Please choose another one.")
        return _times_page(invitation, token, day_text=day_text, error=error, status=409)
    db.session.commit()
    return _private(render_template("public/invitation/booked.html", booking=booking,
                                    entry=BY_CODE.get(booking.slot.service.code)))
