"""The office's side of appointments: what a site has on a day (attendance, notes), the phone
desk's free times and bookings, suspicious booking patterns, and cancelling many bookings at
once. Counters and closures are in portal.appointments.capacity, the admin's changes to them in
portal.appointments.site_rules.

No texts here: the back-office views call these with a session and turn the results into pages
(German labels live with the views, in the back-office catalogue). The changes write their own
audit entries; the caller commits.
"""
from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, selectinload

from portal.appointments.booking import BookingError, Person, book_for_caller, cancel, free_slots
from portal.appointments.capacity import reclose_days_of, starts_on
from portal.audit import record
from portal.domain.office_time import aware, day_bounds, office_today, to_office_time
from portal.models import (
    ACTIVE_BOOKING_STATUSES, Attendance, Booking, BookingStatus, Service, ServiceCounters, Slot, StaffUser,
)

if TYPE_CHECKING:
    from portal.appointments.mails import BookingMailSetup

# Bookings that appear on the day list: those the applicant has (or is about to) confirm.
LISTED_STATUSES = (BookingStatus.UNCONFIRMED, BookingStatus.CONFIRMED)

NOTE_MAX_LENGTH = 2000
SUSPICIOUS_THRESHOLD = 3
IPV4_PREFIX, IPV6_PREFIX = 24, 48


# -- the day list ----------------------------------------------------------------------------

@dataclass
class DayEntry:
    booking: Booking
    counter: int  # 1..n within its slot, by booking id
    service: Service
    starts_at: datetime  # office time


@dataclass
class FreePlaces:
    service: Service
    capacity: int
    taken: int
    free_public: int  # what online applicants can still book
    free_staff: int  # what the phone desk can still book (the staff share included)


@dataclass
class TimeGroup:
    starts_at: datetime  # office time
    entries: list[DayEntry] = field(default_factory=list)
    free: list[FreePlaces] = field(default_factory=list)


def free_places(slot: Slot) -> FreePlaces:
    free_staff = max(0, slot.capacity - slot.taken)
    free_public = max(0, min(slot.capacity - slot.staff_reserved - slot.public_taken, free_staff))
    return FreePlaces(slot.service, slot.capacity, slot.taken, free_public, free_staff)


def listed_bookings(session: Session, site_id: int, day: date, now: datetime) -> list[Booking]:
    """The day's bookings at a site, by time and booking id; an unconfirmed one whose
    confirmation time has run out is left off (it expires with the next clean-up)."""
    return list(session.scalars(
        select(Booking).join(Slot, Booking.slot_id == Slot.id)
        .where(Slot.site_id == site_id, starts_on(day),
               or_(Booking.status == BookingStatus.CONFIRMED,
                   and_(Booking.status == BookingStatus.UNCONFIRMED,
                        or_(Booking.held_until.is_(None), Booking.held_until >= now))))
        .options(selectinload(Booking.slot).selectinload(Slot.service), selectinload(Booking.submission))
        .order_by(Slot.starts_at, Booking.id)))


def day_listing(session: Session, site_id: int, day: date, now: datetime) -> list[TimeGroup]:
    """The day at a site, grouped by time: its bookings with their counter numbers, and the
    free places of every slot at that time."""
    slots = session.scalars(select(Slot).where(Slot.site_id == site_id, starts_on(day))
                            .options(selectinload(Slot.service)).order_by(Slot.starts_at, Slot.id)).all()
    groups: dict[datetime, TimeGroup] = {}

    def group_of(moment: datetime) -> TimeGroup:
        local = to_office_time(moment)
        return groups.setdefault(local, TimeGroup(local))

    for slot in slots:
        group_of(slot.starts_at).free.append(free_places(slot))
    per_slot: dict[int, int] = {}
    for booking in listed_bookings(session, site_id, day, now):
        per_slot[booking.slot_id] = per_slot.get(booking.slot_id, 0) + 1
        group = group_of(booking.slot.starts_at)
        group.entries.append(DayEntry(booking, per_slot[booking.slot_id], booking.slot.service, group.starts_at))
    for group in groups.values():
        group.entries.sort(key=lambda e: (e.service.name_de, e.booking.slot_id, e.counter))
        group.free.sort(key=lambda f: f.service.name_de)
    return [groups[key] for key in sorted(groups)]


