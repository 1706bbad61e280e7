"""Every applicant served equally, in Chromium, in German, Arabic and Persian (issue 15):

- every public page type fits a 320 px wide screen without sideways scrolling;
- Persian digits are read as digits (postcode, phone, dates, reference), a Solar Hijri year gets
  the hint that the Gregorian date is needed, and Persian pages show Persian digits only;
- the held appointment time warns before it ends (announced, in the page's language) and can be
  kept longer without losing what was typed;
- cancelling asks first, and no time is chosen beforehand;
- errors are announced: page title, focus, aria-invalid and aria-describedby on every kind of input.

One browser context per test (the session's live server and browser are shared); form steps that
are not under test are sent through the context's own request API (same cookies as the page).
"""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask_babel import force_locale, gettext
from playwright.sync_api import expect
from sqlalchemy import select, update

from tests.support import booking_setup, samples
from tests.support.helpers import solve_human_check

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
LATIN_DIGIT = re.compile(r"[0-9]")
# Where a page is wider than the screen: the elements whose right (or, right to left, left) edge
# lies outside it, for the failure message.
OVERFLOW = """() => {
  const root = document.documentElement, width = root.clientWidth;
  const culprits = [];
  if (root.scrollWidth > width) {
    for (const el of document.body.querySelectorAll('*')) {
      const box = el.getBoundingClientRect();
      if (box.width && (box.right > width + 0.5 || box.left < -0.5)) {
        culprits.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
                      (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '') +
                      ' ' + Math.round(box.left) + '..' + Math.round(box.right));
        if (culprits.length > 6) break;
      }
    }
  }
  return {scrollWidth: root.scrollWidth, clientWidth: width, culprits};
}"""


@pytest.fixture
def narrow(browser, live_server):
    """A phone-sized page: 320 CSS pixels wide (WCAG 1.4.10)."""
    context = browser.new_context(base_url=live_server, viewport={"width": 320, "height": 640})
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


def _text(app, lang: str, message: str, **variables) -> str:
    with app.test_request_context(f"/{lang}/"), force_locale(lang):
        return gettext(message, **variables)


def _csrf(page, path: str) -> str:
    response = page.request.get(path)
    assert response.ok, (path, response.status)
    return CSRF.search(response.text()).group(1)


def _post(page, path: str, data: dict | None = None, *, token_from: str | None = None, multipart=None):
    token = _csrf(page, token_from or path)
    if multipart is not None:
        response = page.request.post(path, multipart={**multipart, "csrf_token": token}, max_redirects=0)
    else:
        response = page.request.post(path, form={**(data or {}), "csrf_token": token}, max_redirects=0)
    assert response.status in (200, 302, 303), (path, response.status, response.text()[:300])
    return response


def _seed(db_session, sites):
    from portal.content.seed import load_seed_content
    from portal.models._types import utcnow

    load_seed_content(db_session, utcnow())
    db_session.commit()
    booking_setup.counters(db_session, sites["WZ"], counters=2, staff=1)
    booking_setup.counters(db_session, sites["DIL"], counters=1, staff=0)  # two sites: the choice is shown
    first = booking_setup.future_slot(db_session, sites["WZ"], capacity=3, staff_reserved=0)
    later = booking_setup.future_slot(db_session, sites["WZ"], capacity=3, staff_reserved=0, days_ahead=4)
    return first, later


def _day(slot) -> str:
    from portal.domain.office_time import OFFICE_TZ, aware

    return aware(slot.starts_at).astimezone(OFFICE_TZ).date().isoformat()


def _hold(page, live_server, lang: str, slot):
    day_page = f"/{lang}/appointments/card-collection/WZ/{_day(slot)}"
    _post(page, f"/{lang}/appointments/hold", {"slot": str(slot.id), "altcha": solve_human_check(live_server, lang),
                                              "service": "card-collection", "site": "WZ", "day": _day(slot)},
          token_from=day_page)


def _confirmed_booking(app, db_session, slot, lang: str) -> str:
    """A booking confirmed by mail, and its manage link."""
    from portal.appointments import booking as rules
    from portal.appointments import links
    from portal.config import secret_keys
    from portal.domain.dates import PartialDate
    from portal.models._types import utcnow

    now = utcnow()
    booking = rules.hold(db_session, slot.id, language=lang, client_address="192.0.2.9", now=now, hold_minutes=10)
    rules.give_details(db_session, booking, rules.Person("رضایی", "مریم", PartialDate(1990, 5, 3),
                                                         "maryam.rezaei@example.org"), now=now, confirm_minutes=60)
    rules.confirm(db_session, booking, now)
    db_session.commit()
    token = links.make_token(secret_keys(app.config), booking, links.MANAGE)
    return f"/{lang}/appointments/manage/{token}"


