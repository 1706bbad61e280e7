"""What a site can take: the counters of each service carried over to existing slots, and the
days a site is closed (slots on such days keep only the places already taken).

No Flask and no texts here: the admin's changes come through portal.appointments.site_rules
(which writes their audit entries); the booking-rule views read the closed days.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, delete, func, not_, or_, select, true, update
from sqlalchemy.orm import Session, selectinload

from portal.appointments.slots import ensure_slots
from portal.domain.office_time import day_bounds, office_today, to_office_time
from portal.models import ACTIVE_BOOKING_STATUSES, Booking, ServiceCounters, SiteClosure, Slot

CLOSURE_MAX_DAYS_AHEAD = 2 * 366


def starts_on(day: date):
    """Condition: the slot starts on that local day."""
    start, end = day_bounds(day)
    return and_(Slot.starts_at >= start, Slot.starts_at < end)


@dataclass
class CountersApplied:
    updated: int  # future slots that got the new capacity
    kept: int  # future slots left as they were: more booked than the new numbers allow


def _closed_days(session: Session, site_id: int, now: datetime) -> list[date]:
    return list(session.scalars(select(SiteClosure.day).where(
        SiteClosure.site_id == site_id, SiteClosure.day >= office_today(now) - timedelta(days=1))))


def _not_on(days: Iterable[date]):
    conditions = [not_(starts_on(day)) for day in days]
    return and_(true(), *conditions)


def apply_counters(session: Session, counters: ServiceCounters, now: datetime,
                   only_day: date | None = None) -> CountersApplied:
    """Give the future slots of a service at a site the new capacity and staff share.

    One UPDATE whose condition keeps every slot valid: a slot never gets less capacity than it
    has bookings, nor a public share smaller than what applicants booked. Such slots keep their
    numbers (they are counted in `kept`). Slots on closed days are left closed.
    """
    capacity, reserved = counters.counters, counters.staff_counters
    scope = [Slot.site_id == counters.site_id, Slot.service_id == counters.service_id, Slot.starts_at > now,
             _not_on(d for d in _closed_days(session, counters.site_id, now) if d != only_day)]
    if only_day is not None:
        scope.append(starts_on(only_day))
    differs = or_(Slot.capacity != capacity, Slot.staff_reserved != reserved)
    updated = session.execute(
        update(Slot).where(*scope, differs, Slot.taken <= capacity, Slot.public_taken <= capacity - reserved)
        .values(capacity=capacity, staff_reserved=reserved)
        .execution_options(synchronize_session=False)).rowcount
    kept = session.scalar(select(func.count()).select_from(Slot).where(*scope, differs)) or 0
    return CountersApplied(updated, kept)


def close_slots_on_day(session: Session, site_id: int, day: date) -> int:
    """No new bookings on a closed day: slots that never had a booking are deleted, the others
    keep only the places that are taken. Returns the number of slots deleted.

    Run again after bookings on that day are cancelled, so that their places stay closed."""
    on_day = select(Slot.id).where(Slot.site_id == site_id, starts_on(day))
    ever_booked = select(Booking.slot_id).where(Booking.slot_id.in_(on_day))
    deleted = session.execute(
        delete(Slot).where(Slot.id.in_(on_day), Slot.taken == 0, Slot.id.not_in(ever_booked))
        .execution_options(synchronize_session=False)).rowcount
    session.execute(
        update(Slot).where(Slot.site_id == site_id, starts_on(day),
                           or_(Slot.capacity != Slot.taken, Slot.staff_reserved != Slot.taken - Slot.public_taken))
        .values(capacity=Slot.taken, staff_reserved=Slot.taken - Slot.public_taken)
        .execution_options(synchronize_session=False))
    return deleted


def reclose_days_of(session: Session, slots: Iterable[Slot]) -> None:
    """After places were given back: keep them closed where their day is a closure day."""
    days = {(slot.site_id, to_office_time(slot.starts_at).date()) for slot in slots}
    for site_id, day in days:
        if session.scalar(select(SiteClosure.id).where(SiteClosure.site_id == site_id, SiteClosure.day == day)):
            close_slots_on_day(session, site_id, day)


class ClosureError(ValueError):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def add_closure(session: Session, site_id: int, day: date, reason: str, now: datetime) -> tuple[SiteClosure, int]:
    """Close a site on a day (today or later): (the closure, slots deleted).
    Bookings on that day are kept; `bookings_on_closed_days` lists them for cancelling."""
    if day < office_today(now):
        raise ClosureError("past_day")
    if day > office_today(now) + timedelta(days=CLOSURE_MAX_DAYS_AHEAD):
        raise ClosureError("too_far")
    if session.scalar(select(SiteClosure.id).where(SiteClosure.site_id == site_id, SiteClosure.day == day)):
        raise ClosureError("already_closed")
    closure = SiteClosure(site_id=site_id, day=day, reason=reason.strip())
    session.add(closure)
    session.flush()
    return closure, close_slots_on_day(session, site_id, day)


def remove_closure(session: Session, closure: SiteClosure, now: datetime) -> None:
    """Open the day again: slots get their counters back and missing ones are generated."""
    site_id, day = closure.site_id, closure.day
    session.delete(closure)
    session.flush()
    for counters in session.scalars(select(ServiceCounters).where(ServiceCounters.site_id == site_id)):
        apply_counters(session, counters, now, only_day=day)
    ensure_slots(session, now)


@dataclass
class ClosedDay:
    closure: SiteClosure
    bookings: list[Booking]  # still active, earliest first


def bookings_on_closed_days(session: Session, site_id: int, now: datetime) -> list[ClosedDay]:
    """Every closure from today on, with the bookings that still hold a place on that day."""
    closures = session.scalars(select(SiteClosure).where(
        SiteClosure.site_id == site_id, SiteClosure.day >= office_today(now)).order_by(SiteClosure.day)).all()
    result = []
    for closure in closures:
        bookings = list(session.scalars(
            select(Booking).join(Slot, Booking.slot_id == Slot.id)
            .where(Slot.site_id == site_id, starts_on(closure.day), Slot.starts_at > now,
                   Booking.status.in_(ACTIVE_BOOKING_STATUSES))
            .options(selectinload(Booking.slot).selectinload(Slot.service))
            .order_by(Slot.starts_at, Booking.id)))
        result.append(ClosedDay(closure, bookings))
    return result
