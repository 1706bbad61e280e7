"""Appointments in the back office: the day at a site, attendance and notes, the phone desk,
the printed day list, booking rules per site and suspicious booking patterns."""
from __future__ import annotations

import importlib.util
import re
import secrets
from datetime import date, datetime, time, timedelta, timezone
from io import BytesIO

import pytest
from sqlalchemy import func, select

from portal.appointments import office
from portal.appointments.booking import SlotTaken, free_slots, hold
from portal.domain.dates import PartialDate
from portal.domain.office_time import OFFICE_TZ, aware, office_today
from portal.models import (
    AuditEvent, Booking, BookingStatus, OutboundMail, Service, ServiceCounters, SiteClosure, Slot,
)
from portal.models._types import utcnow
from tests.support.helpers import csrf_token_from, sign_in

MAILS = importlib.util.find_spec("portal.appointments.mails") is not None


# -- building blocks -------------------------------------------------------------------------

def _service(db_session, code: str = "card-collection") -> Service:
    return db_session.scalar(select(Service).where(Service.code == code))


def _today() -> date:
    return office_today(utcnow())


def _slot(db_session, site, day: date, at: time, *, capacity: int = 3, staff_reserved: int = 0,
          code: str = "card-collection") -> Slot:
    service = _service(db_session, code)
    start = datetime.combine(day, at, tzinfo=OFFICE_TZ).astimezone(timezone.utc)
    slot = Slot(site_id=site.id, service_id=service.id, starts_at=start,
                ends_at=start + timedelta(minutes=service.appointment_minutes), capacity=capacity,
                staff_reserved=staff_reserved, taken=0, public_taken=0)
    db_session.add(slot)
    db_session.commit()
    return slot


def _booking(db_session, slot, surname: str, given_names: str = "", *, status=BookingStatus.CONFIRMED,
             staff: bool = False, email: str = "", client_address: str = "", phone: str = "",
             language: str = "de", created_at: datetime | None = None, held_until=None) -> Booking:
    """A booking that holds a place, as the domain would leave it."""
    booking = Booking(reference=f"TER-{secrets.token_hex(2).upper()}-{secrets.token_hex(2).upper()}",
                      token_hash=secrets.token_hex(16), slot_id=slot.id, status=status, staff_booking=staff,
                      surname=surname, given_names=given_names, person_key=surname.lower(),
                      date_of_birth=PartialDate(1987, 3), email=email, phone=phone, language=language,
                      client_address=client_address, held_until=held_until,
                      created_at=created_at or utcnow())
    db_session.add(booking)
    if status in (BookingStatus.HELD, BookingStatus.UNCONFIRMED, BookingStatus.CONFIRMED):
        slot.taken += 1
        if not staff:
            slot.public_taken += 1
    db_session.commit()
    return booking


def _counters(db_session, site, counters: int = 2, staff: int = 1, code: str = "card-collection"):
    row = ServiceCounters(site_id=site.id, service_id=_service(db_session, code).id, counters=counters,
                          staff_counters=staff)
    db_session.add(row)
    db_session.commit()
    return row


def _german(app, message: str, **variables) -> str:
    """The German text of a back-office message (the English id while it is untranslated)."""
    from flask_babel import force_locale, gettext

    with app.test_request_context("/backoffice/"), force_locale("de"):
        return gettext(message, **variables)


def _token(client, url: str = "/backoffice/appointments") -> str:
    return csrf_token_from(client.get(url).get_data(as_text=True))