# -- small screens --------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["de", "ar", "fa"])
def test_every_public_page_fits_320_pixels(narrow, app, lang, sites, db_session, make_submission, live_server):
    from portal.forms.catalogue import PUBLIC_CATALOGUE

    page = narrow
    slot, later = _seed(db_session, sites)
    known = make_submission(language=lang)
    manage = _confirmed_booking(app, db_session, later, lang)
    too_wide, checked = {}, []

    def measure(label: str, path: str | None = None, status: int = 200):
        if path is not None:
            response = page.goto(path)
            assert response.status == status, (path, response.status)
        page.wait_for_load_state("load")
        found = page.evaluate(OVERFLOW)
        checked.append(label)
        if found["scrollWidth"] > found["clientWidth"]:
            too_wide[f"{label} ({page.url})"] = found

    measure("start", f"/{lang}/")
    measure("services", f"/{lang}/services/")
    for entry in PUBLIC_CATALOGUE:
        measure(f"service {entry.code}", f"/{lang}/services/{entry.code}/")
    measure("contact", f"/{lang}/contact")
    for slug in ("fees", "first-visit", "contact", "accessibility", "easy-language", "privacy", "imprint"):
        measure(f"page {slug}", f"/{lang}/pages/{slug}")
    measure("search", f"/{lang}/search?q=Wetzlar")
    measure("not found", f"/{lang}/no-such-page", status=404)

    # An application: every kind of step, with errors too.
    code, base = "temporary-protection", f"/{lang}/apply/temporary-protection"
    _post(page, f"/{lang}/services/{code}/start", token_from=f"/{lang}/services/{code}/")
    page.goto(f"{base}/identity")
    page.locator("button[name=action][value=continue]").click()
    expect(page.locator("#error-summary")).to_be_visible()
    measure("identity with errors")
    for step, data in samples.STEPS[code].items():
        measure(f"step {step}", f"{base}/{step}")
        _post(page, f"{base}/{step}", {**data, "action": "continue"})
    measure("documents", f"{base}/documents")
    files = {f"file-{slot_key}": {"name": name, "mimeType": "application/octet-stream", "buffer": content()}
             for slot_key, ((name, content), *_rest) in samples.FILES[code].items()}
    _post(page, f"{base}/documents", multipart={**files, "action": "upload"})
    measure("documents with uploads", f"{base}/documents")
    _post(page, f"{base}/documents", {"action": "continue"})
    measure("review", f"{base}/review")
    _post(page, f"{base}/review", {"action": "continue"})
    measure("declaration", f"{base}/declaration")
    measure("save for later", f"{base}/save")

    measure("status lookup", f"/{lang}/status/")
    measure("status page", f"/{lang}/status/open?reference={known.submission.reference}&code={known.status_code}")

    # Booking: every step, the confirmation mail's page and the manage link's pages.
    measure("appointments", f"/{lang}/appointments/")
    measure("appointment sites", f"/{lang}/appointments/card-collection/")
    measure("calendar", f"/{lang}/appointments/card-collection/WZ/")
    measure("day", f"/{lang}/appointments/card-collection/WZ/{_day(slot)}")
    _hold(page, live_server, lang, slot)
    measure("details", f"/{lang}/appointments/details")
    page.locator("#f-surname").fill("Karimi")
    page.locator("#f-given_names").fill("Sara")
    page.locator("#f-date_of_birth-year").fill("1994")
    page.locator("#f-email").fill("sara.karimi@example.org")
    page.locator("#details-form button[value=book]").click()
    expect(page.locator("div[role=status].kern-alert--warning")).to_contain_text("sara.karimi@example.org")
    measure("check your mail")
    measure("manage", manage)
    measure("cancel?", manage + "/cancel")
    measure("move", manage + f"/move?day={_day(slot)}")

    assert len(checked) >= 35, checked
    assert not too_wide, f"{lang}: pages wider than 320 px: {too_wide}"


# -- digits ------------------------------------------------------------------------------------------

