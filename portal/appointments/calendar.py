"""When a site is open: opening hours minus public holidays (Hesse) and the site's closures,
and which days the booking window offers right now. All local times are Europe/Berlin."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from portal.domain.office_time import OFFICE_TZ, local_moment, public_holiday
from portal.models import OpeningHours, SiteBookingRules


def opening_periods(hours: list[OpeningHours], day: date, closed_days: set[date]) -> list[tuple[time, time]]:
    if day in closed_days or public_holiday(day):
        return []
    return [(h.opens_at, h.closes_at) for h in hours if h.weekday == day.weekday()]


def slot_starts(periods: list[tuple[time, time]], day: date, minutes: int) -> list[tuple[datetime, datetime]]:
    """(start, end) of each slot in the periods, as aware datetimes; a slot never runs past closing."""
    step = timedelta(minutes=minutes)
    result = []
    for opens, closes in periods:
        start = local_moment(day, opens)
        end_of_period = local_moment(day, closes)
        if start is None or end_of_period is None:
            continue
        # Walk in real (UTC) time, so a day with a clock change gets the right number of slots.
        cursor = start.astimezone(timezone.utc)
        limit = end_of_period.astimezone(timezone.utc)
        while cursor + step <= limit:
            result.append((cursor, cursor + step))
            cursor += step
    return result


def bookable_days(rules: SiteBookingRules | None, now: datetime) -> tuple[date, date]:
    """First and last day that applicants may book at this moment.

    The window ends `window_days` ahead; the newest day opens at `release_time`, for everybody
    at once, so that no one gains by refreshing the page at midnight.
    """
    window = rules.window_days if rules else 56
    notice = rules.min_notice_days if rules else 1
    release = rules.release_time if rules else time(7, 0)
    local_now = now.astimezone(OFFICE_TZ)
    today = local_now.date()
    last = today + timedelta(days=window)
    if local_now.time() < release:
        last -= timedelta(days=1)
    return today + timedelta(days=notice), last
