"""The office's clock (portal.domain.office_time): stored UTC moments, local days, clock changes."""
from datetime import date, datetime, time, timedelta, timezone

from portal.domain.office_time import (
    OFFICE_TZ, aware, day_bounds, from_office_time, local_date, office_today, start_of_day, to_office_time,
)


def test_a_stored_moment_gets_its_zone_back():
    naive = datetime(2026, 7, 1, 21, 30)  # as SQLite returns it
    assert aware(naive) == datetime(2026, 7, 1, 21, 30, tzinfo=timezone.utc)
    already = datetime(2026, 7, 1, 23, 30, tzinfo=OFFICE_TZ)
    assert aware(already) is already and aware(None) is None and to_office_time(None) is None
    assert to_office_time(naive).hour == 23  # summer time: UTC+2


def test_the_local_day_turns_at_local_midnight():
    assert local_date(datetime(2026, 7, 1, 21, 59)) == date(2026, 7, 1)
    assert local_date(datetime(2026, 7, 1, 22, 1)) == date(2026, 7, 2)
    assert local_date(datetime(2026, 1, 15, 22, 59)) == date(2026, 1, 15)   # winter: UTC+1
    assert office_today(datetime(2026, 12, 31, 23, 30, tzinfo=timezone.utc)) == date(2027, 1, 1)


def test_days_of_the_clock_changes_have_23_and_25_hours():
    for day, hours in ((date(2026, 3, 29), 23), (date(2026, 10, 25), 25), (date(2026, 6, 1), 24)):
        start, end = day_bounds(day)
        assert end - start == timedelta(hours=hours) and start.tzinfo == timezone.utc, day
        assert start == start_of_day(day)
    first, last = day_bounds(date(2026, 3, 28), date(2026, 3, 30))
    assert last - first == timedelta(hours=71)


def test_wall_clock_times_of_editors_become_utc():
    assert from_office_time(datetime(2026, 12, 24, 0, 0)) == datetime(2026, 12, 23, 23, 0, tzinfo=timezone.utc)
    # The hour that happens twice in autumn: its first occurrence (summer time).
    assert from_office_time(datetime(2026, 10, 25, 2, 30)) == datetime(2026, 10, 25, 0, 30, tzinfo=timezone.utc)
    assert to_office_time(from_office_time(datetime.combine(date(2026, 5, 4), time(8, 0)))).hour == 8