def test_persian_digits_are_read_as_digits_and_shown_as_persian(narrow, app, sites, db_session, make_submission):
    from portal.models import ApplicationDraft

    page, code = narrow, "temporary-protection"
    base = f"/fa/apply/{code}"
    _post(page, f"/fa/services/{code}/start", token_from=f"/fa/services/{code}/")
    page.goto(f"{base}/identity")
    page.locator("#f-surname").fill("رضایی")
    page.locator("#f-given_names").fill("مریم")
    page.locator("#f-date_of_birth-day").fill("۲۷")
    page.locator("#f-date_of_birth-month").fill("۳")
    page.locator("#f-date_of_birth-year").fill("۱۳۶۹")  # a Solar Hijri year
    page.locator("#f-place_of_birth").fill("تهران")
    page.locator("#f-nationality").select_option("IRN")
    page.locator("button[name=action][value=continue]").click()
    calendar_hint = _text(app, "fa", "This looks like a year of the Iranian or the Islamic calendar. Please enter the "
                                     "date in the Gregorian calendar, as in your passport, for example 27 3 1987.")
    expect(page.locator("#f-date_of_birth-error")).to_have_text(calendar_hint)
    assert "۲۷ ۳ ۱۹۸۷" in calendar_hint, "the example is written in Persian digits"
    page.locator("#f-date_of_birth-year").fill("۱۹۹۰")
    page.locator("button[name=action][value=continue]").click()
    expect(page).to_have_url(re.compile(r"/contact$"))

    page.locator("#f-email").fill("maryam.rezaei@example.org")
    page.locator("#f-phone").fill("۰۶۴۴۱ ۱۲۳۴۵۶")
    page.locator("#f-street").fill("Karl-Kellner-Ring ۱۲")
    page.locator("#f-postcode").fill("۳۵۵۷۶")  # Wetzlar, in Persian digits
    page.locator("#f-city").fill("Wetzlar")
    page.locator("button[name=action][value=continue]").click()
    expect(page).to_have_url(re.compile(r"/protection$"))
    # One digit system on the page: the step indicator counts in Persian digits.
    expect(page.locator("#step-compact")).to_contain_text("۳")
    assert not LATIN_DIGIT.search(page.locator("#step-compact").inner_text())

    db_session.expire_all()
    values = db_session.scalars(select(ApplicationDraft)).one().values
    assert values["date_of_birth"] == "1990-03-27"
    assert values["postcode"] == "35576" and values["phone"] == "06441 123456"
    assert values["street"] == "Karl-Kellner-Ring 12"

    # A reference and a status code typed in Persian digits open the status page.
    known = make_submission(language="fa")
    persian = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
    page.goto("/fa/status/")
    page.locator("#f-reference").fill(known.submission.reference.translate(persian))
    page.locator("#f-status_code").fill(known.status_code.translate(persian))
    page.locator("form.narrow-form button[type=submit]").click()
    expect(page.locator(".current-status")).to_be_visible()
    expect(page.locator("#status-meaning")).to_be_visible()


def test_persian_calendar_and_times_use_persian_digits_only(narrow, sites, db_session):
    page = narrow
    slot, _later = _seed(db_session, sites)
    page.goto("/fa/appointments/card-collection/WZ/")
    calendar = page.locator(".month-calendar").inner_text()
    assert re.search(r"[۰-۹]", calendar) and not LATIN_DIGIT.search(calendar), calendar
    # Weekday headers: a short visible name, the full one for screen readers.
    expect(page.locator(".month-calendar th").first.locator(".visually-hidden")).to_have_text("دوشنبه")
    page.goto(f"/fa/appointments/card-collection/WZ/{_day(slot)}")
    times = page.locator(".time-choices").inner_text() + page.locator("h1").inner_text()
    assert re.search(r"[۰-۹]", times) and not LATIN_DIGIT.search(times), times


# -- the held time -------------------------------------------------------------------------------------

def test_the_held_time_warns_before_it_ends_and_can_be_kept_longer(narrow, app, sites, db_session, live_server):
    from portal.models import Booking
    from portal.models._types import utcnow

    page = narrow
    slot, _later = _seed(db_session, sites)
    _hold(page, live_server, "ar", slot)
    # Little time left: 2 minutes and 5 seconds.
    db_session.execute(update(Booking).values(held_until=utcnow() + timedelta(seconds=125)))
    db_session.commit()
    page.goto("/ar/appointments/details")
    expect(page.locator("#hold-left")).to_contain_text("دقيقتين")  # the dual, without the number
    page.locator("#f-surname").fill("الحسن")
    page.locator("#f-given_names").fill("محمد")
    warning = page.locator("#hold-warning")
    expect(warning).to_have_attribute("role", "alert")
    expect(warning).to_contain_text("ينتهي الوقت المحجوز لك بعد", timeout=15_000)  # "... ends in"
    warning.locator("button").click()  # "keep this time for 10 more minutes"

    expect(page.locator("#hold-extended")).to_be_visible()
    expect(page.locator("#hold-extended")).to_be_focused()
    expect(page.locator("#f-surname")).to_have_value("الحسن")  # nothing typed is lost
    expect(page.locator("#f-given_names")).to_have_value("محمد")
    db_session.expire_all()
    booking = db_session.scalars(select(Booking)).one()
    assert booking.hold_extensions == 1 and booking.status == "held"
    from portal.domain.office_time import aware

    assert timedelta(minutes=9) < aware(booking.held_until) - utcnow() <= timedelta(minutes=10)
    expect(page.locator("#hold-extend-hint")).to_contain_text("مرة واحدة")  # once more: the singular form
    # The last extension, then none is offered any more.
    page.locator("#hold-extend").click()
    expect(page.locator("#hold-extended")).to_be_visible()
    expect(page.locator("#hold-extend")).to_have_count(0)
    db_session.expire_all()
    assert db_session.scalars(select(Booking)).one().hold_extensions == 2


