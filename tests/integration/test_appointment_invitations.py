"""Inviting an applicant to book an appointment for a submission (portal.casework.invitations):
the caseworker's form, the mail with the link, the link's times from the places kept for staff,
the booking for the submission, and the link's limits (used once, expiry, wrong token, site rule)."""
from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from portal.casework import invitations
from portal.casework.conversation import thread
from portal.casework.requests import token_hash
from portal.config import settings_of
from portal.domain.office_time import OFFICE_TZ, office_today
from portal.models import (
    AppointmentInvitation, AuditEvent, Booking, OutboundMail, Service, ServiceCounters, Slot, Submission,
)
from portal.models._types import utcnow
from tests.support.helpers import csrf_token_from, sign_in

SERVICE = "temporary-protection"  # booked by appointment; the form has an e-mail address
LINK = re.compile(r"/uk/invitation/([A-Za-z0-9_-]+)")


# -- building blocks -------------------------------------------------------------------------

def _service(db_session, code: str = SERVICE) -> Service:
    return db_session.scalar(select(Service).where(Service.code == code))


def _slot(db_session, site, *, days_ahead: int = 3, at: time = time(9, 0), capacity: int = 2,
          staff_reserved: int = 1, taken: int = 0, public_taken: int = 0, code: str = SERVICE) -> Slot:
    service = _service(db_session, code)
    day = office_today(utcnow()) + timedelta(days=days_ahead)
    start = datetime.combine(day, at, tzinfo=OFFICE_TZ).astimezone(timezone.utc)
    slot = Slot(site_id=site.id, service_id=service.id, starts_at=start,
                ends_at=start + timedelta(minutes=service.appointment_minutes), capacity=capacity,
                staff_reserved=staff_reserved, taken=taken, public_taken=public_taken)
    db_session.add(slot)
    db_session.commit()
    return slot


def _counters(db_session, site, code: str = SERVICE) -> None:
    db_session.add(ServiceCounters(site_id=site.id, service_id=_service(db_session, code).id, counters=2,
                                   staff_counters=1))
    db_session.commit()


@pytest.fixture
def offered(db_session, sites):
    """The service at both sites; at Wetzlar a time whose public places are gone but whose place
    kept for staff is free (the link offers it), a full time, and times the link does not offer."""
    _counters(db_session, sites["WZ"])
    _counters(db_session, sites["DIL"])
    kept = _slot(db_session, sites["WZ"], taken=1, public_taken=1)
    full = _slot(db_session, sites["WZ"], at=time(9, 30), capacity=1, staff_reserved=0, taken=1, public_taken=1)
    others = {
        "today": _slot(db_session, sites["WZ"], days_ahead=0, at=time(23, 30)),
        "far": _slot(db_session, sites["WZ"], days_ahead=7 * invitations.BOOKING_WEEKS + 2),
        "other_site": _slot(db_session, sites["DIL"]),
        "other_service": _slot(db_session, sites["WZ"], at=time(10, 0), code="card-collection"),
    }
    return kept, full, others


@pytest.fixture
def submission(make_submission):
    return make_submission(service_code=SERVICE).submission


def _invite(client, reference: str, site: str = "WZ"):
    token = csrf_token_from(client.get(f"/backoffice/submissions/{reference}").get_data(as_text=True))
    return client.post(f"/backoffice/submissions/{reference}/invite", data={"csrf_token": token, "site": site})


def _link_token(db_session) -> str:
    db_session.expire_all()
    mail = db_session.scalars(select(OutboundMail).order_by(OutboundMail.id.desc())).first()
    return LINK.search(mail.body_text).group(1)


def _invited(client, db_session, make_staff, submission) -> str:
    sign_in(client, make_staff("caseworker", "WZ").email)
    assert _invite(client, submission.reference).status_code == 302
    return _link_token(db_session)


def _book(client, token: str, slot_id, lang: str = "uk"):
    page = client.get(f"/{lang}/invitation/{token}")
    assert page.status_code == 200
    return client.post(f"/{lang}/invitation/{token}",
                       data={"csrf_token": csrf_token_from(page.get_data(as_text=True)), "slot": slot_id})


