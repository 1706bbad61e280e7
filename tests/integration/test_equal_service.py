"""Every applicant served equally (issue 15), through the test client on a real database: labels
in the page's language, the held time kept longer within bounds, cancelling that asks first, the
privacy notice and imprint in seven languages, errors in the title, status in plain words, line
breaks kept, notices that collapse after first sight, previews of uploaded images."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask_babel import force_locale, gettext, ngettext
from sqlalchemy import select, update

from portal.config import LANGUAGES
from portal.models import Booking, BookingStatus, Slot, Submission
from tests.support import samples
from tests.support.app_factory import override_settings
from tests.support.booking_journey import PERSON, book, day_of, fill_details, hold
from tests.support.helpers import Applicant, csrf_token_from


def _t(app, lang: str, message: str, **variables) -> str:
    with app.test_request_context(f"/{lang}/"), force_locale(lang):
        return gettext(message, **variables)


def _nt(app, lang: str, singular: str, plural: str, num: int, **variables) -> str:
    with app.test_request_context(f"/{lang}/"), force_locale(lang):
        return ngettext(singular, plural, num, **variables)


def _seed_content(db_session):
    from portal.content.seed import load_seed_content
    from portal.models._types import utcnow

    load_seed_content(db_session, utcnow())
    db_session.commit()


# -- 2. the booking status in the applicant's language ------------------------------------------------

@pytest.mark.parametrize("lang", ["uk", "ar", "fa", "tr"])
def test_the_booking_status_is_in_the_applicants_language(app, client, db_session, bookable, lang):
    from tests.support import booking_journey

    slot, _ = bookable
    page = client.get(f"/{lang}/appointments/card-collection/WZ/{day_of(slot)}")
    client.post(f"/{lang}/appointments/hold", data={"csrf_token": csrf_token_from(page.get_data(as_text=True)),
                                                   "slot": slot.id})
    booking_journey.fill_details(client, lang=lang)
    manage = client.get(booking_journey.mail_link(db_session, "confirm"))
    body = client.get(manage.headers["Location"]).get_data(as_text=True)
    status = re.search(r'class="kern-description-list-item__value booking-status">([^<]+)<', body).group(1)
    assert status == _t(app, lang, "Booked")
    assert status not in ("Confirmed", "Bestätigt", "Booked")


# -- 3. the held time --------------------------------------------------------------------------------

def _details(client, lang="tr"):
    return client.get(f"/{lang}/appointments/details")


def _extend(client, data=None, lang="tr"):
    token = csrf_token_from(_details(client, lang).get_data(as_text=True))
    return client.post(f"/{lang}/appointments/details", data={**(data or {}), "csrf_token": token, "action": "extend"})


def test_the_held_time_can_be_kept_longer_a_bounded_number_of_times(app, client, db_session, bookable, monkeypatch):
    from portal.domain.office_time import aware
    from portal.models._types import utcnow

    override_settings(monkeypatch, app, booking={"hold_extensions": 2, "hold_minutes": 10})
    slot, _ = bookable
    hold(client, slot, lang="de")
    db_session.execute(update(Booking).values(held_until=utcnow() + timedelta(seconds=90)))
    db_session.commit()
    page = _details(client, "de").get_data(as_text=True)
    # Without JavaScript: until when, and how long, in words with the right plural; the warning is there.
    assert "noch 1 Minute." in page and "noch 1 Minuten" not in page
    assert 'id="hold-warning" role="alert"><p' in page
    assert _nt(app, "de", "Keep this time for %(num)s more minute", "Keep this time for %(num)s more minutes", 10) in page

    response = _extend(client, {"surname": "Kaya", "given_names": "Fatma"}, lang="de")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert 'id="hold-extended"' in body and 'value="Kaya"' in body and 'value="Fatma"' in body, "nothing typed is lost"
    db_session.expire_all()
    booking = db_session.scalars(select(Booking)).one()
    assert booking.hold_extensions == 1
    assert timedelta(minutes=9) < aware(booking.held_until) - utcnow() <= timedelta(minutes=10)

    assert 'id="hold-extended"' in _extend(client, lang="de").get_data(as_text=True)
    refused = _extend(client, lang="de").get_data(as_text=True)
    assert "hold-extended" not in refused and 'id="hold-extend"' not in refused
    assert _t(app, "de", "This time cannot be kept any longer. Please finish the booking before the time runs out, "
                         "or choose another time.") in refused
    db_session.expire_all()
    assert db_session.scalars(select(Booking)).one().hold_extensions == 2


def test_a_hold_that_ran_out_is_not_brought_back(app, client, db_session, bookable):
    from portal.appointments.booking import BookingError, extend_hold
    from portal.models._types import utcnow

    slot, _ = bookable
    hold(client, slot)
    token = csrf_token_from(_details(client).get_data(as_text=True))
    db_session.execute(update(Booking).values(held_until=utcnow() - timedelta(seconds=1)))
    db_session.commit()
    response = client.post("/tr/appointments/details", data={"csrf_token": token, "action": "extend"})
    assert response.status_code == 410
    booking = db_session.scalars(select(Booking)).one()
    with pytest.raises(BookingError) as refused:
        extend_hold(db_session, booking, now=utcnow(), hold_minutes=10, max_extensions=5)
    assert refused.value.code == "hold_expired"
    db_session.rollback()


# -- 4. cancelling asks first; no time chosen beforehand -------------------------------------------------

def test_cancelling_asks_first_and_keeps_the_reason_for_the_office(app, client, db_session, bookable, make_staff):
    from tests.support.helpers import sign_in

    manage = book(client, db_session, bookable).split("?")[0]
    page = client.get(manage).get_data(as_text=True)
    assert 'method="post" action="' + manage + '/cancel"' not in page, "no one-click cancelling"
    question = client.get(manage + "/cancel")
    assert question.status_code == 200
    db_session.expire_all()
    assert db_session.scalars(select(Booking)).one().status == BookingStatus.CONFIRMED
    token = csrf_token_from(question.get_data(as_text=True))
    client.post(manage + "/cancel", data={"csrf_token": token})  # without the confirming button: nothing
    db_session.expire_all()
    assert db_session.scalars(select(Booking)).one().status == BookingStatus.CONFIRMED
    response = client.post(manage + "/cancel", data={"csrf_token": token, "confirm": "yes",
                                                     "reason": "  İş yerinden\nizin alamadım  "})
    assert response.status_code == 302
    db_session.expire_all()
    booking = db_session.scalars(select(Booking)).one()
    assert booking.status == BookingStatus.CANCELLED and booking.cancel_reason == "İş yerinden izin alamadım"
    assert db_session.get(Slot, bookable[0].id).taken == 0

    staff = client.application.test_client()
    sign_in(staff, make_staff("caseworker", "WZ").email)
    office = staff.get(f"/backoffice/appointments/booking?reference={booking.reference}")
    assert office.status_code == 200
    assert 'id="cancel-reason"' in office.get_data(as_text=True)
    assert "İş yerinden izin alamadım" in office.get_data(as_text=True)


def test_no_time_is_chosen_beforehand_and_sending_none_says_so(app, client, db_session, bookable):
    slot, _ = bookable
    page = client.get(f"/tr/appointments/card-collection/WZ/{day_of(slot)}").get_data(as_text=True)
    assert "checked" not in re.search(r'<div class="kern-fieldset__body time-choices">.*?</fieldset>', page, re.S).group(0)
    response = client.post("/tr/appointments/hold", data={"csrf_token": csrf_token_from(page), "service": "card-collection",
                                                          "site": "WZ", "day": day_of(slot)})
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert _t(app, "tr", "Please choose a time.") in body and 'aria-invalid="true"' in body
    assert f"<title>{_t(app, 'tr', 'Error')}: " in body
    assert db_session.scalar(select(Booking.id)) is None


# -- 5. privacy notice and imprint ----------------------------------------------------------------------

@pytest.mark.parametrize("lang", LANGUAGES)
def test_privacy_notice_and_imprint_in_every_language_from_every_page(app, client, db_session, sites, lang):
    _seed_content(db_session)
    for path in ("/", "/services/", "/contact", "/status/", "/appointments/", "/no-such-page"):
        body = client.get(f"/{lang}{path}").get_data(as_text=True)
        footer = body[body.index('<footer'):]
        assert f'href="/{lang}/pages/privacy"' in footer and f'href="/{lang}/pages/imprint"' in footer, (lang, path)
    privacy = client.get(f"/{lang}/pages/privacy")
    imprint = client.get(f"/{lang}/pages/imprint")
    assert privacy.status_code == imprint.status_code == 200
    text = privacy.get_data(as_text=True)
    assert "content-fallback-note" not in text, "written in this language"
    for must in ("Kreisausschuss des Lahn-Dill-Kreises", "§ 86 AufenthG", "Art. 6 Abs. 1 lit. e DSGVO",
                 "Gustav-Stresemann-Ring 1, 65189 Wiesbaden", "datenschutz@lahn-dill.example"):
        assert must in text or must in re.sub(r"<[^>]+>", "", text), (lang, must)
    assert "content-fallback-note" not in imprint.get_data(as_text=True)
    assert "Landgraf-Philipp-Platz" in imprint.get_data(as_text=True)


def test_the_declaration_and_the_booking_details_link_the_privacy_notice(client, db_session, sites, bookable):
    applicant = Applicant(client, "ar")
    code = "general-enquiry"
    applicant.start(code)
    for step, data in samples.STEPS[code].items():
        applicant.step(code, step, data)
    applicant.upload(code, samples.FILES[code])
    applicant.step(code, "documents", {})
    applicant.step(code, "review", {})
    declaration = client.get(f"/ar/apply/{code}/declaration").get_data(as_text=True)
    assert 'id="privacy-note"' in declaration and 'href="/ar/pages/privacy"' in declaration
    hold(client, bookable[0], lang="ar")
    details = client.get("/ar/appointments/details").get_data(as_text=True)
    assert 'id="privacy-note"' in details and 'href="/ar/pages/privacy"' in details


# -- 7. errors in the title and on every input ------------------------------------------------------------

def test_a_page_with_errors_says_so_first_in_its_title(app, client, sites):
    applicant = Applicant(client, "de")
    applicant.start("temporary-protection")
    clean = client.get("/de/apply/temporary-protection/identity").get_data(as_text=True)
    assert "<title>Fehler: " not in clean
    body = applicant.step("temporary-protection", "identity", {"surname": ""}).get_data(as_text=True)
    assert "<title>Fehler: " in body
    for part in ("day", "month", "year"):
        tag = re.search(rf'<input[^>]*id="f-date_of_birth-{part}"[^>]*>', body, re.S).group(0)
        assert 'aria-invalid="true"' in tag and "f-date_of_birth-error" in tag


# -- 10. line breaks ----------------------------------------------------------------------------------------

def test_line_breaks_of_a_text_area_reach_the_review_and_the_back_office(app, client, db_session, sites, make_staff):
    from tests.support.helpers import sign_in

    code = "general-enquiry"
    steps = {**samples.STEPS[code], "enquiry": {**samples.STEPS[code]["enquiry"],
                                                "message": "Erste Zeile\r\nZweite Zeile\r\n\r\nDritte Zeile"}}
    applicant = Applicant(client, "de")
    applicant.start(code)
    for step, data in steps.items():
        applicant.step(code, step, data)
    applicant.upload(code, samples.FILES[code])
    applicant.step(code, "documents", {})
    review = client.get(f"/de/apply/{code}/review").get_data(as_text=True)
    value = re.search(r'<bdi class="review-value review-value--lines">([^<]*)</bdi>', review).group(1)
    assert value.replace("\r\n", "\n") == "Erste Zeile\nZweite Zeile\n\nDritte Zeile"
    applicant.step(code, "review", {})
    applicant.submit(code)
    reference = db_session.scalars(select(Submission.reference)).one()
    staff = app.test_client()
    sign_in(staff, make_staff("caseworker", "WZ").email)
    office = staff.get(f"/backoffice/submissions/{reference}").get_data(as_text=True)
    assert re.search(r'<bdi class="field-value">Erste Zeile\r?\nZweite Zeile\r?\n\r?\nDritte Zeile</bdi>', office)
    css = client.get("/static/css/portal.css").get_data(as_text=True)
    assert re.search(r"\.submission-fields \.field-value \{ white-space: pre-line; \}", css)


# -- 14. the status page in plain words -------------------------------------------------------------------

@pytest.mark.parametrize("status", ["received", "in_progress", "awaiting_documents", "attached", "rejected", "closed"])
def test_the_status_page_says_what_the_status_means(app, client, db_session, make_submission, status):
    from portal.public.labels import SUBMISSION_MEANING

    made = make_submission(language="uk")
    db_session.execute(update(Submission).values(status=status))
    db_session.commit()
    body = client.get(f"/uk/status/open?reference={made.submission.reference}&code={made.status_code}",
                      follow_redirects=True).get_data(as_text=True)
    meaning, next_step = SUBMISSION_MEANING[status]
    with app.test_request_context("/uk/"), force_locale("uk"):
        assert str(meaning) in body and str(next_step) in body
    assert 'id="status-meaning"' in body


# -- 6. notices collapse after first sight ------------------------------------------------------------------

def test_a_notice_is_open_the_first_time_and_collapsed_afterwards(app, client, db_session, sites):
    from portal.content.editing import create_item
    from portal.content.seed import _publish_seeded
    from portal.models._types import utcnow

    item = create_item(db_session, kind="notice", slug="closed-friday", texts={"title": "Freitag geschlossen",
                                                                               "body": "Am Freitag ist zu."},
                       staff=None, now=utcnow())
    item.placement = "all"
    _publish_seeded(item.translation("de"), utcnow())
    db_session.commit()
    first = client.get("/de/").get_data(as_text=True)
    assert re.search(r'id="notice-closed-friday">\s*<details class="content-notice__details" open>', first)
    again = client.get("/de/services/").get_data(as_text=True)
    assert re.search(r'id="notice-closed-friday">\s*<details class="content-notice__details">', again)
    assert "Freitag geschlossen" in again


# -- 8. previews of uploaded images -------------------------------------------------------------------------

def test_an_uploaded_image_has_a_preview_for_its_own_browser_only(app, client, sites):
    applicant = Applicant(client, "fa")
    code = "general-enquiry"
    applicant.start(code)
    for step, data in samples.STEPS[code].items():
        applicant.step(code, step, data)
    applicant.upload(code, {"attachment": [("عکس.png", samples.png_bytes((1600, 1200)))]})
    page = client.get(f"/fa/apply/{code}/documents").get_data(as_text=True)
    preview = re.search(r'<img class="upload-thumbnail" src="([^"]+)"', page).group(1)
    response = client.get(preview)
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    assert "private" in response.headers["Cache-Control"]
    from io import BytesIO

    from PIL import Image

    assert max(Image.open(BytesIO(response.data)).size) <= 240
    assert app.test_client().get(preview).status_code == 404, "another browser sees nothing"


# -- 11. counts -----------------------------------------------------------------------------------------------

def test_one_minute_is_said_in_the_singular(app, client, db_session, bookable, monkeypatch):
    override_settings(monkeypatch, app, booking={"confirm_minutes": 1})
    hold(client, bookable[0], lang="de")
    body = fill_details(client, PERSON, lang="de").get_data(as_text=True)
    assert "innerhalb von 1 Minute auf den Link" in body and "1 Minuten" not in body