def test_without_javascript_the_page_says_until_when_the_time_is_held(browser, live_server, app, sites, db_session):
    from portal.models import Booking
    from portal.models._types import utcnow

    context = browser.new_context(base_url=live_server, java_script_enabled=False, viewport={"width": 320, "height": 640})
    try:
        page = context.new_page()
        slot, _later = _seed(db_session, sites)
        _hold(page, live_server, "de", slot)
        db_session.execute(update(Booking).values(held_until=utcnow() + timedelta(seconds=100)))
        db_session.commit()
        page.goto("/de/appointments/details")
        booking = db_session.scalars(select(Booking)).one()
        from portal.domain.office_time import to_office_time

        until = to_office_time(booking.held_until).strftime("%H:%M")
        expect(page.locator("#hold-left")).to_contain_text(f"bis {until} Uhr")
        expect(page.locator("#hold-left")).to_contain_text("noch 1 Minute.")  # never "1 Minuten"
        expect(page.locator("#hold-warning")).to_contain_text("in 1 Minute")
        page.locator("#f-surname").fill("Kaya")
        page.locator("#hold-extend").click()
        expect(page.locator("#hold-extended")).to_be_visible()
        expect(page.locator("#f-surname")).to_have_value("Kaya")
    finally:
        context.close()


# -- cancelling and choosing a time ------------------------------------------------------------------

def test_cancelling_asks_first_and_no_time_is_chosen_beforehand(narrow, app, sites, db_session, live_server):
    from portal.models import Booking

    page = narrow
    slot, later = _seed(db_session, sites)
    manage = _confirmed_booking(app, db_session, later, "fa")
    page.goto(manage)
    expect(page.locator("form[action$='/cancel']")).to_have_count(0)  # no one-click cancelling
    page.locator("#cancel-start").click()
    expect(page).to_have_url(re.compile(r"/cancel$"))
    db_session.expire_all()
    assert db_session.scalars(select(Booking)).one().status == "confirmed", "showing the question cancels nothing"
    page.locator("#f-reason").fill("کارم را نمی‌توانم ترک کنم")
    page.locator("#cancel-confirm").click()
    expect(page.locator(".kern-alert--info")).to_be_visible()
    db_session.expire_all()
    cancelled = db_session.scalars(select(Booking)).one()
    assert cancelled.status == "cancelled" and cancelled.cancel_reason == "کارم را نمی‌توانم ترک کنم"

    # The times of a day: none chosen beforehand; sent without one, the day says so.
    page.goto(f"/fa/appointments/card-collection/WZ/{_day(slot)}")
    expect(page.locator("input[name=slot]:checked")).to_have_count(0)
    page.wait_for_function("() => { const f = document.querySelector('#hold-form input[name=altcha]');"
                           " return f && f.value.length > 0; }", timeout=60_000)
    page.locator("#hold-form button[type=submit]").click()
    expect(page.locator("#error-summary")).to_be_focused()
    expect(page.locator("#slot-error")).to_contain_text(_text(app, "fa", "Please choose a time."))
    expect(page.locator(f"#slot-{slot.id}")).to_have_attribute("aria-invalid", "true")
    assert page.title().startswith(_text(app, "fa", "Error") + ":")


# -- errors that everyone perceives -----------------------------------------------------------------------

def _described_by(page, selector: str) -> str:
    """The texts an input's aria-describedby names (each id must exist)."""
    return page.evaluate("""(selector) => {
      const input = document.querySelector(selector);
      return (input.getAttribute('aria-describedby') || '').split(/\\s+/).filter(Boolean)
        .map(id => { const el = document.getElementById(id); if (!el) throw new Error('no #' + id); return el.textContent; })
        .join(' | ');
    }""", selector)


def _assert_announced(page, selector: str, message: str):
    expect(page.locator(selector)).to_have_attribute("aria-invalid", "true")
    assert message in _described_by(page, selector), (selector, message)


