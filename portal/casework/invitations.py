"""Inviting an applicant to book an appointment for a submission.

The caseworker picks the site (the submission's by default); the mail in the applicant's
language carries a link with a random token (only its SHA-256 is stored, as for requests for
documents). The link shows the free times of the service at that site from the places kept for
staff, the ones the phone desk books into, so that the invited person does not race the bots
for the public places; the booking is confirmed at once (the link came to the address on
record), belongs to the submission and uses the invitation up.

No flask.request here; the mails are rendered with Flask-Babel (an application context). The
caller commits."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from portal.appointments.booking import BookingError, Person, book_for_caller, free_slots
from portal.appointments.mails import service_title
from portal.audit import record
from portal.casework.conversation import add_office_message
from portal.casework.requests import token_hash
from portal.domain.office_time import aware, day_bounds, office_today, to_office_time
from portal.models import (
    AppointmentInvitation, Booking, MessageChannel, Service, ServiceCounters, Site, Slot, StaffUser, Submission,
)

if TYPE_CHECKING:
    from portal.appointments.mails import BookingMailSetup
    from portal.config import OfficeSettings

# Three weeks: time to read the mail after a holiday, yet short enough that the times the link
# offers are still the ones the caseworker had in mind. A new invitation can always be sent.
INVITATION_DAYS = 21
# The link offers the days from tomorrow (the caseworker prepares the file for the appointment)
# up to six weeks ahead, as the phone desk looks ahead (portal.appointments.office).
FIRST_DAY_AFTER = 1
BOOKING_WEEKS = 6
MAX_TOKEN = 100  # longer is no token of ours: not even hashed
MAX_ID = 2**31 - 1  # PostgreSQL's integer


class InvitationRefused(ValueError):
    """An invitation (or a booking through one) the portal does not make; `code` says why:
    "not_open", "no_email", "no_appointment", "site_not_offered" when inviting; "invalid",
    "unknown_slot", "slot_taken", "already_booked" when booking."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass
class NewInvitation:
    invitation: AppointmentInvitation
    token: str  # the link's token: in the mail only, never stored


@dataclass
class SentInvitation:
    """An invitation as the submission page lists it."""
    invitation: AppointmentInvitation
    booking: Booking | None
    invited_by: StaffUser | None


def invitation_url(office: OfficeSettings, submission: Submission, token: str) -> str:
    return office.url(f"/{submission.language}/invitation/{token}")


def sites_offering(session: Session, service: Service) -> list[Site]:
    """Active sites with counters for the service (none for a service without appointments)."""
    if not service.needs_appointment or not service.is_active:
        return []
    return list(session.scalars(
        select(Site).join(ServiceCounters, ServiceCounters.site_id == Site.id)
        .where(ServiceCounters.service_id == service.id, ServiceCounters.counters > 0, Site.is_active)
        .order_by(Site.name)))


def invite(session: Session, submission: Submission, staff: StaffUser | None, site: Site | None, *,
           office: OfficeSettings, now: datetime, client_address: str = "") -> NewInvitation:
    """Record the invitation, queue its mail, keep it in the conversation and the audit trail.
    `site` None: the submission's site. Raises InvitationRefused."""
    from portal.notify.outbox import enqueue_mail
    from portal.notify.templates import render_mail

    if not submission.is_open:
        raise InvitationRefused("not_open")
    if not submission.applicant_email:
        raise InvitationRefused("no_email")  # the link must reach the applicant; a letter has no slot to keep
    service = submission.service
    offering = sites_offering(session, service)
    if not offering:
        raise InvitationRefused("no_appointment")
    site = site or submission.site
    if site is None or site.id not in {s.id for s in offering}:
        raise InvitationRefused("site_not_offered")
    token = secrets.token_urlsafe(24)
    invitation = AppointmentInvitation(
        submission_id=submission.id, service_id=service.id, site_id=site.id, token_hash=token_hash(token),
        invited_by_id=staff.id if staff is not None else None, created_at=now,
        expires_at=now + timedelta(days=INVITATION_DAYS))
    session.add(invitation)
    mail = render_mail("appointment_invitation", submission.language, reference=submission.reference,
                       service_title=service_title(service, submission.language), site_name=site.name,
                       site_address=_address(site), expires_on=to_office_time(invitation.expires_at).date(),
                       invitation_url=invitation_url(office, submission, token), office_email=office.mail_address)
    enqueue_mail(session, recipient=submission.applicant_email, subject=mail.subject, body_text=mail.text,
                 body_html=mail.html, language=submission.language, submission_id=submission.id)
    add_office_message(session, submission, staff, german_text=invitation_in_german(invitation, service, site),
                       sent_text=mail.text, channel=MessageChannel.EMAIL)
    record(session, "invite_to_appointment", staff=staff, object_type="submission", object_id=submission.reference,
           client_address=client_address,
           detail={"site": site.code, "service": service.code, "expires_at": invitation.expires_at.isoformat()})
    session.flush()
    return NewInvitation(invitation, token)


def invitation_in_german(invitation: AppointmentInvitation, service: Service, site: Site) -> str:
    """The invitation as the back office reads it in the conversation."""
    until = to_office_time(invitation.expires_at)
    return (f"Einladung zur Terminbuchung: {service.name_de}, {site.name}. "
            f"Der Link gilt bis {until:%d.%m.%Y} für eine Buchung.")


def _address(site: Site) -> str:
    return f"{site.street}, {site.postcode} {site.city}"


# -- the link --------------------------------------------------------------------------------