def _german(app, message: str, **variables) -> str:
    from flask_babel import force_locale, gettext

    with app.test_request_context("/backoffice/"), force_locale("de"):
        return gettext(message, **variables)


# -- inviting --------------------------------------------------------------------------------

def test_the_invitation_is_mailed_in_the_applicants_language_and_kept_in_the_conversation(
        client, db_session, make_staff, submission, offered):
    staff = make_staff("caseworker", "WZ")
    sign_in(client, staff.email)
    page = client.get(f"/backoffice/submissions/{submission.reference}").get_data(as_text=True)
    assert 'id="invite-form"' in page and 'name="site"' in page and 'value="DIL"' in page
    response = _invite(client, submission.reference)
    assert response.status_code == 302 and response.headers["Location"].endswith(submission.reference)

    invitation = db_session.scalars(select(AppointmentInvitation)).one()
    assert (invitation.submission_id, invitation.site_id, invitation.invited_by_id) == \
        (submission.id, submission.site_id, staff.id)
    assert invitation.service_id == submission.service_id and invitation.booking_id is None
    lifetime = invitation.expires_at.replace(tzinfo=None) - invitation.created_at.replace(tzinfo=None)
    assert lifetime == timedelta(days=invitations.INVITATION_DAYS)
    mail = db_session.scalars(select(OutboundMail)).one()
    assert mail.language == "uk" and mail.recipient == "o.shevchenko@example.org"
    assert mail.submission_id == submission.id and submission.reference in mail.subject
    token = LINK.search(mail.body_text).group(1)
    assert f"/uk/invitation/{token}" in mail.body_html
    assert invitation.token_hash == token_hash(token) and token not in invitation.token_hash
    [message] = thread(db_session, submission)
    assert message.author == "office" and message.channel == "email" and message.staff_user_id == staff.id
    assert message.body.startswith("Einladung zur Terminbuchung")
    # The applicant's copy as sent, without the link's secret (portal.casework.conversation).
    assert message.sent_text == mail.body_text.replace(token, "…") and token not in message.sent_text
    audit = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "invite_to_appointment")).one()
    assert audit.object_id == submission.reference and audit.detail["site"] == "WZ"

    page = client.get(f"/backoffice/submissions/{submission.reference}").get_data(as_text=True)
    assert f'id="invitation-{invitation.id}" data-state="open"' in page


def test_the_caseworker_may_choose_another_site_offering_the_service(client, db_session, make_staff, submission,
                                                                     offered, sites):
    sign_in(client, make_staff("caseworker", "WZ").email)
    _invite(client, submission.reference, site="DIL")
    assert db_session.scalars(select(AppointmentInvitation)).one().site_id == sites["DIL"].id


@pytest.mark.parametrize(("change", "site", "message"), [
    ("no_email", "WZ", "No e-mail address is on record for this submission: the invitation cannot be sent. "
                       "Please book the appointment at the phone desk instead."),
    ("closed", "WZ", "This submission is no longer open."),
    (None, "XX", "Choose a site that offers appointments for this service."),
    (None, "<script>alert(1)</script>", "Choose a site that offers appointments for this service."),
])
def test_an_invitation_that_cannot_be_made_is_refused_with_a_message(app, client, db_session, make_staff,
                                                                     submission, offered, change, site, message):
    if change == "no_email":
        submission.applicant_email = ""
    elif change == "closed":
        submission.status = "closed"
    db_session.commit()
    sign_in(client, make_staff("caseworker", "WZ").email)
    response = _invite(client, submission.reference, site=site)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert _german(app, message).split(":")[0] in page
    assert "<script>alert(1)</script>" not in page
    assert db_session.scalars(select(AppointmentInvitation)).all() == []
    assert db_session.scalars(select(OutboundMail)).all() == []
    if change == "no_email":
        assert 'id="invite-no-email"' in page and 'id="invite-form"' not in page


