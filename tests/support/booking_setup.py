"""Slots for booking tests: a service that needs an appointment, at the Wetzlar site."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from portal.domain.office_time import OFFICE_TZ
from portal.models import Service, ServiceCounters, Slot


def service(db_session, code: str = "card-collection") -> Service:
    return db_session.scalar(select(Service).where(Service.code == code))


def future_slot(db_session, site, *, capacity: int = 2, staff_reserved: int = 0, days_ahead: int = 3,
                at: time = time(9, 0), code: str = "card-collection") -> Slot:
    day = date.today() + timedelta(days=days_ahead)
    start = datetime.combine(day, at, tzinfo=OFFICE_TZ)
    chosen = service(db_session, code)
    slot = Slot(site_id=site.id, service_id=chosen.id, starts_at=start,
                ends_at=start + timedelta(minutes=chosen.appointment_minutes),
                capacity=capacity, staff_reserved=staff_reserved)
    db_session.add(slot)
    db_session.commit()
    return slot


def counters(db_session, site, *, counters: int = 2, staff: int = 1, code: str = "card-collection"):
    row = ServiceCounters(site_id=site.id, service_id=service(db_session, code).id, counters=counters,
                          staff_counters=staff)
    db_session.add(row)
    db_session.commit()
    return row