def _actions(db_session) -> list[str]:
    db_session.expire_all()
    return [e.action for e in db_session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


# -- the day at a site -----------------------------------------------------------------------

def test_day_view_lists_the_days_bookings_by_time(client, db_session, sites, make_staff):
    day = _today()
    ten = _slot(db_session, sites["WZ"], day, time(10, 0))
    nine = _slot(db_session, sites["WZ"], day, time(9, 0), capacity=3, staff_reserved=1)
    _booking(db_session, ten, "Шевченко", "Олександр", email="o.shevchenko@example.org")
    _booking(db_session, nine, "Коваленко", "Ірина", phone="+49 6441 12345", staff=True)
    _booking(db_session, nine, "الحسن", "محمد", status=BookingStatus.UNCONFIRMED,
             held_until=utcnow() + timedelta(minutes=30))
    _booking(db_session, nine, "Storniert", status=BookingStatus.CANCELLED)
    _booking(db_session, nine, "Abgelaufen", status=BookingStatus.UNCONFIRMED, held_until=utcnow() - timedelta(minutes=1))
    other_site = _slot(db_session, sites["DIL"], day, time(9, 0))
    _booking(db_session, other_site, "Dillenburger")
    _booking(db_session, _slot(db_session, sites["WZ"], day + timedelta(days=1), time(9, 0)), "Morgen")

    sign_in(client, make_staff("caseworker", "WZ").email)
    page = client.get("/backoffice/appointments").get_data(as_text=True)  # own site, today
    assert page.index("Коваленко") < page.index("الحسن") < page.index("Шевченко"), "by time, then booking id"
    for absent in ("Storniert", "Abgelaufen", "Dillenburger", "Morgen"):
        assert absent not in page
    rows = re.findall(r'<tr id="booking-\d+">\s*<td>(\d+)</td>', page)
    assert rows == ["1", "2", "1"], "counter numbers within each slot"
    assert "+49 6441 12345" in page and "o.shevchenko@example.org" in page
    assert f'day={(day - timedelta(days=1)).isoformat()}' in page and f'day={(day + timedelta(days=1)).isoformat()}' in page

    groups = office.day_listing(db_session, sites["WZ"].id, day, utcnow())
    assert [g.starts_at.time() for g in groups] == [time(9, 0), time(10, 0)]
    nine_free = groups[0].free[0]
    # 3 places, 1 kept for staff; 3 taken (staff, unconfirmed, the stale one not yet expired).
    assert (nine_free.capacity, nine_free.taken, nine_free.free_public, nine_free.free_staff) == (3, 3, 0, 0)
    assert (groups[1].free[0].free_public, groups[1].free[0].free_staff) == (2, 2)

    tomorrow = client.get(f"/backoffice/appointments?site=WZ&day={(day + timedelta(days=1)).isoformat()}")
    assert "Morgen" in tomorrow.get_data(as_text=True)
    # Another site's day (names of its callers) is not for a caseworker of this site.
    dil = client.get(f"/backoffice/appointments?site=DIL&day={day.isoformat()}")
    assert dil.status_code == 403 and "Dillenburger" not in dil.get_data(as_text=True)
    assert client.get(f"/backoffice/appointments/day.pdf?site=DIL&day={day.isoformat()}").status_code == 403
    assert _actions(db_session)[-2:] == ["denied", "denied"]
    assert client.get("/backoffice/appointments?site=XX").status_code == 404
    for odd in ("9999-12-31", "0001-01-01", "31.12.2026", "x"):
        assert client.get(f"/backoffice/appointments?day={odd}").status_code == 200
        assert client.get(f"/backoffice/appointments/day.pdf?day={odd}").status_code == 200


def test_check_in_no_show_and_note_are_recorded(client, db_session, sites, make_staff):
    booking = _booking(db_session, _slot(db_session, sites["WZ"], _today(), time(8, 0)), "Шевченко", "Олександр")
    sign_in(client, make_staff("caseworker", "WZ").email)
    token = _token(client)
    base = {"csrf_token": token, "booking_id": booking.id, "site": "WZ", "day": _today().isoformat()}

    response = client.post("/backoffice/appointments/attendance", data={**base, "action": "arrived"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"#booking-{booking.id}")
    db_session.refresh(booking)
    assert booking.attendance == "arrived"

    client.post("/backoffice/appointments/attendance", data={**base, "action": "no_show"})
    db_session.refresh(booking)
    assert booking.attendance == "no_show"
    client.post("/backoffice/appointments/attendance", data={**base, "action": "reset"})
    db_session.refresh(booking)
    assert booking.attendance is None

    note = "Dolmetscherin für Ukrainisch mitgebracht; Pass liegt vor."
    assert client.post("/backoffice/appointments/note", data={**base, "note": note}).status_code == 302
    db_session.refresh(booking)
    assert booking.notes == note
    client.post("/backoffice/appointments/note", data={**base, "note": "x" * 2001})
    db_session.refresh(booking)
    assert booking.notes == note, "a note longer than 2000 characters is refused"
    assert note in client.get("/backoffice/appointments").get_data(as_text=True)

    assert _actions(db_session)[-4:] == ["check_in", "no_show", "reset_attendance", "note"]
    event = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "check_in")).one()
    assert event.object_type == "booking" and event.object_id == booking.reference
    assert event.detail == {"before": None, "after": "arrived"}


