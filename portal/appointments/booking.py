"""Holding, confirming, cancelling and moving bookings without ever overfilling a slot.

Every place in a slot is taken by one conditional UPDATE that re-checks the capacity in the
database (`... WHERE taken < capacity`): on PostgreSQL the row lock makes concurrent
requests wait and re-evaluate the condition, on SQLite writers are serialised; the CHECK
constraints on the slot are the last line of defence. No read-then-write in Python.
"""
from __future__ import annotations

import secrets
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from portal.appointments.calendar import bookable_days
from portal.appointments.capacity import reclose_days_of
from portal.caching.generation import AVAILABILITY, JUDGED_BY_AUTHOR, check_after_commit
from portal.domain.dates import PartialDate
from portal.domain.office_time import aware, day_bounds, local_date
from portal.models import (
    ACTIVE_BOOKING_STATUSES, Booking, BookingStatus, SiteBookingRules, Slot,
)
from portal.models._types import utcnow

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
# Latin letters that Unicode does not split into base letter and accent (Yılmaz = Yilmaz).
_NO_DECOMPOSITION = str.maketrans({"ı": "i", "ł": "l", "ø": "o", "đ": "d", "ħ": "h", "æ": "ae", "œ": "oe"})


class BookingError(ValueError):
    """A booking step that cannot be done; `code` says why (for the page to explain)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


class SlotTaken(BookingError):
    def __init__(self):
        super().__init__("slot_taken")


def person_key(surname: str, given_names: str) -> str:
    """Name for the one-open-booking rule: case, accents, spacing and order do not matter."""
    def fold(text: str) -> str:
        decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_NO_DECOMPOSITION))
        return "".join(ch for ch in decomposed if not unicodedata.combining(ch))

    parts = sorted(fold(f"{surname} {given_names}").replace("-", " ").split())
    return " ".join(parts)[:420]


def _new_reference() -> str:
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(8))
    return f"TER-{raw[:4]}-{raw[4:]}"


def _public_free():
    return and_(Slot.public_taken < Slot.capacity - Slot.staff_reserved, Slot.taken < Slot.capacity)


# -- reading -------------------------------------------------------------------------------

def free_slots(session: Session, site_id: int, service_id: int, first: datetime, last: datetime,
               *, for_staff: bool = False) -> list[Slot]:
    condition = Slot.taken < Slot.capacity if for_staff else _public_free()
    return list(session.scalars(select(Slot).where(
        Slot.site_id == site_id, Slot.service_id == service_id, Slot.starts_at >= first,
        Slot.starts_at < last, condition).order_by(Slot.starts_at)))


def window(session: Session, site_id: int, now: datetime) -> tuple[date, date]:
    return bookable_days(session.get(SiteBookingRules, site_id), now)


def free_days(session: Session, site_id: int, service_id: int, now: datetime) -> dict[date, int]:
    """{day: number of free times} within the bookable window."""
    first, last = window(session, site_id, now)
    start, end = day_bounds(first, last)
    days: dict[date, int] = {}
    # The start times only, not the slots: a calendar counts hundreds of them on every view, most
    # at a slot release (benchmarks/booking_rush.py); days are the office's, counted here.
    for starts_at in session.scalars(select(Slot.starts_at).where(
            Slot.site_id == site_id, Slot.service_id == service_id, Slot.starts_at >= max(start, now),
            Slot.starts_at < end, _public_free())):
        day = local_date(starts_at)
        days[day] = days.get(day, 0) + 1
    return days


def free_times_on(session: Session, site_id: int, service_id: int, day: date, now: datetime) -> list[Slot]:
    first, last = window(session, site_id, now)
    if not first <= day <= last:
        return []
    start, end = day_bounds(day, day)
    return free_slots(session, site_id, service_id, max(start, now), end)


def next_free_slots(session: Session, slot: Slot, now: datetime, limit: int = 5) -> list[Slot]:
    """What to offer instead when a time was just taken: the next free ones of the same service."""
    first, last = window(session, slot.site_id, now)
    _, end = day_bounds(first, last)
    return free_slots(session, slot.site_id, slot.service_id, max(aware(slot.starts_at), now), end)[:limit]


# -- taking and giving back places ------------------------------------------------------------

def day_is_full(connection, site_id: int, service_id: int, day: date) -> bool:
    """No time of the day left for applicants (from now on)."""
    start, end = day_bounds(day, day)
    return connection.execute(select(Slot.id).where(
        Slot.site_id == site_id, Slot.service_id == service_id, Slot.starts_at >= max(start, utcnow()),
        Slot.starts_at < end, _public_free()).limit(1)).first() is None


def _take_place(session: Session, slot_id: int, *, staff: bool) -> bool:
    values = {"taken": Slot.taken + 1}
    condition = Slot.taken < Slot.capacity
    if not staff:
        values["public_taken"] = Slot.public_taken + 1
        condition = _public_free()
    # The calendar's days change only when this was a day's last free time: judged after the
    # commit (check_after_commit), so that the month page is not made anew for every hold.
    taken = session.execute(
        update(Slot).where(Slot.id == slot_id, condition).values(**values)
        .returning(Slot.site_id, Slot.service_id, Slot.starts_at, Slot.taken, Slot.public_taken, Slot.capacity,
                   Slot.staff_reserved)
        .execution_options(synchronize_session=False, **{JUDGED_BY_AUTHOR: True})).first()
    if taken is None:
        return False
    if not (taken.public_taken < taken.capacity - taken.staff_reserved and taken.taken < taken.capacity):
        check_after_commit(session, AVAILABILITY, partial(
            day_is_full, site_id=taken.site_id, service_id=taken.service_id, day=local_date(taken.starts_at)))
    return True


def _give_back_place(session: Session, slot_id: int, *, staff: bool) -> None:
    values = {"taken": Slot.taken - 1}
    if not staff:
        values["public_taken"] = Slot.public_taken - 1
    session.execute(update(Slot).where(Slot.id == slot_id).values(**values)
                    .execution_options(synchronize_session=False))


def _keep_closed_days_closed(session: Session, slot_ids) -> None:
    """A place given back on a day the site has since closed must not become bookable."""
    slots = session.scalars(select(Slot).where(Slot.id.in_(set(slot_ids)))).all()
    if slots:
        reclose_days_of(session, slots)


def release_expired_holds(session: Session, now: datetime | None = None, slot_id: int | None = None) -> int:
    """Expire holds and unconfirmed bookings past their time and free their places.

    The UPDATE ... RETURNING claims each booking once, so two workers never free a place twice.
    """
    now = now or utcnow()
    statement = (update(Booking)
                 .where(Booking.status.in_([BookingStatus.HELD, BookingStatus.UNCONFIRMED]),
                        Booking.held_until < now)
                 .values(status=BookingStatus.EXPIRED)
                 .returning(Booking.slot_id, Booking.staff_booking)
                 .execution_options(synchronize_session=False))
    if slot_id is not None:
        statement = statement.where(Booking.slot_id == slot_id)
    expired = session.execute(statement).all()
    for freed_slot, staff in expired:
        _give_back_place(session, freed_slot, staff=staff)
    if expired:
        _keep_closed_days_closed(session, [freed_slot for freed_slot, _ in expired])
    return len(expired)


# -- the applicant's way ---------------------------------------------------------------------

@dataclass(frozen=True)
class Person:
    surname: str
    given_names: str
    date_of_birth: PartialDate
    email: str
    phone: str = ""


def hold(session: Session, slot_id: int, *, language: str, client_address: str, now: datetime,
         hold_minutes: int, submission_id: int | None = None) -> Booking:
    """Reserve one place while the applicant fills in the form; SlotTaken when none is left."""
    slot = session.get(Slot, slot_id)
    if slot is None:
        raise BookingError("unknown_slot")
    first, last = window(session, slot.site_id, now)
    local_day = local_date(slot.starts_at)
    if not first <= local_day <= last or aware(slot.starts_at) <= now:
        raise BookingError("outside_window")
    release_expired_holds(session, now, slot_id=slot_id)
    if not _take_place(session, slot_id, staff=False):
        raise SlotTaken()
    booking = Booking(reference=_new_reference(), token_hash=secrets.token_hex(16), slot_id=slot_id,
                      status=BookingStatus.HELD, language=language, client_address=client_address[:64],
                      held_until=now + timedelta(minutes=hold_minutes), submission_id=submission_id)
    session.add(booking)
    session.flush()
    return booking


def extend_hold(session: Session, booking: Booking, *, now: datetime, hold_minutes: int,
                max_extensions: int) -> Booking:
    """Keep a held time `hold_minutes` longer from now, at most `max_extensions` times (WCAG 2.2.1:
    a time limit the user can extend). One conditional UPDATE, so the worker that releases
    expired holds and a second click never meet half-way: a hold that ran out stays expired."""
    extended = session.execute(
        update(Booking)
        .where(Booking.id == booking.id, Booking.status == BookingStatus.HELD, Booking.held_until >= now,
               Booking.hold_extensions < max_extensions)
        .values(held_until=now + timedelta(minutes=hold_minutes), hold_extensions=Booking.hold_extensions + 1)
        .execution_options(synchronize_session=False)).rowcount
    session.refresh(booking)
    if extended != 1:
        held = booking.status == BookingStatus.HELD and aware(booking.held_until) >= now
        raise BookingError("no_more_extensions" if held else "hold_expired")
    return booking


def _open_bookings_of(session: Session, service_id: int, now: datetime, *, key: str, born: PartialDate,
                      email: str, exclude: int):
    def same(column, value):
        return column.is_(None) if value is None else column == value

    same_person = and_(Booking.person_key == key, same(Booking.dob_year, born.year),
                       same(Booking.dob_month, born.month), same(Booking.dob_day, born.day))
    # Callers on the phone may have no e-mail address: then only the person counts.
    matches = or_(same_person, func.lower(Booking.email) == email.lower()) if email else same_person
    return session.scalars(
        select(Booking).join(Slot).where(
            Slot.service_id == service_id, Slot.starts_at > now, Booking.id != exclude,
            Booking.status.in_([BookingStatus.UNCONFIRMED, BookingStatus.CONFIRMED]), matches)).first()


def give_details(session: Session, booking: Booking, person: Person, *, now: datetime,
                 confirm_minutes: int) -> Booking:
    """Name, date of birth and e-mail of a held booking; it now waits for the click in the mail."""
    if booking.status != BookingStatus.HELD or aware(booking.held_until) < now:
        raise BookingError("hold_expired")
    key = person_key(person.surname, person.given_names)
    if _open_bookings_of(session, booking.slot.service_id, now, key=key, born=person.date_of_birth,
                         email=person.email, exclude=booking.id):
        raise BookingError("already_booked")
    booking.surname, booking.given_names = person.surname, person.given_names
    booking.person_key, booking.date_of_birth = key, person.date_of_birth
    booking.email, booking.phone = person.email, person.phone
    booking.status = BookingStatus.UNCONFIRMED
    booking.held_until = now + timedelta(minutes=confirm_minutes)
    return booking


def confirm(session: Session, booking: Booking, now: datetime) -> Booking:
    if booking.status == BookingStatus.CONFIRMED:
        return booking  # the link clicked twice
    if booking.status != BookingStatus.UNCONFIRMED or aware(booking.held_until) < now:
        raise BookingError("confirmation_expired")
    booking.status = BookingStatus.CONFIRMED
    booking.confirmed_at = now
    booking.held_until = None
    return booking


def can_change(booking: Booking, now: datetime, deadline_hours: int) -> bool:
    return (booking.status in ACTIVE_BOOKING_STATUSES
            and aware(booking.slot.starts_at) - now >= timedelta(hours=deadline_hours))


CANCEL_REASON_LENGTH = 500


def cancel(session: Session, booking: Booking, now: datetime, *, deadline_hours: int, by_staff: bool = False,
           reason: str = "") -> Booking:
    """Cancel and give the place back; `reason` is what the applicant wrote (optional)."""
    if booking.status not in ACTIVE_BOOKING_STATUSES:
        raise BookingError("not_active")
    if not by_staff and not can_change(booking, now, deadline_hours):
        raise BookingError("too_late")
    reason = " ".join((reason or "").split())[:CANCEL_REASON_LENGTH]
    claimed = session.execute(update(Booking).where(Booking.id == booking.id,
                                                    Booking.status.in_(ACTIVE_BOOKING_STATUSES))
                              .values(status=BookingStatus.CANCELLED, cancelled_at=now, cancel_reason=reason)
                              .execution_options(synchronize_session=False)).rowcount
    if claimed != 1:  # cancelled at the same moment by another request
        raise BookingError("not_active")
    _give_back_place(session, booking.slot_id, staff=booking.staff_booking)
    _keep_closed_days_closed(session, [booking.slot_id])
    session.refresh(booking)
    return booking


def reschedule(session: Session, booking: Booking, new_slot_id: int, now: datetime, *,
               deadline_hours: int) -> Booking:
    """Move a confirmed booking to another time of the same service; the name stays."""
    if booking.status != BookingStatus.CONFIRMED or not can_change(booking, now, deadline_hours):
        raise BookingError("too_late")
    new_slot = session.get(Slot, new_slot_id)
    if new_slot is None or new_slot.service_id != booking.slot.service_id or new_slot.id == booking.slot_id:
        raise BookingError("unknown_slot")
    first, last = window(session, new_slot.site_id, now)
    if not first <= local_date(new_slot.starts_at) <= last:
        raise BookingError("outside_window")
    release_expired_holds(session, now, slot_id=new_slot_id)
    if not _take_place(session, new_slot_id, staff=booking.staff_booking):
        raise SlotTaken()
    old_slot_id = booking.slot_id
    _give_back_place(session, old_slot_id, staff=booking.staff_booking)
    _keep_closed_days_closed(session, [old_slot_id])
    booking.slot_id = new_slot_id
    booking.token_hash = secrets.token_hex(16)  # links in older mails stop working
    booking.reminder_sent_at = None
    session.flush()
    session.refresh(booking)
    return booking


def book_for_caller(session: Session, slot_id: int, person: Person, *, staff_user_id: int, language: str,
                    now: datetime) -> Booking:
    """The phone desk books directly (confirmed), using the places kept for staff first."""
    slot = session.get(Slot, slot_id)
    if slot is None or aware(slot.starts_at) <= now:
        raise BookingError("unknown_slot")
    key = person_key(person.surname, person.given_names)
    if _open_bookings_of(session, slot.service_id, now, key=key, born=person.date_of_birth,
                         email=person.email, exclude=0):
        raise BookingError("already_booked")
    release_expired_holds(session, now, slot_id=slot_id)
    if not _take_place(session, slot_id, staff=True):
        raise SlotTaken()
    booking = Booking(reference=_new_reference(), token_hash=secrets.token_hex(16), slot_id=slot_id,
                      status=BookingStatus.CONFIRMED, staff_booking=True, booked_by_id=staff_user_id,
                      surname=person.surname, given_names=person.given_names,
                      person_key=person_key(person.surname, person.given_names),
                      date_of_birth=person.date_of_birth, email=person.email, phone=person.phone,
                      language=language, confirmed_at=now)
    session.add(booking)
    session.flush()
    return booking
