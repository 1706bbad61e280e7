"""The team leads' figures, computed from the submissions and their status history."""
from datetime import date, datetime, time, timedelta, timezone

from portal.casework.statistics import finished_per_day, queue_age, queue_size_by_day
from portal.domain.office_time import OFFICE_TZ, working_days_between
from portal.models import SubmissionStatusChange
from tests.support.helpers import sign_in


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=OFFICE_TZ).astimezone(timezone.utc)


def test_working_days_skip_weekends_and_hessian_holidays():
    assert working_days_between(date(2026, 12, 23), date(2026, 12, 28)) == 2  # Thu 24, (25+26 holidays), Mon 28
    assert working_days_between(date(2026, 11, 20), date(2026, 11, 23)) == 1  # Friday → Monday
    assert working_days_between(date(2026, 11, 23), date(2026, 11, 23)) == 0


def test_queue_size_finished_and_age(db_session, make_submission):
    today = date(2026, 11, 23)
    stays_open = make_submission(surname="Offen").submission
    finished = make_submission(surname="Erledigt").submission
    stays_open.received_at = _at(today - timedelta(days=10))
    finished.received_at = _at(today - timedelta(days=3))
    finished.status = "closed"
    finished.history.append(SubmissionStatusChange(status="closed", at=_at(today - timedelta(days=1))))
    db_session.commit()

    sizes = queue_size_by_day(db_session, today, days=5)
    (site, points), = sizes.items()
    assert site == "Wetzlar"
    assert [n for _, n in points] == [1, 2, 2, 1, 1]  # days -4 … 0: finished one leaves on day -1
    assert finished_per_day(db_session, today, days=3) == [
        (today - timedelta(days=2), 0), (today - timedelta(days=1), 1), (today, 0)]
    (row,) = queue_age(db_session, today, target_days=5)
    assert (row.site, row.open_items, row.oldest_days, row.overdue) == ("Wetzlar", 1, 6, 1)


def test_statistics_page_for_team_leads(client, make_staff, make_submission):
    make_submission()
    sign_in(client, make_staff("team_lead").email)
    body = client.get("/backoffice/statistics").get_data(as_text=True)
    assert body.count("<svg") == 2 and "<table" in body and "Wetzlar" in body