def test_no_check_in_ahead_of_the_day(client, db_session, sites, make_staff):
    later = _today() + timedelta(days=2)
    booking = _booking(db_session, _slot(db_session, sites["WZ"], later, time(9, 0)), "Later")
    sign_in(client, make_staff("caseworker", "WZ").email)
    client.post("/backoffice/appointments/attendance",
                data={"csrf_token": _token(client), "booking_id": booking.id, "site": "WZ",
                      "day": later.isoformat(), "action": "arrived"})
    db_session.refresh(booking)
    assert booking.attendance is None


def test_caseworker_of_the_other_site_cannot_check_in(client, db_session, sites, make_staff):
    booking = _booking(db_session, _slot(db_session, sites["WZ"], _today(), time(8, 0)), "Шевченко")
    sign_in(client, make_staff("caseworker", "DIL").email)
    base = {"csrf_token": _token(client), "booking_id": booking.id, "day": _today().isoformat()}
    assert client.post("/backoffice/appointments/attendance",
                       data={**base, "site": "WZ", "action": "arrived"}).status_code == 403
    assert client.post("/backoffice/appointments/attendance",
                       data={**base, "site": "DIL", "action": "arrived"}).status_code == 404
    assert client.post("/backoffice/appointments/note", data={**base, "site": "WZ", "note": "x"}).status_code == 403
    db_session.refresh(booking)
    assert booking.attendance is None and booking.notes == ""
    assert "check_in" not in _actions(db_session)


def test_team_lead_of_the_other_site_may_check_in(client, db_session, sites, make_staff):
    booking = _booking(db_session, _slot(db_session, sites["WZ"], _today(), time(8, 0)), "Шевченко")
    sign_in(client, make_staff("team_lead", "DIL").email)
    client.post("/backoffice/appointments/attendance",
                data={"csrf_token": _token(client), "booking_id": booking.id, "site": "WZ",
                      "day": _today().isoformat(), "action": "arrived"})
    db_session.refresh(booking)
    assert booking.attendance == "arrived"


# -- the phone desk --------------------------------------------------------------------------

def _book_page(client, slot) -> str:
    day = aware(slot.starts_at).astimezone(OFFICE_TZ).date().isoformat()
    return f"/backoffice/appointments/book?site=WZ&service=card-collection&day={day}"


CALLER = {"surname": "Шевченко", "given_names": "Олександр", "date_of_birth": "00.03.1987",
          "phone": "+49 170 1234567", "email": "o.shevchenko@example.org", "language": "uk"}


def test_staff_booking_uses_the_places_kept_for_staff(app, client, db_session, sites, make_staff):
    _counters(db_session, sites["WZ"], counters=2, staff=1)
    slot = _slot(db_session, sites["WZ"], _today() + timedelta(days=3), time(10, 0), capacity=2, staff_reserved=1)
    now = utcnow()
    hold(db_session, slot.id, language="de", client_address="192.0.2.1", now=now, hold_minutes=10)
    db_session.commit()
    with pytest.raises(SlotTaken):
        hold(db_session, slot.id, language="de", client_address="192.0.2.2", now=now, hold_minutes=10)
    db_session.rollback()
    assert free_slots(db_session, sites["WZ"].id, slot.service_id, now, now + timedelta(days=30)) == []

    sign_in(client, make_staff("caseworker", "WZ").email)
    url = _book_page(client, slot)
    page = client.get(url).get_data(as_text=True)
    assert f'value="{slot.id}"' in page, "the staff share is offered to the phone desk"
    response = client.post(url, data={**CALLER, "slot_id": slot.id, "csrf_token": csrf_token_from(page)})
    assert response.status_code == 302
    booking = db_session.scalar(select(Booking).where(Booking.staff_booking))
    assert response.headers["Location"].endswith(f"/backoffice/appointments/booking?reference={booking.reference}")
    assert booking.status == "confirmed" and booking.language == "uk"
    assert booking.date_of_birth == PartialDate(1987, 3) and booking.phone == "+49 170 1234567"
    confirmation = client.get(response.headers["Location"]).get_data(as_text=True)
    assert booking.reference in confirmation and "Шевченко" in confirmation
    db_session.refresh(slot)
    assert (slot.taken, slot.public_taken) == (2, 1)
    if MAILS:
        mails = db_session.scalars(select(OutboundMail)).all()
        assert [m.recipient for m in mails] == ["o.shevchenko@example.org"]
        assert mails[0].language == "uk"
    assert "book" in _actions(db_session)

    # Full now: a third booking, also by staff, is refused with a clear message.
    page = client.get(url).get_data(as_text=True)
    assert f'value="{slot.id}"' not in page
    response = client.post(url, data={**CALLER, "surname": "Коваленко", "email": "kovalenko@example.org",
                                      "slot_id": slot.id, "csrf_token": csrf_token_from(page)})
    assert response.status_code == 200
    assert _german(app, "This time has just been taken. Please choose another time.") in response.get_data(as_text=True)
    assert db_session.scalar(select(func.count()).select_from(Booking).where(Booking.staff_booking)) == 1


