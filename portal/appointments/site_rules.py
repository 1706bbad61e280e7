"""The admin's changes to a site's booking rules: the booking window, the counters per service,
closed days. Each change carries over to the slots (portal.appointments.capacity and .slots)
and writes its audit entry; the caller commits.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.appointments import capacity
from portal.appointments.slots import ensure_slots
from portal.audit import record
from portal.models import Booking, Service, ServiceCounters, Site, SiteBookingRules, SiteClosure, StaffUser


def _window(rules: SiteBookingRules) -> dict:
    return {"window_days": rules.window_days, "min_notice_days": rules.min_notice_days,
            "release_time": rules.release_time.strftime("%H:%M") if rules.release_time else None}


def change_window(session: Session, site: Site, staff: StaffUser, *, window_days: int, min_notice_days: int,
                  release_time: time, now: datetime, client_address: str = "") -> int:
    """How far ahead and from when applicants book at the site; returns the new slots made."""
    rules = session.get(SiteBookingRules, site.id)
    if rules is None:
        rules = SiteBookingRules(site_id=site.id)
        session.add(rules)
    before = _window(rules)
    rules.window_days, rules.min_notice_days, rules.release_time = window_days, min_notice_days, release_time
    session.flush()
    created = ensure_slots(session, now)
    record(session, "change", staff=staff, object_type="site_booking_rules", object_id=site.code,
           client_address=client_address, detail={"before": before, "after": _window(rules), "slots_created": created})
    return created


@dataclass(frozen=True)
class CountersChanged:
    updated: int  # future slots that got the new numbers
    kept: int  # future slots that keep their old numbers: more is booked there than the new ones allow
    created: int  # new slots


def change_counters(session: Session, site: Site, staff: StaffUser, wanted: dict[Service, tuple[int, int]], *,
                    now: datetime, client_address: str = "") -> CountersChanged:
    """The counters of each service at the site, (all, kept for the phone desk), carried over
    to the future slots; services not in `wanted` stay as they are."""
    existing = {c.service_id: c for c in session.scalars(
        select(ServiceCounters).where(ServiceCounters.site_id == site.id))}
    changes, updated, kept = {}, 0, 0
    for service, (total, staff_counters) in wanted.items():
        row = existing.get(service.id)
        if row is None:
            row = ServiceCounters(site_id=site.id, service_id=service.id, counters=0, staff_counters=0)
            session.add(row)
        if (row.counters, row.staff_counters) == (total, staff_counters):
            continue
        changes[service.code] = {"before": [row.counters, row.staff_counters], "after": [total, staff_counters]}
        row.counters, row.staff_counters = total, staff_counters
        session.flush()
        applied = capacity.apply_counters(session, row, now)
        updated, kept = updated + applied.updated, kept + applied.kept
    created = ensure_slots(session, now)
    record(session, "change", staff=staff, object_type="service_counters", object_id=site.code,
           client_address=client_address,
           detail={"changes": changes, "slots_updated": updated, "slots_kept": kept, "slots_created": created})
    return CountersChanged(updated, kept, created)


def close_day(session: Session, site: Site, staff: StaffUser, day: date, reason: str, *, now: datetime,
              client_address: str = "") -> tuple[SiteClosure, list[Booking]]:
    """Close the site on a day (capacity.add_closure; ClosureError as there): the closure and
    the bookings on that day, kept until someone cancels them."""
    closure, deleted = capacity.add_closure(session, site.id, day, reason, now)
    affected = next((c.bookings for c in capacity.bookings_on_closed_days(session, site.id, now)
                     if c.closure.id == closure.id), [])
    record(session, "add_closure", staff=staff, object_type="site_closure", object_id=closure.id,
           client_address=client_address, detail={"site": site.code, "day": closure.day.isoformat(),
                                                  "reason": closure.reason, "slots_deleted": deleted,
                                                  "bookings_affected": [b.reference for b in affected]})
    return closure, affected


def open_day(session: Session, site: Site, staff: StaffUser, closure: SiteClosure, *, now: datetime,
             client_address: str = "") -> None:
    """Open a closed day again (capacity.remove_closure)."""
    closure_id, day, reason = closure.id, closure.day, closure.reason
    capacity.remove_closure(session, closure, now)
    record(session, "remove_closure", staff=staff, object_type="site_closure", object_id=closure_id,
           client_address=client_address, detail={"site": site.code, "day": day.isoformat(), "reason": reason})
