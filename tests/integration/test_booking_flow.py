"""The applicant's booking: hold, details, confirmation by mail link, manage, move, cancel,
and the rules around it (hold expiry, one open booking per person, tampered links)."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from portal.config import settings_of
from portal.models import Booking, OutboundMail, Slot
from tests.support.booking_journey import PERSON, book, day_of, fill_details, hold, mail_link
from tests.support.app_factory import override_settings
from tests.support.helpers import csrf_token_from


def test_the_calendar_offers_the_free_days(client, db_session, bookable):
    slot, _ = bookable
    page = client.get("/tr/appointments/card-collection/WZ/").get_data(as_text=True)
    assert f'/tr/appointments/card-collection/WZ/{day_of(slot)}' in page
    assert "2 free times" not in page  # in Turkish


def test_hold_details_confirm_by_mail(client, db_session, bookable):
    manage = book(client, db_session, bookable)
    booking = db_session.scalars(select(Booking)).one()
    assert booking.status == "confirmed" and booking.surname == "Yılmaz" and booking.language == "tr"
    page = client.get(manage).get_data(as_text=True)
    assert booking.reference in page and "booking-status" in page
    db_session.expire_all()
    assert db_session.get(Slot, bookable[0].id).taken == 1
    mails = db_session.scalars(select(OutboundMail).order_by(OutboundMail.id)).all()
    assert len(mails) == 2 and mails[1].attachments[0]["media_type"] == "text/calendar"
    ics = client.get(manage.split("?")[0] + "/appointment.ics")
    assert ics.status_code == 200 and b"BEGIN:VEVENT" in ics.data


def test_cancel_frees_the_place_for_someone_else(app, client, db_session, bookable):
    manage = book(client, db_session, bookable).split("?")[0]
    token = csrf_token_from(client.get(manage + "/cancel").get_data(as_text=True))
    assert client.post(manage + "/cancel", data={"csrf_token": token, "confirm": "yes"}).status_code == 302
    db_session.expire_all()
    assert db_session.scalars(select(Booking)).one().status == "cancelled"
    assert db_session.get(Slot, bookable[0].id).taken == 0
    assert len(_all_mails(db_session)) == 3, "request, confirmation, cancellation notice"

    someone_else = app.test_client()
    book(someone_else, db_session, bookable, {**PERSON, "surname": "Kaya", "given_names": "Fatma",
                                                 "email": "fatma.kaya@example.org"})
    db_session.expire_all()
    assert db_session.get(Slot, bookable[0].id).taken == 1


def _all_mails(db_session):
    db_session.expire_all()
    return db_session.scalars(select(OutboundMail).order_by(OutboundMail.id)).all()


def test_move_to_another_time_keeps_the_name_and_voids_old_links(client, db_session, bookable):
    first, second = bookable
    manage = book(client, db_session, bookable).split("?")[0]
    page = client.get(manage + f"/move?day={day_of(second)}").get_data(as_text=True)
    moved = client.post(manage + f"/move?day={day_of(second)}",
                        data={"csrf_token": csrf_token_from(page), "slot": second.id})
    assert moved.status_code == 302
    db_session.expire_all()
    booking = db_session.scalars(select(Booking)).one()
    assert booking.slot_id == second.id and booking.surname == "Yılmaz"
    assert db_session.get(Slot, first.id).taken == 0 and db_session.get(Slot, second.id).taken == 1
    assert client.get(manage).status_code == 404, "the old link no longer works"
    assert client.get(moved.headers["Location"]).status_code == 200


def test_an_unconfirmed_hold_releases_itself(app, client, db_session, bookable):
    from portal.appointments.booking import release_expired_holds
    from portal.models._types import utcnow

    slot, _ = bookable
    hold(client, slot)
    db_session.expire_all()
    assert db_session.get(Slot, slot.id).taken == 1
    later = utcnow() + timedelta(minutes=settings_of(app).booking.hold_minutes + 1)
    assert release_expired_holds(db_session, later) == 1
    db_session.commit()
    assert db_session.get(Slot, slot.id).taken == 0
    assert db_session.scalars(select(Booking)).one().status == "expired"
    assert release_expired_holds(db_session, later) == 0, "a hold is released once"


def test_the_worker_releases_expired_holds(app, client, db_session, bookable):
    slot, _ = bookable
    hold(client, slot)
    db_session.execute(Booking.__table__.update().values(held_until=Booking.created_at - timedelta(minutes=1)))
    db_session.commit()
    output = app.test_cli_runner().invoke(args=["worker", "--once"]).output
    assert "holds" in output
    db_session.expire_all()
    assert db_session.get(Slot, slot.id).taken == 0


def test_a_confirmation_link_after_the_time_limit_books_nothing(client, db_session, bookable):
    slot, _ = bookable
    hold(client, slot)
    fill_details(client)
    link = mail_link(db_session, "confirm")
    db_session.execute(Booking.__table__.update().values(held_until=Booking.created_at))
    db_session.commit()
    assert client.get(link).status_code == 410
    assert db_session.scalars(select(Booking)).one().status != "confirmed"


def test_one_open_booking_per_person_and_per_address(app, client, db_session, bookable):
    book(client, db_session, bookable)
    slot, second = bookable
    other = app.test_client()
    hold(other, second)
    same_person = fill_details(other, {**PERSON, "surname": "YILMAZ", "given_names": "Ayse", "email": "x@example.org"})
    assert same_person.status_code == 200 and 'id="error-summary"' in same_person.get_data(as_text=True)
    same_mail = fill_details(other, {**PERSON, "surname": "Demir", "given_names": "Can"})
    assert 'id="error-summary"' in same_mail.get_data(as_text=True)
    assert db_session.scalar(select(func.count()).select_from(Booking).where(Booking.status == "unconfirmed")) == 0


def test_tampered_or_foreign_links_are_refused(client, db_session, bookable):
    manage = book(client, db_session, bookable).split("?")[0]
    assert client.get(manage[:-3] + "abc").status_code == 404
    assert client.get("/tr/appointments/manage/not-a-token").status_code == 404
    confirm_path = manage.replace("/manage/", "/confirm/")
    assert client.get(confirm_path).status_code == 404, "a manage token is no confirm token"


def test_no_cancelling_shortly_before(app, client, db_session, bookable, monkeypatch):
    override_settings(monkeypatch, app, booking={"cancel_hours": 24 * 10})
    manage = book(client, db_session, bookable).split("?")[0]
    page = client.get(manage).get_data(as_text=True)
    assert "/cancel" not in page
    token = csrf_token_from(client.get("/tr/status/").get_data(as_text=True))
    client.post(manage + "/cancel", data={"csrf_token": token, "confirm": "yes"})
    assert db_session.scalars(select(Booking)).one().status == "confirmed"


def test_the_booking_is_linked_to_the_application(app, client, db_session, bookable, make_submission):
    from portal.public.access import grant_status_access

    result = make_submission()
    with client.session_transaction() as session:
        session["status_access"] = [result.submission.reference]
    client.get(f"/tr/appointments/?submission={result.submission.reference}")
    slot, _ = bookable
    hold(client, slot)
    page = client.get("/tr/appointments/details").get_data(as_text=True)
    assert 'value="Шевченко"' in page, "the details come from the application"
    assert db_session.scalars(select(Booking)).one().submission_id == result.submission.id
    assert grant_status_access


def test_a_place_given_back_on_a_closed_day_stays_closed(db_session, bookable):
    """A hold taken before the office closed the day expires: its place must not reopen."""
    from portal.appointments.booking import free_times_on, hold, release_expired_holds
    from portal.appointments.capacity import add_closure
    from portal.domain.office_time import OFFICE_TZ, aware
    from portal.models._types import utcnow

    slot, _ = bookable
    now = utcnow()
    hold(db_session, slot.id, language="de", client_address="192.0.2.7", now=now, hold_minutes=10)
    db_session.commit()
    day = aware(slot.starts_at).astimezone(OFFICE_TZ).date()
    add_closure(db_session, slot.site_id, day, "Betriebsversammlung", now)
    db_session.commit()
    assert release_expired_holds(db_session, now + timedelta(minutes=11)) == 1
    db_session.commit()
    assert free_times_on(db_session, slot.site_id, slot.service_id, day, now) == []