def test_phone_desk_form_is_checked(app, client, db_session, sites, make_staff):
    _counters(db_session, sites["WZ"])
    slot = _slot(db_session, sites["WZ"], _today() + timedelta(days=3), time(10, 0))
    sign_in(client, make_staff("caseworker", "WZ").email)
    url = _book_page(client, slot)
    token = csrf_token_from(client.get(url).get_data(as_text=True))
    response = client.post(url, data={**CALLER, "date_of_birth": "31.02.1987", "email": "no-address",
                                      "slot_id": slot.id, "csrf_token": token})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="error-summary"' in body
    assert _german(app, "Enter the date of birth as DD.MM.YYYY; 00 for an unknown day or month.") in body
    # Without an e-mail address: booked, and no mail.
    response = client.post(url, data={**CALLER, "email": "", "slot_id": slot.id, "csrf_token": token})
    assert response.status_code == 302
    assert db_session.scalar(select(func.count()).select_from(OutboundMail)) == 0
    # Coming from the day list with the site only: nothing to correct yet.
    assert 'id="error-summary"' not in client.get("/backoffice/appointments/book?site=WZ").get_data(as_text=True)
    # A day in the past offers nothing.
    past = client.get(f"/backoffice/appointments/book?site=WZ&service=card-collection&day={_today() - timedelta(days=1)}")
    assert _german(app, "Choose today or a later day.") in past.get_data(as_text=True)
    far = client.get("/backoffice/appointments/book?site=WZ&service=card-collection&day=9999-12-31")
    assert _german(app, "Choose a day within the next year.") in far.get_data(as_text=True)


# -- the printed day list --------------------------------------------------------------------

def test_day_list_pdf_has_the_names_and_is_audited(client, db_session, sites, make_staff):
    from pypdf import PdfReader

    nine = _slot(db_session, sites["WZ"], _today(), time(9, 0))
    _booking(db_session, nine, "Шевченко", "Олександр")
    _booking(db_session, nine, "الحسن", "محمد")
    _booking(db_session, _slot(db_session, sites["WZ"], _today(), time(11, 30)), "Yılmaz", "Ayşe")
    sign_in(client, make_staff("caseworker", "WZ").email)
    response = client.get(f"/backoffice/appointments/day.pdf?site=WZ&day={_today().isoformat()}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    text = "\n".join(page.extract_text() for page in PdfReader(BytesIO(response.data)).pages)
    assert "Шевченко, Олександр" in text and "Yılmaz, Ayşe" in text
    # The Arabic name as real text, as typed (not presentation forms): PDFium reads it back.
    from tests.support.pdf_text import PRESENTATION_FORMS, pdfium_text
    assert "الحسن, محمد" in pdfium_text(response.data) and not PRESENTATION_FORMS.findall(text)
    assert text.index("09:00") < text.index("11:30") and "Wetzlar" in text
    event = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "download")).one()
    assert event.object_type == "day_list" and event.object_id == f"WZ:{_today().isoformat()}"
    assert event.detail == {"bookings": 3}