def test_a_service_without_appointments_or_a_site_without_it_is_refused(app, db_session, make_submission, make_staff,
                                                                         offered, sites):
    enquiry = make_submission().submission  # general enquiry: no appointment
    staff = make_staff("caseworker", "WZ")
    with app.test_request_context():
        with pytest.raises(invitations.InvitationRefused) as refused:
            invitations.invite(db_session, enquiry, staff, None, office=settings_of(app).office, now=utcnow())
        assert refused.value.code == "no_appointment"
        db_session.rollback()
        card_site = db_session.scalar(select(ServiceCounters).where(ServiceCounters.site_id == sites["DIL"].id))
        db_session.delete(card_site)  # Dillenburg no longer offers the service
        db_session.commit()
        protection = make_submission(service_code=SERVICE).submission
        with pytest.raises(invitations.InvitationRefused) as refused:
            invitations.invite(db_session, protection, staff, sites["DIL"], office=settings_of(app).office,
                               now=utcnow())
        assert refused.value.code == "site_not_offered"


def test_a_caseworker_of_the_other_site_cannot_invite(client, db_session, make_staff, submission, offered):
    sign_in(client, make_staff("caseworker", "DIL").email)
    token = csrf_token_from(client.get("/backoffice/").get_data(as_text=True))
    response = client.post(f"/backoffice/submissions/{submission.reference}/invite",
                           data={"csrf_token": token, "site": "DIL"})
    assert response.status_code == 403
    assert db_session.scalars(select(AppointmentInvitation)).all() == []
    assert db_session.scalars(select(AuditEvent).where(AuditEvent.action == "denied")).one().object_id \
        == submission.reference
    missing = client.post("/backoffice/submissions/ABH-2026-999999-9/invite", data={"csrf_token": token})
    assert missing.status_code == 404


# -- the link --------------------------------------------------------------------------------

def test_the_link_offers_only_the_free_staff_places_of_the_service_at_the_site(client, db_session, make_staff,
                                                                                 submission, offered):
    kept, full, others = offered
    token = _invited(client, db_session, make_staff, submission)
    response = client.get(f"/uk/invitation/{token}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store" and response.headers["Referrer-Policy"] == "no-referrer"
    page = response.get_data(as_text=True)
    assert f'id="slot-{kept.id}"' in page
    for slot in (full, *others.values()):
        assert f'id="slot-{slot.id}"' not in page
    # The token appears in the forms' actions only (the language switcher sends forms too).
    assert token in page and token not in re.sub(r'action="[^"]*"', "", page)
    assert '<fieldset class="kern-fieldset' in page and f'<label class="kern-label" for="slot-{kept.id}">' in page
    # The public calendar has no free time left there: the place is kept for staff.
    public = client.get(f"/uk/appointments/{SERVICE}/WZ/{(office_today(utcnow()) + timedelta(days=3)).isoformat()}")
    assert f'id="slot-{kept.id}"' not in public.get_data(as_text=True)


def test_the_link_in_a_right_to_left_language(client, db_session, make_staff, submission, offered):
    token = _invited(client, db_session, make_staff, submission)
    page = client.get(f"/fa/invitation/{token}").get_data(as_text=True)
    assert '<html lang="fa" dir="rtl">' in page and 'id="book-form"' in page


def test_booking_through_the_link_takes_a_staff_place_for_the_submission(app, client, db_session, make_staff,
                                                                          submission, offered):
    kept, _full, _others = offered
    token = _invited(client, db_session, make_staff, submission)
    response = _book(client, token, kept.id)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    site = db_session.get(Submission, submission.id).site
    assert "booking-when" in page and site.street in page and site.postcode in page
    assert token not in re.sub(r'action="[^"]*"', "", page)

    db_session.expire_all()
    booking = db_session.scalars(select(Booking)).one()
    assert booking.status == "confirmed" and booking.staff_booking and booking.submission_id == submission.id
    assert booking.slot_id == kept.id and booking.language == "uk" and booking.email == submission.applicant_email
    assert booking.surname == submission.applicant_surname
    slot = db_session.get(Slot, kept.id)
    assert (slot.taken, slot.public_taken) == (2, 1), "the public share is untouched"
    invitation = db_session.scalars(select(AppointmentInvitation)).one()
    assert invitation.booking_id == booking.id
    confirmation = db_session.scalars(select(OutboundMail).order_by(OutboundMail.id.desc())).first()
    assert confirmation.language == "uk" and confirmation.submission_id == submission.id
    assert {a["media_type"] for a in confirmation.attachments} >= {"text/calendar"}
    audit = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "book_by_invitation")).one()
    assert audit.object_id == booking.reference and audit.detail["submission"] == submission.reference

    # Used once: the link no longer opens, nor books.
    assert client.get(f"/uk/invitation/{token}").status_code == 404
    form_token = csrf_token_from(client.get("/uk/status/").get_data(as_text=True))
    again = client.post(f"/uk/invitation/{token}", data={"csrf_token": form_token, "slot": kept.id})
    assert again.status_code == 404 and 'id="book-form"' not in again.get_data(as_text=True)
    assert len(db_session.scalars(select(Booking)).all()) == 1

    # The booking shows on the submission and in the day list.
    staff_page = client.get(f"/backoffice/submissions/{submission.reference}").get_data(as_text=True)
    assert f'id="submission-booking-{booking.id}"' in staff_page and booking.reference in staff_page
    assert f'id="invitation-{invitation.id}" data-state="used"' in staff_page
    day = (office_today(utcnow()) + timedelta(days=3)).isoformat()
    day_list = client.get(f"/backoffice/appointments?site=WZ&day={day}").get_data(as_text=True)
    assert f'id="booking-{booking.id}"' in day_list
    assert f'href="/backoffice/submissions/{submission.reference}"' in day_list, "the day list leads to it"


