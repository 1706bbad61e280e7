"""A slot never holds more bookings than its capacity, under real parallel connections:
50 attempts on a slot with 2 places, through the domain, through HTTP, and on PostgreSQL
through two separate app processes."""
from __future__ import annotations

import http.cookiejar
import re
from datetime import time as dt_time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.appointments import booking as booking_rules
from portal.domain.office_time import OFFICE_TZ, aware
from portal.models import Booking, Slot
from portal.models._types import utcnow
from tests.support import booking_setup
from tests.support.app_factory import override_settings
from tests.support.app_process import AppProcess
from tests.support.helpers import in_parallel

ATTEMPTS = 50


def _places(db_session, slot_id: int) -> tuple[int, int]:
    db_session.expire_all()
    slot = db_session.get(Slot, slot_id)
    return slot.taken, db_session.scalar(select(func.count()).select_from(Booking).where(Booking.slot_id == slot_id))


def test_fifty_parallel_holds_through_the_domain(app, db_session, sites):
    slot_id = booking_setup.future_slot(db_session, sites["WZ"], capacity=2).id
    engine = db_session.get_bind()

    def attempt(index):
        with Session(engine) as session:
            try:
                booking_rules.hold(session, slot_id, language="tr", client_address=f"10.0.0.{index}",
                                   now=utcnow(), hold_minutes=10)
                session.commit()
                return "won"
            except booking_rules.SlotTaken:
                session.rollback()
                return "taken"
            except Exception as exc:  # noqa: BLE001 - any other outcome fails the test below
                import traceback

                session.rollback()
                return f"error: {exc!r} {traceback.format_exc()}"

    results = in_parallel(ATTEMPTS, attempt)
    assert sorted(set(results)) == ["taken", "won"], results
    assert results.count("won") == 2 and results.count("taken") == ATTEMPTS - 2
    assert _places(db_session, slot_id) == (2, 2)


def _client():
    jar = http.cookiejar.CookieJar()
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar),
                                       _NoRedirect())


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _open(opener, url, data=None):
    try:
        response = opener.open(url, data=urllib.parse.urlencode(data).encode() if data else None, timeout=60)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), error.headers
    return response.status, response.read().decode(), response.headers


def _race_over_http(base_urls: list[str], slot: Slot, day: str) -> list[tuple[int, str]]:
    """Every client first loads the day page (session and CSRF token), then all post at once."""
    slot_id = slot.id  # read here: the test's session must not be used from the threads
    prepared = []
    for index in range(ATTEMPTS):
        opener, base = _client(), base_urls[index % len(base_urls)]
        status, body, _ = _open(opener, f"{base}/tr/appointments/card-collection/WZ/{day}")
        assert status == 200, body[:300]
        token = re.search(r'name="csrf_token" value="([^"]+)"', body).group(1)
        prepared.append((opener, base, token))

    def attempt(index):
        opener, base, token = prepared[index]
        status, body, headers = _open(opener, f"{base}/tr/appointments/hold",
                                      {"csrf_token": token, "slot": slot_id})
        return status, headers.get("Location", "") if status == 302 else body

    return in_parallel(ATTEMPTS, attempt)


def _assert_exactly_two_won(results, db_session, slot):
    winners = [r for r in results if r[0] == 302]
    losers = [r for r in results if r[0] == 409]
    assert len(winners) == 2 and all(location.endswith("/tr/appointments/details") for _, location in winners)
    assert len(losers) == ATTEMPTS - 2, sorted({status for status, _ in results})
    # The loser's page says what happened, in Turkish, and offers the next free times.
    page = losers[0][1]
    assert 'name="slot"' in page and 'lang="tr"' in page
    assert _places(db_session, slot.id) == (2, 2)


@pytest.fixture
def no_human_check(app, monkeypatch):
    """All clients come from 127.0.0.1 here: the anti-bot check and the per-address limits would
    stop them before they reach the slot; they have tests of their own."""
    from portal.extensions import limiter

    override_settings(monkeypatch, app, human_check={"enabled": False})
    monkeypatch.setattr(limiter, "enabled", False)


def test_fifty_parallel_holds_through_http(app, db_session, sites, live_server, no_human_check):
    slot = booking_setup.future_slot(db_session, sites["WZ"], capacity=2)
    booking_setup.future_slot(db_session, sites["WZ"], capacity=3, at=dt_time(9, 10))
    booking_setup.counters(db_session, sites["WZ"])
    day = aware(slot.starts_at).astimezone(OFFICE_TZ).date().isoformat()
    results = _race_over_http([live_server], slot, day)
    _assert_exactly_two_won(results, db_session, slot)


@pytest.fixture
def two_app_processes(app, test_environ, tmp_path):
    """Two separate portal processes (own interpreters, own connection pools) on one database."""
    if not test_environ["PORTAL_DATABASE_URL"].startswith("postgresql"):
        pytest.skip("two app processes on one database: PostgreSQL")
    processes = []
    try:
        for n in range(2):
            processes.append(AppProcess(test_environ, tmp_path / f"app-{n}.log").start())
        yield [process.url for process in processes]
    finally:
        for process in processes:
            process.stop()


def test_fifty_parallel_holds_through_two_app_processes(db_session, sites, two_app_processes):
    slot = booking_setup.future_slot(db_session, sites["WZ"], capacity=2)
    booking_setup.future_slot(db_session, sites["WZ"], capacity=3, at=dt_time(9, 10))
    booking_setup.counters(db_session, sites["WZ"])
    day = aware(slot.starts_at).astimezone(OFFICE_TZ).date().isoformat()
    results = _race_over_http(two_app_processes, slot, day)
    _assert_exactly_two_won(results, db_session, slot)
