"""Materialised slots: one row per site, service and start time, with its capacity.

The worker keeps them generated a little beyond every site's booking window; generating
again changes nothing (the unique key on site, service and start makes it idempotent).
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.appointments.calendar import bookable_days, opening_periods, slot_starts
from portal.domain.office_time import aware
from portal.models import ServiceCounters, SiteBookingRules, SiteClosure, Slot
from portal.models._types import utcnow


def generate_slots(session: Session, counters: ServiceCounters, first: date, last: date) -> int:
    """Create the missing slots of one service at one site for the days first..last."""
    site, service = counters.site, counters.service
    closed = set(session.scalars(select(SiteClosure.day).where(
        SiteClosure.site_id == site.id, SiteClosure.day.between(first, last))))
    existing = {_utc_key(s) for s in session.scalars(select(Slot.starts_at).where(
        Slot.site_id == site.id, Slot.service_id == service.id,
        Slot.starts_at >= datetime.combine(first, time.min, tzinfo=timezone.utc) - timedelta(days=1),
        Slot.starts_at <= datetime.combine(last, time.max, tzinfo=timezone.utc) + timedelta(days=1)))}
    created = 0
    day = first
    while day <= last:
        for start, end in slot_starts(opening_periods(site.opening_hours, day, closed), day,
                                      service.appointment_minutes):
            if _utc_key(start) in existing:
                continue
            session.add(Slot(site_id=site.id, service_id=service.id, starts_at=start, ends_at=end,
                             capacity=counters.counters, staff_reserved=counters.staff_counters))
            created += 1
        day += timedelta(days=1)
    return created


def _utc_key(moment: datetime) -> str:
    return aware(moment).astimezone(timezone.utc).strftime("%Y%m%d%H%M")


def ensure_slots(session: Session, now: datetime | None = None, extra_days: int = 7) -> int:
    """Slots for every site and service with counters, up to the end of the window (and a week more,
    so that the day released tomorrow morning exists already)."""
    now = now or utcnow()
    created = 0
    for counters in session.scalars(select(ServiceCounters).where(ServiceCounters.counters > 0)):
        if not counters.service.is_active or not counters.service.needs_appointment or not counters.site.is_active:
            continue
        rules = session.get(SiteBookingRules, counters.site_id)
        first, last = bookable_days(rules, now)
        created += generate_slots(session, counters, first, last + timedelta(days=extra_days))
    return created