# -- booking rules per site ------------------------------------------------------------------

def test_booking_rules_refuse_more_staff_places_than_counters(app, client, db_session, sites, make_staff):
    counters = _counters(db_session, sites["WZ"], counters=2, staff=1)
    sign_in(client, make_staff("admin", "WZ").email)
    page = client.get("/backoffice/admin/booking-rules?site=WZ").get_data(as_text=True)
    service_id = counters.service_id
    data = {"csrf_token": csrf_token_from(page)}
    for field in re.findall(r'name="((?:counters|staff)_\d+)"[^>]*value="(\d+)"', page):
        data[field[0]] = field[1]
    data.update({f"counters_{service_id}": "2", f"staff_{service_id}": "3"})
    response = client.post("/backoffice/admin/booking-rules/counters?site=WZ", data=data)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="error-summary"' in body
    assert _german(app, "The places kept for staff cannot be more than the counters.") in body
    db_session.refresh(counters)
    assert (counters.counters, counters.staff_counters) == (2, 1)

    response = client.post("/backoffice/admin/booking-rules/window?site=WZ",
                           data={"csrf_token": data["csrf_token"], "window_days": "400", "min_notice_days": "1",
                                 "release_time": "07:00"})
    assert response.status_code == 200
    assert _german(app, "The booking window must be between 1 and 365 days.") in response.get_data(as_text=True)


def test_new_counters_reach_future_slots_without_overbooking(client, db_session, sites, make_staff):
    counters = _counters(db_session, sites["WZ"], counters=2, staff=1)
    day = _today() + timedelta(days=4)
    empty = _slot(db_session, sites["WZ"], day, time(9, 0), capacity=2, staff_reserved=1)
    full = _slot(db_session, sites["WZ"], day, time(9, 10), capacity=2, staff_reserved=1)
    _booking(db_session, full, "Eins")
    _booking(db_session, full, "Zwei", staff=True)
    sign_in(client, make_staff("admin", "WZ").email)
    page = client.get("/backoffice/admin/booking-rules?site=WZ").get_data(as_text=True)
    data = {"csrf_token": csrf_token_from(page)}
    for name, value in re.findall(r'name="((?:counters|staff)_\d+)"[^>]*value="(\d+)"', page):
        data[name] = value
    data.update({f"counters_{counters.service_id}": "1", f"staff_{counters.service_id}": "0"})
    assert client.post("/backoffice/admin/booking-rules/counters?site=WZ", data=data).status_code == 302
    db_session.expire_all()
    assert (empty.capacity, empty.staff_reserved) == (1, 0)
    assert (full.capacity, full.taken) == (2, 2), "never less capacity than bookings"
    assert db_session.get(ServiceCounters, counters.id).counters == 1
    # ensure_slots filled the window with the new numbers.
    generated = db_session.scalars(select(Slot).where(Slot.site_id == sites["WZ"].id,
                                                      Slot.id.not_in([empty.id, full.id]))).all()
    assert generated and {(s.capacity, s.staff_reserved) for s in generated} == {(1, 0)}
    event = db_session.scalars(select(AuditEvent).where(AuditEvent.object_type == "service_counters")).one()
    assert event.detail["slots_updated"] == 1 and event.detail["slots_kept"] == 1