def booking_at_site(session: Session, booking_id: int, site_id: int) -> Booking | None:
    """A listed (unconfirmed or confirmed) booking, only if it is at that site."""
    booking = session.get(Booking, booking_id)
    if booking is None or booking.slot.site_id != site_id or booking.status not in LISTED_STATUSES:
        return None
    return booking


def attendance_possible(booking: Booking, now: datetime) -> bool:
    """Arrival and no-show are recorded on the day of the appointment or later, never ahead."""
    return to_office_time(booking.slot.starts_at).date() <= office_today(now)


# What the desk records ("reset" takes a mistake back), and its name in the audit trail.
ATTENDANCE_ACTIONS = {"arrived": (Attendance.ARRIVED, "check_in"), "no_show": (Attendance.NO_SHOW, "no_show"),
                      "reset": (None, "reset_attendance")}


class AttendanceTooEarly(ValueError):
    """Arrival and no-show before the day of the appointment."""


def record_attendance(session: Session, booking: Booking, action: str, staff: StaffUser, *, now: datetime,
                      client_address: str = "") -> None:
    """Arrived, did not come, or reset (`action`, a key of ATTENDANCE_ACTIONS), with its audit entry."""
    attendance, audit_action = ATTENDANCE_ACTIONS[action]
    if attendance is not None and not attendance_possible(booking, now):
        raise AttendanceTooEarly(booking.reference)
    before = booking.attendance
    booking.attendance = attendance.value if attendance is not None else None
    record(session, audit_action, staff=staff, object_type="booking", object_id=booking.reference,
           client_address=client_address, detail={"before": before, "after": booking.attendance})


def set_note(session: Session, booking: Booking, note: str, staff: StaffUser, *, client_address: str = "") -> None:
    """The desk's note on a booking. It stays in the booking; the trail says that it changed."""
    booking.notes = note or ""
    record(session, "note", staff=staff, object_type="booking", object_id=booking.reference,
           client_address=client_address, detail={"length": len(booking.notes)})


# -- the phone desk --------------------------------------------------------------------------

def bookable_services(session: Session, site_id: int) -> list[Service]:
    return list(session.scalars(
        select(Service).join(ServiceCounters, ServiceCounters.service_id == Service.id)
        .where(ServiceCounters.site_id == site_id, ServiceCounters.counters > 0,
               Service.is_active, Service.needs_appointment).order_by(Service.name_de)))


def staff_free_times(session: Session, site_id: int, service_id: int, day: date, now: datetime) -> list[Slot]:
    """Free times of a day for the phone desk: the places kept for staff count too."""
    start, end = day_bounds(day)
    if end <= now:
        return []
    return free_slots(session, site_id, service_id, max(start, now), end, for_staff=True)


def book_by_phone(session: Session, slot_id: int, person: Person, staff: StaffUser, *, language: str,
                  now: datetime, mail_setup: BookingMailSetup, client_address: str = "") -> Booking:
    """Book for a caller (portal.appointments.booking.book_for_caller), confirm it by mail when
    the caller gave an address, and write the audit entry."""
    from portal.appointments.mails import send_booking_confirmed

    booking = book_for_caller(session, slot_id, person, staff_user_id=staff.id, language=language, now=now)
    if booking.email:
        send_booking_confirmed(session, booking, mail_setup)
    slot = booking.slot
    record(session, "book", staff=staff, object_type="booking", object_id=booking.reference,
           client_address=client_address,
           detail={"slot_id": slot.id, "site": slot.site.code, "service": slot.service.code,
                   "mail": bool(booking.email)})
    return booking


def staff_free_days(session: Session, site_id: int, service_id: int, after: date, now: datetime,
                    days: int = 42, limit: int = 5) -> list[tuple[date, int]]:
    """The next days after `after` with free times for the phone desk: [(day, number of times)]."""
    start, _ = day_bounds(after)
    _, end = day_bounds(after + timedelta(days=days))
    found: dict[date, int] = {}
    for slot in free_slots(session, site_id, service_id, max(start, now), end, for_staff=True):
        day = to_office_time(slot.starts_at).date()
        if day > after:
            found[day] = found.get(day, 0) + 1
    return sorted(found.items())[:limit]


# -- suspicious patterns ---------------------------------------------------------------------

ADDRESS, NETWORK, EMAIL_DOMAIN = "address", "network", "email_domain"


