"""The office's clock and calendar: its time zone (Europe/Berlin), stored moments as aware
datetimes, local days, wall-clock times that survive the clock changes, Hessian public
holidays and working days.

Every stored moment is UTC. SQLite hands datetimes back without their zone, so whatever reads
a moment from the database goes through `aware` before comparing or converting it.
"""
from __future__ import annotations

import bisect
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from typing import overload
from zoneinfo import ZoneInfo

import holidays

OFFICE_TZ = ZoneInfo("Europe/Berlin")


# -- moments -----------------------------------------------------------------------------------

@overload
def aware(moment: datetime) -> datetime: ...
@overload
def aware(moment: None) -> None: ...
def aware(moment: datetime | None) -> datetime | None:
    """A stored moment with its zone (UTC) attached when the database dropped it."""
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


@overload
def to_office_time(moment: datetime) -> datetime: ...
@overload
def to_office_time(moment: None) -> None: ...
def to_office_time(moment: datetime | None) -> datetime | None:
    """A stored (UTC) moment on the office's clock."""
    if moment is None:
        return None
    return aware(moment).astimezone(OFFICE_TZ)


def from_office_time(local: datetime) -> datetime:
    """A naive wall-clock time of the office → an aware UTC moment. In the autumn hour that
    happens twice, its first occurrence; a spring time that does not exist is read in winter
    time, one hour later in summer time (zoneinfo's rule for `fold=0`)."""
    if local.tzinfo is not None:
        return local.astimezone(timezone.utc)
    return local.replace(tzinfo=OFFICE_TZ, fold=0).astimezone(timezone.utc)


def local_date(moment: datetime) -> date:
    """The office's calendar day of a stored moment."""
    return to_office_time(moment).date()


def office_today(now: datetime) -> date:
    return now.astimezone(OFFICE_TZ).date()


def local_moment(day: date, clock: time) -> datetime | None:
    """The aware moment of a wall-clock time, or None when the clock skips it (DST spring change)."""
    moment = datetime.combine(day, clock, tzinfo=OFFICE_TZ)
    round_trip = moment.astimezone(timezone.utc).astimezone(OFFICE_TZ)
    return moment if round_trip.replace(tzinfo=None) == moment.replace(tzinfo=None) else None


def start_of_day(day: date) -> datetime:
    """Local midnight at the start of `day`, in UTC."""
    return datetime.combine(day, time.min, tzinfo=OFFICE_TZ).astimezone(timezone.utc)


def day_bounds(first: date, last: date | None = None) -> tuple[datetime, datetime]:
    """[start, end) of the local days first..last (default: one day), in UTC; a day is 23 or 25
    hours long when the clocks change."""
    return start_of_day(first), start_of_day((last or first) + timedelta(days=1))


# -- holidays and working days -----------------------------------------------------------------

@lru_cache(maxsize=16)
def _public_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("DE", subdiv="HE", years=year)


def public_holiday(day: date) -> str | None:
    """The name of the Hessian public holiday on that day, if any."""
    return _public_holidays(day.year).get(day)


@lru_cache(maxsize=32)
def _weekday_holidays(year: int) -> tuple[date, ...]:
    """Hessian public holidays of the year that fall on Monday to Friday, sorted."""
    day, end, found = date(year, 1, 1), date(year, 12, 31), []
    while day <= end:
        if day.weekday() < 5 and public_holiday(day):
            found.append(day)
        day += timedelta(days=1)
    return tuple(found)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and public_holiday(day) is None


def _weekdays(first: date, last: date) -> int:
    """Mondays to Fridays in [first, last]."""
    if last < first:
        return 0
    weeks, rest = divmod((last - first).days + 1, 7)
    start = first.weekday()
    return weeks * 5 + sum(1 for i in range(rest) if (start + i) % 7 < 5)


def working_days_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end`: received on Friday, it is one
    working day old on Monday; received today, zero."""
    if end <= start:
        return 0
    first = start + timedelta(days=1)
    found = 0
    for year in range(first.year, end.year + 1):
        days = _weekday_holidays(year)
        found += bisect.bisect_right(days, end) - bisect.bisect_left(days, first)
    return _weekdays(first, end) - found


def add_working_days(start: date, count: int) -> date:
    """The `count`-th working day after `start` (the day a target of `count` days runs out)."""
    day = start
    while count > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            count -= 1
    return day


def nth_working_day_back(today: date, n: int) -> date:
    """The n-th working day counting back from today (today itself is the first if it is one)."""
    day = today
    while not is_working_day(day):
        day -= timedelta(days=1)
    for _ in range(n - 1):
        day -= timedelta(days=1)
        while not is_working_day(day):
            day -= timedelta(days=1)
    return day