def test_closing_a_day_lists_its_bookings_and_deletes_empty_slots(app, client, db_session, sites, make_staff):
    day = _today() + timedelta(days=5)
    booked = _slot(db_session, sites["WZ"], day, time(9, 0), capacity=2)
    empty = _slot(db_session, sites["WZ"], day, time(9, 10), capacity=2)
    other_day = _slot(db_session, sites["WZ"], day + timedelta(days=1), time(9, 0), capacity=2)
    booking = _booking(db_session, booked, "Шевченко", "Олександр", email="o.shevchenko@example.org", language="uk")
    ids = (booked.id, empty.id, other_day.id)
    sign_in(client, make_staff("admin", "WZ").email)
    token = _token(client, "/backoffice/admin/booking-rules?site=WZ")

    response = client.post("/backoffice/admin/booking-rules/closures?site=WZ",
                           data={"csrf_token": token, "day": day.isoformat(), "reason": "Personalversammlung"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert booking.reference in page and "Шевченко" in page and "Personalversammlung" in page
    db_session.expire_all()
    assert db_session.get(Slot, ids[1]) is None, "an empty slot on the closed day is deleted"
    kept = db_session.get(Slot, ids[0])
    assert (kept.capacity, kept.taken) == (1, 1), "the booked slot stays, closed for new bookings"
    assert db_session.get(Slot, ids[2]).capacity == 2
    assert db_session.get(Booking, booking.id).status == "confirmed", "nothing cancelled silently"

    # The same day twice, and a day in the past, are refused.
    again = client.post("/backoffice/admin/booking-rules/closures?site=WZ",
                        data={"csrf_token": token, "day": day.isoformat(), "reason": "noch einmal"})
    assert _german(app, "The site is already closed on that day.") in again.get_data(as_text=True)
    past = client.post("/backoffice/admin/booking-rules/closures?site=WZ",
                       data={"csrf_token": token, "day": (_today() - timedelta(days=1)).isoformat(), "reason": "x"})
    assert _german(app, "The day is in the past.") in past.get_data(as_text=True)
    far = client.post("/backoffice/admin/booking-rules/closures?site=WZ",
                      data={"csrf_token": token, "day": "9999-12-24", "reason": "x"})
    assert _german(app, "Closed days can be entered up to two years ahead.") in far.get_data(as_text=True)

    # Cancelled from the list, with notice; the place stays closed.
    response = client.post("/backoffice/appointments/cancel",
                           data={"csrf_token": token, "booking": str(booking.id), "reason": "Personalversammlung",
                                 "back": "rules", "site": "WZ"})
    assert response.status_code == 302 and "/backoffice/admin/booking-rules?site=WZ" in response.headers["Location"]
    db_session.expire_all()
    assert db_session.get(Booking, booking.id).status == "cancelled"
    kept = db_session.get(Slot, ids[0])
    assert (kept.capacity, kept.taken) == (0, 0)
    if MAILS:
        assert [m.recipient for m in db_session.scalars(select(OutboundMail))] == ["o.shevchenko@example.org"]

    # Opened again: the day gets its slots back from the counters.
    _counters(db_session, sites["WZ"], counters=2, staff=1)
    closure = db_session.scalar(select(SiteClosure).where(SiteClosure.day == day))
    assert client.post("/backoffice/admin/booking-rules/closures/remove?site=WZ",
                       data={"csrf_token": token, "closure_id": closure.id}).status_code == 302
    db_session.expire_all()
    assert db_session.get(Slot, ids[0]).capacity == 2
    assert [e for e in _actions(db_session) if "closure" in e] == ["add_closure", "remove_closure"]


# -- suspicious patterns ---------------------------------------------------------------------

@pytest.fixture
def crowd(db_session, sites):
    """Future bookings: five from one address, four from one /24, four with one e-mail domain."""
    day = _today() + timedelta(days=6)
    first = _slot(db_session, sites["WZ"], day, time(8, 0), capacity=10)
    second = _slot(db_session, sites["WZ"], day, time(10, 0), capacity=10)
    start = utcnow() - timedelta(hours=2)
    made = {"address": [], "network": [], "domain": [], "other": []}
    for i in range(5):
        made["address"].append(_booking(db_session, first, f"Bot{i}", email=f"bot{i}@example.org",
                                        client_address="203.0.113.7", created_at=start + timedelta(minutes=i)))
    for i in range(4):
        made["network"].append(_booking(db_session, second, f"Netz{i}", client_address=f"198.51.100.{10 + i}",
                                        created_at=start + timedelta(minutes=10 + i)))
    for i in range(4):
        made["domain"].append(_booking(db_session, second, f"Domain{i}", email=f"p{i}@wegwerf.example",
                                       client_address=f"2001:db8:{i}::1", created_at=start + timedelta(minutes=20 + i)))
    made["other"].append(_booking(db_session, first, "Einzeln", client_address="192.0.2.99", email="a@b.example"))
    return made, first


def test_suspicious_patterns_are_grouped(db_session, crowd):
    made, _ = crowd
    groups = office.suspicious_groups(db_session, utcnow(), threshold=3)
    found = {(g.kind, g.key): [b.id for b in g.bookings] for g in groups}
    assert set(found) == {("address", "203.0.113.7"), ("network", "198.51.100.0/24"),
                          ("email_domain", "example.org"), ("email_domain", "wegwerf.example")}
    assert found[("network", "198.51.100.0/24")] == [b.id for b in reversed(made["network"])], "newest first"
    assert groups[0].key == "wegwerf.example", "the group with the newest booking first"
    assert office.network_of("2001:db8:1234:5678::1") == "2001:db8:1234::/48"
    assert office.network_of("::ffff:198.51.100.3") == "198.51.100.0/24"
    assert office.network_of("nonsense") is None
    assert office.email_domain("Someone@Example.ORG") == "example.org"
    assert len(office.suspicious_groups(db_session, utcnow(), threshold=4)) == 2  # 5 from one address, 5 at example.org


def test_suspicious_bookings_are_cancelled_in_bulk(client, db_session, crowd, make_staff):
    made, first = crowd
    assert first.taken == 6
    sign_in(client, make_staff("team_lead", "DIL").email)
    page = client.get("/backoffice/appointments/suspicious")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "203.0.113.7" in body and "198.51.100.0/24" in body
    assert "Einzeln" not in body

    ids = [b.id for b in made["address"]]
    response = client.post("/backoffice/appointments/cancel",
                           data={"csrf_token": csrf_token_from(body), "booking": [str(i) for i in ids],
                                 "reason": "Automatisierte Buchungen", "back": "suspicious"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/backoffice/appointments/suspicious")
    db_session.expire_all()
    assert {db_session.get(Booking, i).status for i in ids} == {"cancelled"}
    slot = db_session.get(Slot, first.id)
    assert (slot.taken, slot.public_taken) == (1, 1), "the places are free again"
    assert db_session.get(Booking, made["other"][0].id).status == "confirmed"
    if MAILS:
        recipients = sorted(m.recipient for m in db_session.scalars(select(OutboundMail)))
        assert recipients == sorted(f"bot{i}@example.org" for i in range(5))
    events = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "cancel")).all()
    assert sorted(e.object_id for e in events) == sorted(b.reference for b in made["address"])
    assert events[0].detail["reason"] == "Automatisierte Buchungen"

    # Cancelled twice: nothing happens; without a reason: nothing happens.
    client.post("/backoffice/appointments/cancel",
                data={"csrf_token": csrf_token_from(body), "booking": str(ids[0]), "reason": "noch einmal"})
    client.post("/backoffice/appointments/cancel",
                data={"csrf_token": csrf_token_from(body), "booking": str(made["network"][0].id), "reason": ""})
    db_session.expire_all()
    assert db_session.get(Slot, first.id).taken == 1
    assert db_session.get(Booking, made["network"][0].id).status == "confirmed"


def test_caseworkers_cannot_cancel_in_bulk(client, db_session, crowd, make_staff):
    made, _ = crowd
    sign_in(client, make_staff("caseworker", "WZ").email)
    response = client.post("/backoffice/appointments/cancel",
                           data={"csrf_token": _token(client), "booking": str(made["address"][0].id), "reason": "x"})
    assert response.status_code == 403
    db_session.expire_all()
    assert db_session.get(Booking, made["address"][0].id).status == "confirmed"


def test_the_phone_desk_cannot_book_the_same_person_twice(app, client, db_session, sites, make_staff):
    _counters(db_session, sites["WZ"], counters=2, staff=1)
    slot = _slot(db_session, sites["WZ"], _today() + timedelta(days=3), time(10, 0), capacity=3, staff_reserved=2)
    sign_in(client, make_staff("caseworker", "WZ").email)
    url = _book_page(client, slot)
    page = client.get(url).get_data(as_text=True)
    assert client.post(url, data={**CALLER, "slot_id": slot.id, "csrf_token": csrf_token_from(page)}).status_code == 302
    page = client.get(url).get_data(as_text=True)
    again = client.post(url, data={**CALLER, "email": "", "slot_id": slot.id, "csrf_token": csrf_token_from(page)})
    assert _german(app, "This person already has an open appointment for this service.") in again.get_data(as_text=True)
    assert db_session.scalar(select(func.count()).select_from(Booking)) == 1