def test_an_expired_or_wrong_link_is_refused(client, db_session, make_staff, submission, offered):
    kept, _full, _others = offered
    token = _invited(client, db_session, make_staff, submission)
    for wrong in (token[:-1] + ("x" if token[-1] != "x" else "y"), "A" * 43, "x" * 500, "..%2F..%2Fetc"):
        response = client.get(f"/uk/invitation/{wrong}")
        assert response.status_code == 404 and 'id="book-form"' not in response.get_data(as_text=True)
    invitation = db_session.scalars(select(AppointmentInvitation)).one()
    invitation.expires_at = utcnow() - timedelta(minutes=1)
    db_session.commit()
    assert client.get(f"/uk/invitation/{token}").status_code == 404
    form_token = csrf_token_from(client.get("/uk/status/").get_data(as_text=True))
    posted = client.post(f"/uk/invitation/{token}", data={"csrf_token": form_token, "slot": kept.id})
    assert posted.status_code == 404
    assert db_session.scalars(select(Booking)).all() == []


def test_a_closed_submission_closes_its_link(client, db_session, make_staff, submission, offered):
    token = _invited(client, db_session, make_staff, submission)
    db_session.get(Submission, submission.id).status = "closed"
    db_session.commit()
    assert client.get(f"/uk/invitation/{token}").status_code == 404


@pytest.mark.parametrize("slot_value", ["", "<script>alert(1)</script>", "-1", "99999999999999999999", "other"])
def test_hostile_or_foreign_times_book_nothing(client, db_session, make_staff, submission, offered, slot_value):
    kept, full, others = offered
    values = {"other": others["other_site"].id}
    token = _invited(client, db_session, make_staff, submission)
    response = _book(client, token, values.get(slot_value, slot_value))
    assert response.status_code in (400, 409)
    body = response.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in body and 'id="book-form"' in body
    assert db_session.scalars(select(Booking)).all() == []
    db_session.expire_all()
    assert db_session.scalars(select(AppointmentInvitation)).one().booking_id is None