@dataclass
class PatternGroup:
    kind: str  # ADDRESS, NETWORK or EMAIL_DOMAIN
    key: str  # the address, the network (CIDR) or the domain
    bookings: list[Booking]  # newest first
    addresses: int  # distinct client addresses among them

    @property
    def newest(self) -> datetime:
        return aware(self.bookings[0].created_at)


def network_of(address: str) -> str | None:
    """The /24 (IPv4) or /48 (IPv6) an address belongs to; None for what is no address."""
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    prefix = IPV4_PREFIX if ip.version == 4 else IPV6_PREFIX
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def email_domain(email: str) -> str | None:
    local, at, domain = email.strip().rpartition("@")
    if not at or not local or not domain:
        return None
    return domain.lower().rstrip(".")


def _canonical_address(address: str) -> str | None:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return str(ip)


def open_future_bookings(session: Session, now: datetime) -> list[Booking]:
    return list(session.scalars(
        select(Booking).join(Slot, Booking.slot_id == Slot.id)
        .where(Booking.status.in_(ACTIVE_BOOKING_STATUSES), Slot.starts_at > now)
        .options(selectinload(Booking.slot).selectinload(Slot.service),
                 selectinload(Booking.slot).selectinload(Slot.site))
        .order_by(Booking.created_at.desc(), Booking.id.desc())))


def suspicious_groups(session: Session, now: datetime, threshold: int = SUSPICIOUS_THRESHOLD) -> list[PatternGroup]:
    """Open future bookings that share a client address, a network or an e-mail domain, where
    more than `threshold` share it; the group with the newest booking first.

    A network is shown only when its bookings come from more than one address (one address
    is its own group already). Staff bookings have no client address and count only by domain.
    """
    keys: dict[tuple[str, str], list[Booking]] = {}
    for booking in open_future_bookings(session, now):
        address = _canonical_address(booking.client_address or "")
        found = [(EMAIL_DOMAIN, email_domain(booking.email or ""))]
        if address:
            found += [(ADDRESS, address), (NETWORK, network_of(address))]
        for kind, key in found:
            if key:
                keys.setdefault((kind, key), []).append(booking)
    groups = []
    for (kind, key), bookings in keys.items():
        if len(bookings) <= threshold:
            continue
        addresses = len({_canonical_address(b.client_address or "") for b in bookings} - {None})
        if kind == NETWORK and addresses <= 1:
            continue
        groups.append(PatternGroup(kind, key, bookings, addresses))
    order = {ADDRESS: 0, NETWORK: 1, EMAIL_DOMAIN: 2}
    groups.sort(key=lambda g: (-g.newest.timestamp(), order[g.kind], g.key))
    return groups


# -- cancelling by the office ----------------------------------------------------------------

@dataclass
class CancelOutcome:
    cancelled: list[Booking] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)  # ids unknown, past or no longer active


def cancel_by_office(session: Session, booking_ids: Iterable[int], now: datetime, *, reason: str,
                     staff: StaffUser, mail_setup: BookingMailSetup, client_address: str = "") -> CancelOutcome:
    """Cancel future bookings for the office (no deadline); their places are given back,
    except on closed days, which stay closed. Each applicant with an e-mail address is told
    (the notice in the outbox, in the same transaction); each cancellation is audited."""
    from portal.appointments.mails import send_booking_cancelled

    def notify(booking: Booking) -> None:
        if booking.email:
            send_booking_cancelled(session, booking, mail_setup, by_office=True, reason=reason)
        record(session, "cancel", staff=staff, object_type="booking", object_id=booking.reference,
               client_address=client_address,
               detail={"reason": reason, "by_office": True, "notice": bool(booking.email),
                       "client_address": booking.client_address, "email_domain": email_domain(booking.email)})

    outcome = CancelOutcome()
    for booking_id in sorted(set(booking_ids)):
        booking = session.get(Booking, booking_id)
        if booking is None or booking.status not in ACTIVE_BOOKING_STATUSES or aware(booking.slot.starts_at) <= now:
            outcome.skipped.append(booking_id)
            continue
        try:
            cancel(session, booking, now, deadline_hours=0, by_staff=True)
        except BookingError:  # cancelled at the same moment elsewhere
            outcome.skipped.append(booking_id)
            continue
        outcome.cancelled.append(booking)
        notify(booking)
    reclose_days_of(session, [b.slot for b in outcome.cancelled])
    return outcome