@pytest.mark.parametrize("lang", ["de", "ar", "fa"])
def test_errors_are_announced(narrow, app, lang, sites, db_session):
    page, code = narrow, "temporary-protection"
    base = f"/{lang}/apply/{code}"
    error_prefix = _text(app, lang, "Error") + ":"
    _post(page, f"/{lang}/services/{code}/start", token_from=f"/{lang}/services/{code}/")

    # Field steps: text inputs, the three date inputs, a radio group.
    page.goto(f"{base}/identity")
    assert not page.title().startswith(error_prefix)
    page.locator("#f-date_of_birth-day").fill("31")
    page.locator("#f-date_of_birth-month").fill("2")
    page.locator("#f-date_of_birth-year").fill("1990")
    page.locator("button[name=action][value=continue]").click()
    expect(page.locator("#error-summary")).to_be_focused()
    assert page.title().startswith(error_prefix), page.title()
    required = _text(app, lang, "This field is required.")
    _assert_announced(page, "#f-surname", required)
    not_a_date = _text(app, lang, "This is not a real date. Enter day, month and year as numbers, for example 27 3 1987.")
    for part in ("day", "month", "year"):
        _assert_announced(page, f"#f-date_of_birth-{part}", not_a_date)
    # The error gives the same example as the hint.
    example = re.search(r"[0-9۰-۹]+ [0-9۰-۹]+ [0-9۰-۹]+", not_a_date).group(0)
    assert example in page.locator("#f-date_of_birth-hint").inner_text()

    _post(page, f"{base}/identity", {**samples.STEPS[code]["identity"], "action": "continue"})
    _post(page, f"{base}/contact", {**samples.STEPS[code]["contact"], "action": "continue"})
    page.goto(f"{base}/protection")
    page.locator("button[name=action][value=continue]").click()
    expect(page.locator("#error-summary")).to_be_focused()
    for radio in page.locator("input[name=status_in_ukraine]").all():
        expect(radio).to_have_attribute("aria-invalid", "true")
    _assert_announced(page, "#f-status_in_ukraine", _text(app, lang, "This field is required."))
    _post(page, f"{base}/protection", {**samples.STEPS[code]["protection"], "action": "continue"})

    # A refused upload: the file input names its reason; an accepted image: focus on the result.
    page.goto(f"{base}/documents")
    expect(page.locator("#f-file-passport-chosen")).to_have_text(_text(app, lang, "No file chosen"))
    page.locator("#f-file-passport").set_input_files(
        files=[{"name": "kaputt.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.7 broken"}])
    expect(page.locator("#f-file-passport-chosen")).to_contain_text("kaputt.pdf")
    page.locator("button[name=action][value=upload]").click()
    expect(page.locator("#error-summary")).to_be_visible()
    expect(page.locator("#error-summary")).to_be_focused()
    assert page.title().startswith(error_prefix)
    expect(page.locator("#f-file-passport")).to_have_attribute("aria-invalid", "true")
    assert "kaputt.pdf" in _described_by(page, "#f-file-passport")
    page.locator("#f-file-photo").set_input_files(
        files=[{"name": "foto.png", "mimeType": "image/png", "buffer": samples.png_bytes()}])
    page.locator("button[name=action][value=upload]").click()
    expect(page.locator("#upload-result")).to_be_focused()
    expect(page.locator("#upload-result")).to_contain_text("foto.png")
    thumbnail = page.locator("img.upload-thumbnail").first
    expect(thumbnail).to_be_visible()
    # Visible is not loaded: the preview arrives a moment later (it once had not yet). A broken
    # image never loads, and the wait ends in a timeout.
    page.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=thumbnail.element_handle(),
                           timeout=10_000)
    files = {f"file-{slot_key}": {"name": name, "mimeType": "application/octet-stream", "buffer": content()}
             for slot_key, ((name, content), *_rest) in samples.FILES[code].items() if slot_key != "photo"}
    _post(page, f"{base}/documents", multipart={**files, "action": "upload"})
    _post(page, f"{base}/documents", {"action": "continue"})
    _post(page, f"{base}/review", {"action": "continue"})

    # The declaration: sent without the tick.
    page.goto(f"{base}/declaration")
    expect(page.locator("#privacy-note a")).to_have_attribute("href", f"/{lang}/pages/privacy")
    page.locator("form[action$='/submit'] button[type=submit]").click()
    expect(page.locator("#error-summary")).to_be_focused()
    assert page.title().startswith(error_prefix)
    _assert_announced(page, "#f-declaration", _text(app, lang, "Please confirm the declaration."))
