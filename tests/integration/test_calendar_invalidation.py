"""The cached month calendar shows which days have a free time: a hold moves its generation on
only when it took a day's last time, judged after the commit; the booking's own steps (details,
confirmation) never do."""
from __future__ import annotations

import http.cookiejar
import os
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import time as dt_time

import pytest
from sqlalchemy.orm import Session

from portal.appointments import booking as booking_rules
from portal.models import Slot
from portal.models._types import utcnow
from portal.public.page_cache import EXTENSION
from tests.support import booking_setup
from tests.support.app_process import AppProcess
from tests.support.booking_journey import book, day_of

CALENDAR = "/de/appointments/card-collection/WZ/"
# A Redis database of these tests' own: two app processes share their page cache there.
REDIS_URL = os.environ.get("PORTAL_TEST_CALENDAR_REDIS_URL", "redis://127.0.0.1:6379/11")


def _generation(app) -> int:
    return app.extensions[EXTENSION].store.generation("availability")


def _fill(db_session, slot: Slot, leave: int = 0) -> None:
    """All the slot's places but `leave` taken (as by earlier bookings)."""
    row = db_session.get(Slot, slot.id)
    row.taken = row.public_taken = row.capacity - leave
    db_session.commit()


def test_a_booking_that_leaves_its_day_a_free_time_keeps_the_cached_month(app, client, db_session, sites,
                                                                           bookable):
    from tests.integration.test_page_cache import statements

    first, _ = bookable
    day_link = f'href="{CALENDAR}{day_of(first)}"'
    assert day_link in app.test_client().get(CALENDAR).get_data(as_text=True)
    before = _generation(app)
    book(client, db_session, bookable)  # hold, details, confirmation: one of the day's four places
    assert _generation(app) == before
    with statements(app) as sent:
        page = app.test_client().get(CALENDAR).get_data(as_text=True)
    assert day_link in page
    assert len(sent) <= 2  # the cached page: no slot counted


def test_a_booking_that_takes_its_days_last_time_takes_the_day_off_the_month_at_once(app, client, db_session,
                                                                                    sites, bookable):
    first, second = bookable
    _fill(db_session, second)
    _fill(db_session, first, leave=1)
    day_link = f'href="{CALENDAR}{day_of(first)}"'
    assert day_link in app.test_client().get(CALENDAR).get_data(as_text=True)
    before = _generation(app)
    book(client, db_session, bookable)
    assert _generation(app) == before + 1  # the hold; details and confirmation moved nothing
    assert day_link not in app.test_client().get(CALENDAR).get_data(as_text=True)


def test_two_holds_taking_a_days_last_two_times_at_once(app, db_session, sites, bookable):
    """Each sees the other's time still free before it commits; the later commit's check sees both."""
    if db_session.get_bind().dialect.name != "postgresql":
        pytest.skip("two open write transactions at once: PostgreSQL")
    first, second = bookable
    _fill(db_session, first, leave=1)
    _fill(db_session, second, leave=1)
    day_link = f'href="{CALENDAR}{day_of(first)}"'
    assert day_link in app.test_client().get(CALENDAR).get_data(as_text=True)
    before = _generation(app)
    engine = db_session.get_bind()
    with Session(engine) as one, Session(engine) as other:
        for session, slot in ((one, first), (other, second)):
            booking_rules.hold(session, slot.id, language="de", client_address="10.0.0.1", now=utcnow(),
                               hold_minutes=10)
        one.commit()
        assert _generation(app) == before  # the other time was still free then
        other.commit()
    assert _generation(app) == before + 1
    assert day_link not in app.test_client().get(CALENDAR).get_data(as_text=True)


# -- across processes: two app processes sharing the page cache in Redis --------------------------

def _browser():
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect())


def _get(base: str, path: str, browser=None) -> str:
    with (browser or _browser()).open(base + path, timeout=30) as response:
        return response.read().decode()


def _hold(base: str, slot: Slot, day: str) -> int:
    browser = _browser()
    page = _get(base, f"/de/appointments/card-collection/WZ/{day}", browser)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    try:
        with browser.open(f"{base}/de/appointments/hold", timeout=30,
                          data=urllib.parse.urlencode({"csrf_token": token, "slot": slot.id}).encode()) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.fixture
def two_caching_processes(app, test_environ, tmp_path):
    import redis

    if not test_environ["PORTAL_DATABASE_URL"].startswith("postgresql"):
        pytest.skip("two app processes on one database: PostgreSQL")
    store = redis.Redis.from_url(REDIS_URL)
    try:
        store.flushdb()
    except redis.ConnectionError:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"no Redis at {REDIS_URL}")
    environ = {**test_environ, "PORTAL_PAGE_CACHE_URL": REDIS_URL}
    processes = []
    try:
        for n in range(2):
            processes.append(AppProcess(environ, tmp_path / f"app-{n}.log").start())
        yield [process.url for process in processes], store
    finally:
        for process in processes:
            process.stop()
        store.flushdb()


def test_every_process_stops_offering_a_day_once_its_last_time_is_held(db_session, sites, two_caching_processes):
    (one, other), store = two_caching_processes
    booking_setup.counters(db_session, sites["WZ"])
    first = booking_setup.future_slot(db_session, sites["WZ"], capacity=3)
    booking_setup.future_slot(db_session, sites["WZ"], capacity=2, at=dt_time(9, 10)).taken = 2
    db_session.get(Slot, first.id).taken = 1  # two places left on the day, both in the first slot
    db_session.commit()
    day = day_of(first)
    day_link = f'href="{CALENDAR}{day}"'
    assert all(day_link in _get(base, CALENDAR) for base in (one, other))  # made and kept by each

    def generation():
        return int(store.get("portal:pages:generation:availability") or 0)

    before = generation()
    assert _hold(one, first, day) == 302
    assert generation() == before  # a time is left: the cached months stay
    assert _hold(other, first, day) == 302  # the day's last time
    assert generation() == before + 1
    assert day_link not in _get(other, CALENDAR)  # at once where it was held
    deadline = time.monotonic() + 3  # elsewhere once the generation is read again (once a second)
    while day_link in _get(one, CALENDAR):
        assert time.monotonic() < deadline, "the other process still offers the full day"
        time.sleep(0.2)
