"""In Chromium the anti-bot check solves itself under the portal's Content-Security-Policy,
in the page's language, and the time is reserved."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.appointments.calendar import bookable_days
from portal.appointments.slots import generate_slots
from portal.domain.office_time import OFFICE_TZ, aware
from portal.models import Booking, BookingStatus, Service, ServiceCounters, Slot
from portal.models._types import utcnow


@pytest.fixture
def day_url(db_session, sites):
    service = db_session.scalar(select(Service).where(Service.code == "card-collection"))
    counters = ServiceCounters(site_id=sites["WZ"].id, service_id=service.id, counters=2, staff_counters=0)
    db_session.add(counters)
    db_session.flush()
    first, last = bookable_days(None, utcnow())
    generate_slots(db_session, counters, first, min(last, first + timedelta(days=14)))
    db_session.commit()
    slot = db_session.scalars(select(Slot).order_by(Slot.starts_at)).first()
    day = aware(slot.starts_at).astimezone(OFFICE_TZ).date().isoformat()
    return lambda lang: f"/{lang}/appointments/card-collection/WZ/{day}"


@pytest.fixture
def problems(page):
    """Script errors and CSP violations the page reports."""
    found = []
    page.on("pageerror", lambda error: found.append(str(error)))
    page.on("console", lambda message: found.append(message.text)
            if message.type == "error" or "Content Security Policy" in message.text else None)
    return found


def test_the_check_solves_itself_and_the_time_is_reserved(page, day_url, problems, db_session):
    page.goto(day_url("de"))
    widget = page.locator("altcha-widget .altcha")
    # Solved without anyone touching it, labelled in German.
    expect(widget).to_have_attribute("data-state", "verified", timeout=30_000)
    expect(page.locator("altcha-widget .altcha-label")).to_have_text("Überprüft")
    payload = page.locator('altcha-widget input[name="altcha"]').input_value()
    assert len(payload) > 100
    # Its styles come from our stylesheet (none inline), its worker from our /static.
    assert page.evaluate("getComputedStyle(document.querySelector('altcha-widget .altcha')).display") == "flex"

    page.locator("#hold-form input[name=slot]").first.check()  # no time is chosen beforehand
    page.locator("#hold-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/de/appointments/details$"))
    booking = db_session.scalars(select(Booking)).one()
    assert booking.status == BookingStatus.HELD and booking.language == "de"
    assert not problems, problems


def test_the_check_reads_right_to_left_in_persian(page, day_url, problems):
    page.goto(day_url("fa"))
    widget = page.locator("altcha-widget .altcha")
    expect(widget).to_have_attribute("data-state", "verified", timeout=30_000)
    label = page.locator("altcha-widget .altcha-label")
    expect(label).not_to_have_text("Verified")
    assert page.evaluate("getComputedStyle(document.querySelector('altcha-widget .altcha')).direction") == "rtl"
    # The label stands to the left of the checkbox, as Persian is read.
    checkbox = page.locator("altcha-widget input[type=checkbox]").bounding_box()
    assert label.bounding_box()["x"] < checkbox["x"]
    assert not problems, problems
