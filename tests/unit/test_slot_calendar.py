"""Slot times from opening hours: public holidays in Hesse, closures, DST change days,
and the booking window with its release time."""
from datetime import date, datetime, time, timedelta, timezone

from portal.appointments.calendar import bookable_days, opening_periods, slot_starts
from portal.domain.office_time import local_moment, public_holiday
from portal.models import OpeningHours, SiteBookingRules

WEEKDAYS = [OpeningHours(weekday=d, opens_at=time(8), closes_at=time(12)) for d in range(5)]
THURSDAY_AFTERNOON = OpeningHours(weekday=3, opens_at=time(14), closes_at=time(18))


def test_hessian_public_holidays():
    assert public_holiday(date(2026, 6, 4))  # Corpus Christi is a holiday in Hesse
    assert public_holiday(date(2026, 4, 3)) and public_holiday(date(2026, 4, 6))  # Good Friday, Easter Monday
    assert public_holiday(date(2026, 11, 18)) is None  # Repentance Day: Saxony only
    assert public_holiday(date(2026, 10, 31)) is None  # Reformation Day: not in Hesse


def test_opening_periods_skip_holidays_closures_and_closed_weekdays():
    hours = WEEKDAYS + [THURSDAY_AFTERNOON]
    assert opening_periods(hours, date(2026, 6, 4), set()) == []  # Corpus Christi (Thursday)
    assert opening_periods(hours, date(2026, 6, 11), set()) == [(time(8), time(12)), (time(14), time(18))]
    assert opening_periods(hours, date(2026, 12, 24), {date(2026, 12, 24)}) == []
    assert opening_periods(hours, date(2026, 6, 13), set()) == []  # Saturday


def test_slots_fill_each_period_and_never_run_past_closing():
    starts = slot_starts([(time(8), time(12)), (time(14), time(15, 10))], date(2026, 6, 11), 20)
    assert len(starts) == 12 + 3  # 08:00…11:40, then 14:00, 14:20, 14:40 (15:00 would end at 15:20)
    first, last = starts[0], starts[-1]
    assert first[0] == datetime(2026, 6, 11, 6, 0, tzinfo=timezone.utc)  # 08:00 summer time
    assert last[1] == datetime(2026, 6, 11, 13, 0, tzinfo=timezone.utc)  # 15:00 local


def test_times_are_right_on_both_sides_of_the_clock_changes():
    before = slot_starts([(time(8), time(9))], date(2026, 3, 27), 30)
    after = slot_starts([(time(8), time(9))], date(2026, 3, 30), 30)
    assert before[0][0] == datetime(2026, 3, 27, 7, 0, tzinfo=timezone.utc)  # winter: UTC+1
    assert after[0][0] == datetime(2026, 3, 30, 6, 0, tzinfo=timezone.utc)  # summer: UTC+2
    autumn = slot_starts([(time(8), time(9))], date(2026, 10, 26), 30)
    assert autumn[0][0] == datetime(2026, 10, 26, 7, 0, tzinfo=timezone.utc)


def test_a_period_across_the_spring_gap_has_real_length():
    # 01:00–04:00 on 29 March 2026 lasts two real hours: 02:00–03:00 does not exist.
    starts = slot_starts([(time(1), time(4))], date(2026, 3, 29), 60)
    assert len(starts) == 2
    assert local_moment(date(2026, 3, 29), time(2, 30)) is None
    # On the autumn day the hour repeats: 01:00–04:00 lasts four real hours.
    assert len(slot_starts([(time(1), time(4))], date(2026, 10, 25), 60)) == 4


def test_booking_window_opens_a_new_day_at_the_release_time():
    rules = SiteBookingRules(window_days=56, min_notice_days=1, release_time=time(7, 0))
    before = datetime(2026, 11, 23, 5, 59, tzinfo=timezone.utc)  # 06:59 in Berlin
    after = datetime(2026, 11, 23, 6, 0, tzinfo=timezone.utc)  # 07:00 in Berlin
    assert bookable_days(rules, before) == (date(2026, 11, 24), date(2026, 11, 23) + timedelta(days=55))
    assert bookable_days(rules, after) == (date(2026, 11, 24), date(2026, 11, 23) + timedelta(days=56))
    # Late evening in Berlin is already the next day there.
    late = datetime(2026, 11, 23, 23, 30, tzinfo=timezone.utc)
    assert bookable_days(rules, late)[0] == date(2026, 11, 25)
