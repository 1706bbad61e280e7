"""A Turkish-speaking applicant books a time at Wetzlar in Chromium (the anti-bot check solves
itself), confirms with the link from the mail, and cancels with the link from the next mail."""
import re

from playwright.sync_api import expect
from sqlalchemy import select

from portal.models import Booking, OutboundMail, Slot
from tests.support import booking_setup


def _link_from_last_mail(db_session, kind: str) -> str:
    db_session.expire_all()
    mail = db_session.scalars(select(OutboundMail).order_by(OutboundMail.id.desc())).first()
    assert mail.language == "tr"
    link = re.search(rf"https?://\S+/appointments/{kind}/[\w.-]+", mail.body_text).group(0)
    return "/" + link.split("://", 1)[1].split("/", 1)[1]  # the mail names the public address


def test_book_confirm_and_cancel_in_turkish(page, sites, db_session, live_server):
    booking_setup.counters(db_session, sites["WZ"], counters=2, staff=1)
    booking_setup.counters(db_session, sites["DIL"], counters=1, staff=0)
    slot = booking_setup.future_slot(db_session, sites["WZ"], capacity=2, staff_reserved=1)

    page.goto("/tr/appointments/")
    expect(page.locator("html")).to_have_attribute("lang", "tr")
    page.locator("a[href$='/tr/appointments/card-collection/']").click()
    page.locator("a[href$='/tr/appointments/card-collection/WZ/']").click()
    free_day = page.locator("a.calendar-day--free").first
    expect(free_day).to_be_visible()
    free_day.focus()
    page.keyboard.press("Enter")  # the calendar works with the keyboard

    expect(page.locator(f"#slot-{slot.id}")).not_to_be_checked()  # nothing is chosen beforehand
    page.locator(f"label[for=slot-{slot.id}]").click()
    # The anti-bot check runs by itself; the form can be sent once it has a solution.
    page.wait_for_function("() => { const f = document.querySelector('#hold-form input[name=altcha]');"
                           " return f && f.value.length > 0; }", timeout=60_000)
    page.locator("#hold-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/tr/appointments/details$"))

    page.locator("#f-surname").fill("Yılmaz")
    page.locator("#f-given_names").fill("Ayşe")
    page.locator("#f-date_of_birth-day").fill("2")
    page.locator("#f-date_of_birth-month").fill("11")
    page.locator("#f-date_of_birth-year").fill("1979")
    page.locator("#f-email").fill("ayse.yilmaz@example.org")
    page.locator("#details-form button[value=book]").click()
    expect(page.locator("div[role=status].kern-alert--warning")).to_contain_text("ayse.yilmaz@example.org")

    page.goto(_link_from_last_mail(db_session, "confirm"))
    expect(page.locator(".booking-status")).to_be_visible()
    db_session.expire_all()
    assert db_session.scalars(select(Booking)).one().status == "confirmed"

    page.goto(_link_from_last_mail(db_session, "manage"))
    page.locator("#cancel-start").click()  # asks first
    page.locator("#cancel-confirm").click()
    expect(page.locator(".kern-alert--info")).to_be_visible()
    db_session.expire_all()
    assert db_session.scalars(select(Booking)).one().status == "cancelled"
    assert db_session.get(Slot, slot.id).taken == 0