def invitation_from_token(session: Session, token: str, now: datetime) -> AppointmentInvitation | None:
    """The invitation the link names while it can be used: unused, not expired, its submission
    open. None otherwise (also for a wrong token)."""
    if not token or len(token) > MAX_TOKEN:
        return None
    invitation = session.scalar(select(AppointmentInvitation)
                                .where(AppointmentInvitation.token_hash == token_hash(token)))
    if invitation is None or invitation.booking_id is not None or aware(invitation.expires_at) <= now:
        return None
    if not invitation.submission.is_open:
        return None
    return invitation


def _bookable_days(now: datetime) -> tuple[date, date]:
    today = office_today(now)
    return today + timedelta(days=FIRST_DAY_AFTER), today + timedelta(weeks=BOOKING_WEEKS)


def free_times(session: Session, invitation: AppointmentInvitation, now: datetime) -> dict[date, list[Slot]]:
    """{office day: free times}, from the places kept for staff (the phone desk's count:
    portal.appointments.booking.free_slots for staff), of the invitation's service and site."""
    first, last = _bookable_days(now)
    start, end = day_bounds(first, last)
    days: dict[date, list[Slot]] = {}
    for slot in free_slots(session, invitation.site_id, invitation.service_id, max(start, now), end, for_staff=True):
        days.setdefault(to_office_time(slot.starts_at).date(), []).append(slot)
    return days


def _offered_slot(session: Session, invitation: AppointmentInvitation, slot_id: int, now: datetime) -> Slot:
    """The posted time if the link offers it (free or not: taking the place decides that)."""
    # Beyond the id column's range no row can match (and the database driver would refuse the number).
    slot = session.get(Slot, slot_id) if slot_id and 0 < slot_id <= MAX_ID else None
    first, last = _bookable_days(now)
    if slot is None or slot.site_id != invitation.site_id or slot.service_id != invitation.service_id \
            or not first <= to_office_time(slot.starts_at).date() <= last or aware(slot.starts_at) <= now:
        raise InvitationRefused("unknown_slot")
    return slot


def book_invited(session: Session, invitation: AppointmentInvitation, slot_id: int, *, now: datetime,
                 mail_setup: BookingMailSetup, client_address: str = "") -> Booking:
    """Book the chosen time for the submission from the places kept for staff, confirmed at once,
    with the confirmation mail the phone desk sends; the invitation is used. Raises
    InvitationRefused; the caller rolls back then (the place taken is given back with it)."""
    from portal.appointments.mails import send_booking_confirmed

    if invitation.booking_id is not None or aware(invitation.expires_at) <= now or not invitation.submission.is_open:
        raise InvitationRefused("invalid")
    submission = invitation.submission
    slot = _offered_slot(session, invitation, slot_id, now)
    person = Person(surname=submission.applicant_surname, given_names=submission.applicant_given_names,
                    date_of_birth=submission.applicant_date_of_birth, email=submission.applicant_email,
                    phone=str((submission.field_values or {}).get("phone", "") or "")[:40])
    try:
        # The phone desk's booking: one conditional UPDATE takes a place (never beyond capacity),
        # staff_booking and confirmed. "Booked by" the caseworker who invited: the place is the
        # staff's, and that person may see the booking (portal.casework.access.can_see_booking).
        booking = book_for_caller(session, slot.id, person, staff_user_id=invitation.invited_by_id,
                                  language=submission.language, now=now)
    except BookingError as refused:
        raise InvitationRefused(refused.code) from None
    booking.submission_id = submission.id
    booking.client_address = (client_address or "")[:64]
    session.flush()
    # Used once: a second request with the same link (a double click, a second tab) waits here for
    # the first on PostgreSQL and then finds the invitation used; the caller rolls its place back.
    claimed = session.execute(
        update(AppointmentInvitation)
        .where(AppointmentInvitation.id == invitation.id, AppointmentInvitation.booking_id.is_(None))
        .values(booking_id=booking.id).execution_options(synchronize_session=False)).rowcount
    if claimed != 1:
        raise InvitationRefused("invalid")
    session.refresh(invitation)
    send_booking_confirmed(session, booking, mail_setup, now=now)
    record(session, "book_by_invitation", staff=None, object_type="booking", object_id=booking.reference,
           client_address=client_address,
           detail={"submission": submission.reference, "invitation": invitation.id, "slot_id": slot.id,
                   "site": slot.site.code, "service": slot.service.code})
    return booking


# -- the back office's view of a submission ----------------------------------------------------

def invitations_of(session: Session, submission: Submission) -> list[SentInvitation]:
    """The submission's invitations, newest first, with the booking each one was used for."""
    invitations = list(session.scalars(select(AppointmentInvitation)
                                       .where(AppointmentInvitation.submission_id == submission.id)
                                       .order_by(AppointmentInvitation.created_at.desc(),
                                                 AppointmentInvitation.id.desc())))
    booking_ids = {i.booking_id for i in invitations if i.booking_id}
    staff_ids = {i.invited_by_id for i in invitations if i.invited_by_id}
    bookings = {b.id: b for b in session.scalars(select(Booking).where(Booking.id.in_(booking_ids)))} \
        if booking_ids else {}
    staff = {s.id: s for s in session.scalars(select(StaffUser).where(StaffUser.id.in_(staff_ids)))} \
        if staff_ids else {}
    return [SentInvitation(i, bookings.get(i.booking_id), staff.get(i.invited_by_id)) for i in invitations]


def bookings_of(session: Session, submission: Submission) -> list[Booking]:
    """Every booking made for the submission (through an invitation, or from its receipt page),
    by time; cancelled and expired ones too, for the record."""
    return list(session.scalars(select(Booking).join(Slot, Booking.slot_id == Slot.id)
                                .where(Booking.submission_id == submission.id)
                                .order_by(Slot.starts_at, Booking.id)))


def is_usable(invitation: AppointmentInvitation, now: datetime) -> bool:
    return invitation.booking_id is None and aware(invitation.expires_at) > now