def test_a_time_taken_meanwhile_offers_the_others(client, db_session, make_staff, submission, offered):
    kept, full, _others = offered
    token = _invited(client, db_session, make_staff, submission)
    response = _book(client, token, full.id)
    assert response.status_code == 409 and f'id="slot-{kept.id}"' in response.get_data(as_text=True)
    db_session.expire_all()
    assert db_session.get(Slot, full.id).taken == 1
    assert db_session.scalars(select(Booking)).all() == []


def test_the_same_link_used_twice_at_once_books_once(app, db_session, make_staff, submission, offered):
    """The second request read the invitation before the first booked: the conditional UPDATE
    that uses the invitation refuses it, and its place goes back with the rollback."""
    from portal.appointments.mails import BookingMailSetup
    from portal.documents.storage import DocumentStorage

    kept, _full, _others = offered
    second_slot = _slot(db_session, db_session.get(Submission, submission.id).site, at=time(11, 0))
    staff = make_staff("caseworker", "WZ")
    settings = settings_of(app)
    setup = BookingMailSetup.of(settings, [app.config["SECRET_KEY"]], DocumentStorage(settings.storage_dir))
    now = utcnow()
    with app.test_request_context():
        made = invitations.invite(db_session, submission, staff, None, office=settings.office, now=now)
        db_session.commit()
        with Session(db_session.get_bind()) as first, Session(db_session.get_bind()) as second:
            late = invitations.invitation_from_token(second, made.token, now)
            assert late is not None and late.submission is not None
            early = invitations.invitation_from_token(first, made.token, now)
            booked = invitations.book_invited(first, early, kept.id, now=now, mail_setup=setup)
            first.commit()
            # As if the second request had checked "one open booking per person" before the first
            # committed (at once, on PostgreSQL): only the use of the invitation is left to stop it.
            first.execute(update(Booking).where(Booking.id == booked.id).values(person_key="", email=""))
            first.commit()
            with pytest.raises(invitations.InvitationRefused) as refused:
                invitations.book_invited(second, late, second_slot.id, now=now, mail_setup=setup)
            second.rollback()
            assert refused.value.code == "invalid"
    db_session.expire_all()
    assert len(db_session.scalars(select(Booking)).all()) == 1
    assert db_session.get(Slot, second_slot.id).taken == 0
    assert invitations.invitation_from_token(db_session, made.token, now) is None


def test_the_invitation_page_offers_days(client, db_session, make_staff, submission, offered, sites):
    kept, _full, _others = offered
    later = _slot(db_session, sites["WZ"], days_ahead=5)
    token = _invited(client, db_session, make_staff, submission)
    page = client.get(f"/uk/invitation/{token}").get_data(as_text=True)
    assert 'id="day-form"' in page and f'id="slot-{kept.id}"' in page and f'id="slot-{later.id}"' not in page
    day = (office_today(utcnow()) + timedelta(days=5)).isoformat()
    page = client.get(f"/uk/invitation/{token}?day={day}").get_data(as_text=True)
    assert f'id="slot-{later.id}"' in page and f'id="slot-{kept.id}"' not in page
    for odd in ("x", "9999-12-31", date(2000, 1, 1).isoformat()):
        assert client.get(f"/uk/invitation/{token}", query_string={"day": odd}).status_code == 200


def test_booking_needs_the_forms_csrf_token(client, db_session, make_staff, submission, offered):
    kept, _full, _others = offered
    token = _invited(client, db_session, make_staff, submission)
    for data in ({"slot": kept.id}, {"slot": kept.id, "csrf_token": "x" * 40}):
        assert client.post(f"/uk/invitation/{token}", data=data).status_code == 400
    assert db_session.scalars(select(Booking)).all() == []
    assert client.get(f"/uk/invitation/{token}").status_code == 200, "the link still works"


def test_guessing_links_is_rate_limited_like_the_status_lookup(client, sites):
    answers = [client.get(f"/de/invitation/{'A' * 30}{n:02d}").status_code for n in range(12)]
    assert answers[:10] == [404] * 10 and answers[10:] == [429, 429]  # LOOKUP_LIMIT: 10 per minute
