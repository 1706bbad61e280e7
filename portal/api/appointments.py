"""Appointments: the day list of a site, as the counter staff see it (who comes when, for what,
whether they arrived), and the places still free."""
from __future__ import annotations

from sqlalchemy import select

from portal.api import bp, shapes
from portal.api import schemas as S
from portal.api.auth import current_client, refuse_other_site
from portal.api.problems import Problem
from portal.api.registry import operation
from portal.api.responses import audit_read, json_response
from portal.api.submissions import day
from portal.appointments.office import day_listing
from portal.casework import access
from portal.clients.accounts import Scope
from portal.domain.office_time import aware
from portal.extensions import db
from portal.models import Site
from portal.models._types import utcnow


@bp.get("/appointments")
@operation(summary="A site's appointments of a day", tag="appointments", scopes=(Scope.APPOINTMENTS_READ.value,),
           query=S.DayQuery, response=S.AppointmentDay, etag=True, problems=(404,),
           description="The confirmed and not yet confirmed bookings, by time, with their counter numbers, "
                       "and each time's free places (online and at the phone desk).")
def appointments(query: S.DayQuery):
    wanted = day(query.day, "day")
    site = db.session.scalar(select(Site).where(Site.code == query.site.upper()))
    if site is None:
        raise Problem("not-found", f"There is no site {query.site}.")
    if not access.client_sees_site(current_client(), site.id):
        refuse_other_site("day_list", f"{site.code}:{wanted.isoformat()}")
    groups = day_listing(db.session, site.id, wanted, utcnow())
    listed = [S.AppointmentOut(
        reference=entry.booking.reference, starts_at=aware(entry.booking.slot.starts_at),
        ends_at=aware(entry.booking.slot.ends_at), service=entry.service.code, counter=entry.counter,
        status=entry.booking.status, attendance=entry.booking.attendance, surname=entry.booking.surname,
        given_names=entry.booking.given_names, date_of_birth=shapes.partial(entry.booking.date_of_birth),
        submission=entry.booking.submission.reference if entry.booking.submission is not None else None)
        for group in groups for entry in group.entries]
    free = [S.FreePlacesOut(starts_at=group.starts_at, service=places.service.code, capacity=places.capacity,
                            taken=places.taken, free_online=places.free_public, free_phone_desk=places.free_staff)
            for group in groups for places in group.free]
    audit_read("view", "day_list", f"{site.code}:{wanted.isoformat()}", bookings=len(listed))
    return json_response(S.AppointmentDay(site=site.code, day=wanted, appointments=listed, free=free), etag=True)
