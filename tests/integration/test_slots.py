"""Materialised slots: generated from opening hours and counters, idempotent, eight weeks ahead."""
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import func, select

from portal.appointments.slots import ensure_slots, generate_slots
from portal.domain.office_time import OFFICE_TZ, public_holiday
from portal.models import SiteBookingRules, SiteClosure, Slot
from tests.support import booking_setup


def test_slots_follow_opening_hours_holidays_and_closures(db_session, sites):
    counters = booking_setup.counters(db_session, sites["WZ"], counters=3, staff=1)
    db_session.add(SiteClosure(site_id=sites["WZ"].id, day=date(2026, 12, 22), reason="Personalversammlung"))
    db_session.commit()
    created = generate_slots(db_session, counters, date(2026, 12, 21), date(2027, 1, 8))
    db_session.commit()
    slots = db_session.scalars(select(Slot).order_by(Slot.starts_at)).all()
    assert created == len(slots) > 0
    days = {s.starts_at.replace(tzinfo=timezone.utc).astimezone(OFFICE_TZ).date() for s in slots}
    assert date(2026, 12, 22) not in days  # closure
    assert date(2026, 12, 25) not in days and date(2027, 1, 1) not in days  # holidays
    assert all(d.weekday() in (0, 1, 3, 4) for d in days)  # Wetzlar: closed Wednesday and weekend
    assert not any(public_holiday(d) for d in days)
    assert {(s.capacity, s.staff_reserved) for s in slots} == {(3, 1)}
    # Card collection takes 10 minutes: Monday 8–12 gives 24 slots.
    monday = [s for s in slots if s.starts_at.replace(tzinfo=timezone.utc).astimezone(OFFICE_TZ).date() == date(2026, 12, 21)]
    assert len(monday) == 24

    assert generate_slots(db_session, counters, date(2026, 12, 21), date(2027, 1, 8)) == 0, "idempotent"


def test_ensure_slots_covers_the_window_of_every_site(db_session, sites):
    for site in sites.values():
        booking_setup.counters(db_session, site)
        db_session.add(SiteBookingRules(site_id=site.id, window_days=56))
    db_session.commit()
    now = datetime.now(timezone.utc)
    assert ensure_slots(db_session, now) > 0
    db_session.commit()
    last = db_session.scalar(select(func.max(Slot.starts_at)))
    last = last.replace(tzinfo=timezone.utc) if last.tzinfo is None else last
    assert last.date() >= (now + timedelta(days=56)).date()
    assert ensure_slots(db_session, now) == 0
    per_site = dict(db_session.execute(select(Slot.site_id, func.count()).group_by(Slot.site_id)).all())
    assert set(per_site) == {sites["WZ"].id, sites["DIL"].id}
