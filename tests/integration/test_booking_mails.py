"""Booking mails through the outbox: confirm link, confirmation with .ics, reminders exactly once
(never for cancelled or unconfirmed bookings, not too early), cancellations, the booking's
language, and the worker delivering to a real SMTP server."""
from __future__ import annotations

import re
import threading
from email.message import EmailMessage
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date
from babel.messages.extract import extract_from_file
from babel.support import Translations
from flask import current_app
from icalendar import Calendar
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.appointments import booking as rules
from portal.appointments import links
from portal.appointments.mails import (
    BookingMailSetup,
    confirm_url,
    manage_url,
    send_booking_cancelled,
    send_booking_confirmed,
    send_confirmation_request,
    send_due_reminders,
)
from portal.appointments.slots import generate_slots
from portal.config import secret_keys, settings_of
from portal.extensions import get_storage
from portal.domain.dates import PartialDate
from portal.extensions import db
from portal.models import (
    Booking,
    BookingStatus,
    Service,
    ServiceCounters,
    SiteBookingRules,
    Slot,
)
from portal.models._types import utcnow
from portal.models.mail import OutboundMail
from portal.notify.dev_mailbox import DevMailbox
from portal.notify.sender import send_due_mail
from tests.support.helpers import ROOT

BERLIN = ZoneInfo("Europe/Berlin")
# Thursday 26 March 2026, 11:00 in Wetzlar; the clocks go forward on Sunday 29 March.
NOW = datetime(2026, 3, 26, 10, 0, tzinfo=timezone.utc)
FRIDAY_8 = datetime(2026, 3, 27, 8, 0, tzinfo=BERLIN)  # 07:00 UTC, 21 hours after NOW
MONDAY_8 = datetime(2026, 3, 30, 8, 0, tzinfo=BERLIN)  # 06:00 UTC, after the change
MAIL_TEMPLATES = ROOT / "portal" / "templates" / "mail"
BOOKING_TEMPLATES = ("booking_confirm_request", "booking_confirmed", "booking_reminder", "booking_cancelled")
PARTIALS = ("booking_details", "booking_bring", "booking_manage")
URL = re.compile(r"https?://\S+")


# -- set-up ---------------------------------------------------------------------------------

@pytest.fixture
def counters(app, sites, db_session):
    """Card collection at Wetzlar, two counters; slots for the week around the DST change."""
    service = db_session.scalar(select(Service).where(Service.code == "card-collection"))
    assert service.needs_appointment
    counters = ServiceCounters(site=sites["WZ"], service=service, counters=2, staff_counters=0)
    db_session.add(counters)
    db_session.flush()
    assert generate_slots(db_session, counters, date(2026, 3, 26), date(2026, 4, 2)) > 0
    db_session.commit()
    return counters


def _setup() -> BookingMailSetup:
    """What the app's views and worker give the booking mails: its settings, keys and storage."""
    return BookingMailSetup.of(settings_of(current_app), secret_keys(current_app.config), get_storage())


def _slot(session: Session, local: datetime) -> Slot:
    slot = session.scalar(select(Slot).join(Service).where(
        Service.code == "card-collection", Slot.starts_at == local.astimezone(timezone.utc)))
    assert slot is not None, local
    return slot


_people = iter(range(10_000))


def _book(session: Session, local: datetime, *, language: str = "uk", now: datetime = NOW,
          confirm: bool = True, surname: str | None = None) -> Booking:
    """The applicant's way through the domain: hold, details (+ mail), confirm (+ mail)."""
    number = next(_people)
    booking = rules.hold(session, _slot(session, local).id, language=language, client_address="203.0.113.7",
                         now=now, hold_minutes=10)
    person = rules.Person(surname or f"Шевченко{number}", "Олександр", PartialDate(1987, 3),
                          f"applicant{number}@abh-test.example")
    rules.give_details(session, booking, person, now=now, confirm_minutes=60)
    send_confirmation_request(session, booking, _setup())
    if confirm:
        rules.confirm(session, booking, now + timedelta(minutes=3))
        send_booking_confirmed(session, booking, _setup(), now=now + timedelta(minutes=3))
    session.commit()
    return booking


def _mails(session: Session, booking: Booking | None = None, kind: str | None = None) -> list[OutboundMail]:
    """Outbox rows, oldest first; `kind` is the template (recognised by its subject)."""
    session.expire_all()
    query = select(OutboundMail).order_by(OutboundMail.id)
    if booking is not None:
        query = query.where(OutboundMail.recipient == booking.email)
    rows = list(session.scalars(query))
    if kind is not None:
        rows = [row for row in rows if _kind(row) == kind]
    return rows


def _sent_by_the_worker(session: Session, row: OutboundMail, maildir) -> EmailMessage:
    """The outbox row as the worker sends it (into a Maildir), with the others due."""
    settings = settings_of(current_app)
    report = send_due_mail(session, get_storage(), settings.smtp, settings.office.mail_from, dev_mailbox=maildir)
    assert report.sent >= 1 and not report.retried and not report.failed, report
    mailbox = DevMailbox(maildir)
    [summary] = [summary for summary in mailbox.summaries() if summary.subject == _one_line(row.subject)]
    return mailbox.message(summary.key)


def _kind(row: OutboundMail) -> str:
    text = row.body_text
    if "/appointments/confirm/" in text:
        return "booking_confirm_request"
    if row.attachments and "/appointments/manage/" in text:
        return "booking_confirmed"
    if row.attachments:
        return "booking_cancelled"
    return "booking_reminder"


def _one_line(text: str) -> str:
    """As in a subject: render_mail folds all white space (also the narrow no-break space of dates)."""
    return " ".join(text.split())


def _link(text: str, purpose: str) -> str:
    match = re.search(rf"(https?://\S+/appointments/{purpose}/(\S+))", text)
    assert match, f"no {purpose} link in:\n{text}"
    return match.group(1)


def _token(url: str) -> str:
    return url.rsplit("/", 1)[1]


def _without_token(url: str) -> str:
    """Two links to the same booking differ in their token's timestamp when made a second apart."""
    return url.rsplit("/", 1)[0]


def _ics(row: OutboundMail) -> Calendar:
    [attachment] = [a for a in row.attachments if a["media_type"] == "text/calendar"]
    return Calendar.from_ical(get_storage().read(attachment["sha256"]))


# -- confirmation request -------------------------------------------------------------------

def test_confirmation_request_carries_a_working_confirm_link(app, counters):
    with app.app_context():
        session = db.session
        booking = _book(session, MONDAY_8, confirm=False)
        [mail] = _mails(session, booking)
        assert mail.language == "uk" and mail.recipient == booking.email
        url = _link(mail.body_text, "confirm")
        assert _without_token(url) == _without_token(confirm_url(booking, _setup()))
        assert url.startswith(settings_of(app).office.public_base_url + "/uk/appointments/confirm/")
        assert f'href="{url}"' in mail.body_html
        secret = app.config["SECRET_KEY"]
        assert links.booking_from_token(session, secret, _token(url), links.CONFIRM).id == booking.id
        assert links.booking_from_token(session, secret, _token(url), links.MANAGE) is None
        # What, when, where, in Ukrainian, on the office's clock.
        monday = format_date(date(2026, 3, 30), "full", locale="uk")
        for part in (mail.body_text, mail.body_html):
            assert monday in part and "08:00" in part and booking.reference in part
            assert "Karl-Kellner-Ring 51" in part and "35576 Wetzlar" in part
            assert "60" in part  # PORTAL_BOOKING_CONFIRM_MINUTES
        assert _one_line(monday) in mail.subject
        # The link does confirm.
        rules.confirm(session, links.booking_from_token(session, secret, _token(url), links.CONFIRM),
                      NOW + timedelta(minutes=5))
        session.commit()
        assert session.get(Booking, booking.id).status == BookingStatus.CONFIRMED


def test_mails_are_refused_for_a_booking_in_the_wrong_state(app, counters):
    with app.app_context():
        session = db.session
        booking = _book(session, MONDAY_8, confirm=False)
        with pytest.raises(ValueError):
            send_booking_confirmed(session, booking, _setup())
        with pytest.raises(ValueError):
            send_booking_cancelled(session, booking, _setup())
        rules.confirm(session, booking, NOW)
        with pytest.raises(ValueError):
            send_confirmation_request(session, booking, _setup())


# -- confirmed, with the calendar file ------------------------------------------------------

@pytest.mark.parametrize("language", ["fa", "de"])
def test_confirmed_mail_carries_the_confirmation_as_tagged_pdf(app, counters, language, tmp_path):
    """The confirmation to print or show at the counter: date and time, site, booking number,
    what to bring, the manage link as QR code; in the booking's language with German beneath."""
    import pypdfium2
    import zxingcpp

    from tests.support.pdf_text import pdfium_text, spoken
    from tests.support.pdfua import assert_pdfua

    with app.app_context():
        session = db.session
        booking = _book(session, MONDAY_8, language=language, surname="رضایی")
        [mail] = _mails(session, booking, "booking_confirmed")
        assert [a["media_type"] for a in mail.attachments] == ["text/calendar", "application/pdf"]
        # Queued as HTML, made into the PDF by the sender (the request does not wait for it).
        assert mail.attachments[1]["made_from"] == "text/html"
        sent = _sent_by_the_worker(session, mail, tmp_path / "maildir")
        [pdf_part] = [part for part in sent.iter_attachments() if part.get_content_type() == "application/pdf"]
        assert pdf_part.get_filename() == f"{booking.reference}.pdf"
        pdf = pdf_part.get_content()
        assert get_storage().read(_mails(session, booking, "booking_confirmed")[0].attachments[1]["sha256"]) == pdf
        assert_pdfua(pdf)
        text = pdfium_text(pdf)
        assert booking.reference in text and "08:00" in text and booking.slot.site.name in text
        read = spoken(pdf)
        assert (language, "Олександр رضایی") in read  # the name as booked
        if language != "de":
            assert any(lang == "de" for lang, _text in read)
        # QR codes only: the Persian confirmation once gave a second reading (not reproduced since).
        codes = [code.text for page in pypdfium2.PdfDocument(pdf) for code in
                 zxingcpp.read_barcodes(page.render(scale=2).to_pil(), formats=zxingcpp.BarcodeFormat.QRCode)]
        assert len(codes) == 1 and f"/{language}/appointments/manage/" in codes[0]
        assert _without_token(codes[0]) == _without_token(_link(mail.body_text, "manage"))

@pytest.mark.parametrize("local, utc_hour", [(FRIDAY_8, 7), (MONDAY_8, 6)])
def test_confirmed_mail_carries_a_valid_ics(app, counters, local, utc_hour):
    with app.app_context():
        session = db.session
        booking = _book(session, local)
        [mail] = _mails(session, booking, "booking_confirmed")
        assert mail.attachments[0]["filename"] == f"{booking.reference}.ics"
        calendar = _ics(mail)
        assert calendar["method"] == "PUBLISH"
        [event] = calendar.events
        start = event.decoded("dtstart")
        assert str(start.tzinfo) == "Europe/Berlin" and start.replace(tzinfo=None) == local.replace(tzinfo=None)
        assert start.astimezone(timezone.utc).hour == utc_hour
        assert str(event["status"]) == "CONFIRMED" and str(event["uid"]).startswith(booking.reference + "@")
        assert "Karl-Kellner-Ring 51" in str(event["location"])
        # The manage link of the mail is the event's URL, and it opens this booking.
        url = _link(mail.body_text, "manage")
        assert str(event["url"]) == url
        assert _without_token(url) == _without_token(manage_url(booking, _setup()))
        assert links.booking_from_token(session, app.config["SECRET_KEY"], _token(url), links.MANAGE).id == booking.id
        assert "08:00" in mail.body_text and booking.reference in mail.subject + mail.body_text
        # What to bring: the card-collection list of the catalogue, in Ukrainian.
        assert "паспорт" in mail.body_text


def test_a_moved_booking_gets_a_new_file_and_new_links(app, counters):
    with app.app_context():
        session = db.session
        booking = _book(session, FRIDAY_8, now=NOW - timedelta(days=2))
        old_manage = manage_url(booking, _setup())
        first = _ics(_mails(session, booking, "booking_confirmed")[0]).events[0]
        rules.reschedule(session, booking, _slot(session, MONDAY_8).id, NOW - timedelta(days=1), deadline_hours=24)
        send_booking_confirmed(session, booking, _setup(), moved=True, now=NOW - timedelta(days=1))
        session.commit()
        _, new_row = _mails(session, booking, "booking_confirmed")
        moved = _ics(new_row).events[0]
        assert str(moved["uid"]) == str(first["uid"])
        assert int(moved["sequence"]) > int(first["sequence"])
        assert moved.decoded("dtstart").replace(tzinfo=None) == datetime(2026, 3, 30, 8, 0)
        assert links.booking_from_token(session, app.config["SECRET_KEY"], _token(old_manage), links.MANAGE) is None
        assert _link(new_row.body_text, "manage") != old_manage


# -- reminders ------------------------------------------------------------------------------

def test_reminders_go_once_and_only_to_confirmed_bookings_in_the_window(app, counters, make_staff):
    staff = make_staff("caseworker", "WZ")
    with app.app_context():
        session = db.session
        due = _book(session, FRIDAY_8)
        later = _book(session, MONDAY_8)  # beyond the 24 hours at NOW
        cancelled = _book(session, FRIDAY_8 + timedelta(minutes=10), now=NOW - timedelta(days=2))
        rules.cancel(session, cancelled, NOW - timedelta(days=1), deadline_hours=24)
        send_booking_cancelled(session, cancelled, _setup())
        unconfirmed = _book(session, FRIDAY_8 + timedelta(minutes=20), now=NOW - timedelta(minutes=30),
                            confirm=False)
        expired = _book(session, FRIDAY_8 + timedelta(minutes=30), now=NOW - timedelta(hours=3), confirm=False)
        rules.release_expired_holds(session, NOW)
        no_address = rules.book_for_caller(
            session, _slot(session, FRIDAY_8 + timedelta(minutes=40)).id,
            rules.Person("Yılmaz", "Ayşe", PartialDate(1979, 11, 2), ""), staff_user_id=staff.id,
            language="tr", now=NOW)
        session.commit()
        assert session.get(Booking, expired.id).status == BookingStatus.EXPIRED

        assert send_due_reminders(session, _setup(), now=NOW) == 1
        assert send_due_reminders(session, _setup(), now=NOW) == 0  # run twice: nothing more
        assert send_due_reminders(session, _setup(), now=NOW + timedelta(minutes=30)) == 0

        reminders = _mails(session, kind="booking_reminder")
        assert [m.recipient for m in reminders] == [due.email]
        session.expire_all()
        assert session.get(Booking, due.id).reminder_sent_at is not None
        for other in (later, cancelled, unconfirmed, expired, no_address):
            assert session.get(Booking, other.id).reminder_sent_at is None

        # Three days on, Monday's appointment (after the clock change) comes within the window.
        # Real hours: Monday 06:00 UTC is 25 hours after Sunday 05:00 UTC, 23 after 07:00 UTC.
        assert send_due_reminders(session, _setup(), now=datetime(2026, 3, 29, 5, 0, tzinfo=timezone.utc)) == 0
        assert send_due_reminders(session, _setup(), now=datetime(2026, 3, 29, 7, 0, tzinfo=timezone.utc)) == 1
        assert [m.recipient for m in _mails(session, kind="booking_reminder")] == [due.email, later.email]
        # An appointment that has begun is not reminded any more.
        assert send_due_reminders(session, _setup(), now=datetime(2026, 3, 30, 6, 1, tzinfo=timezone.utc)) == 0


def test_reminder_content_and_the_late_manage_block(app, counters):
    with app.app_context():
        session = db.session
        booking = _book(session, FRIDAY_8)
        assert send_due_reminders(session, _setup(), now=NOW) == 1
        [mail] = _mails(session, booking, "booking_reminder")
        assert not mail.attachments and mail.language == "uk"
        friday = format_date(date(2026, 3, 27), "full", locale="uk")
        assert _one_line(friday) in mail.subject and "08:00" in mail.subject
        assert friday in mail.body_text and booking.reference in mail.body_text
        # 21 hours before: too late to cancel online (24 h), so the phone number is given, and the link.
        assert "+49 6441 407-1700" in mail.body_text
        token = _token(_link(mail.body_text, "manage"))
        assert links.booking_from_token(session, app.config["SECRET_KEY"], token, links.MANAGE).id == booking.id


def test_a_moved_booking_is_reminded_again_for_its_new_time(app, counters):
    with app.app_context():
        session = db.session
        booking = _book(session, FRIDAY_8, now=NOW - timedelta(days=2))
        assert send_due_reminders(session, _setup(), now=NOW - timedelta(hours=20)) == 0
        rules.reschedule(session, booking, _slot(session, MONDAY_8).id, NOW - timedelta(hours=20),
                         deadline_hours=24)
        session.commit()
        assert send_due_reminders(session, _setup(), now=NOW) == 0  # Friday's time is free now
        assert send_due_reminders(session, _setup(), now=datetime(2026, 3, 29, 12, 0, tzinfo=timezone.utc)) == 1


@pytest.mark.postgres_only
def test_two_workers_remind_each_booking_exactly_once(app, counters, db_session):
    if db_session.bind.dialect.name == "sqlite":
        pytest.skip("SQLite has a single writer; row locks need PostgreSQL")
    with app.app_context():
        bookings = [_book(db.session, FRIDAY_8 + timedelta(minutes=10 * (i // 2))) for i in range(12)]
        emails = sorted(b.email for b in bookings)
    barrier = threading.Barrier(2)
    counts, errors = [], []

    def work():
        try:
            with app.app_context(), Session(db_session.bind) as session:
                barrier.wait()
                counts.append(send_due_reminders(session, _setup(), now=NOW))
        except Exception as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors and sum(counts) == 12
    reminded = sorted(m.recipient for m in _mails(db_session, kind="booking_reminder"))
    assert reminded == emails


# -- cancellation ---------------------------------------------------------------------------

def test_cancelled_by_the_applicant(app, counters):
    with app.app_context():
        session = db.session
        booking = _book(session, MONDAY_8, language="de")
        rules.cancel(session, booking, NOW, deadline_hours=24)
        send_booking_cancelled(session, booking, _setup())
        session.commit()
        [mail] = _mails(session, booking, "booking_cancelled")
        assert _one_line(format_date(date(2026, 3, 30), "full", locale="de")) + " " in mail.subject
        calendar = _ics(mail)
        [event] = calendar.events
        assert calendar["method"] == "CANCEL" and str(event["status"]) == "CANCELLED"
        confirmed = _ics(_mails(session, booking, "booking_confirmed")[0]).events[0]
        assert str(event["uid"]) == str(confirmed["uid"])
        assert int(event["sequence"]) > int(confirmed["sequence"])
        assert settings_of(app).office.public_base_url + "/de/appointments/" in mail.body_text
        assert "/appointments/manage/" not in mail.body_text
        assert "+49 6441 407-1700" in mail.body_text  # "if it was not you, please call us"


def test_cancelled_by_the_office_with_a_reason(app, counters):
    with app.app_context():
        session = db.session
        booking = _book(session, MONDAY_8, language="ar")
        rules.cancel(session, booking, NOW + timedelta(days=3, hours=19), deadline_hours=24, by_staff=True)
        send_booking_cancelled(session, booking, _setup(), by_office=True, reason="Krankheit <Personal> & Ausfall")
        session.commit()
        [mail] = _mails(session, booking, "booking_cancelled")
        assert "Krankheit <Personal> & Ausfall" in mail.body_text
        assert "Krankheit &lt;Personal&gt; &amp; Ausfall" in mail.body_html
        assert 'dir="rtl"' in mail.body_html and mail.language == "ar"
        assert settings_of(app).office.public_base_url + "/ar/appointments/" in mail.body_text
        assert _ics(mail)["method"] == "CANCEL"


def test_no_mails_for_a_phone_booking_without_address(app, counters, make_staff):
    with app.app_context():
        session = db.session
        staff = make_staff("caseworker", "WZ")
        booking = rules.book_for_caller(session, _slot(session, MONDAY_8).id,
                                        rules.Person("Yılmaz", "Ayşe", PartialDate(1979, 11, 2), ""),
                                        staff_user_id=staff.id, language="tr", now=NOW)
        assert send_booking_confirmed(session, booking, _setup()) is None
        rules.cancel(session, booking, NOW, deadline_hours=24, by_staff=True)
        assert send_booking_cancelled(session, booking, _setup(), by_office=True) is None
        session.commit()
        assert _mails(session) == []


# -- language -------------------------------------------------------------------------------

def _message_ids() -> set[str]:
    """The English ids of the booking mails: templates (with layout) and subjects."""
    ids = set()
    for name in (*BOOKING_TEMPLATES, *PARTIALS, "_layout"):
        for _, message, _, _ in extract_from_file("jinja2", MAIL_TEMPLATES / f"{name}.html"):
            ids.add(message if isinstance(message, str) else tuple(m for m in message if m))
    subjects = ROOT / "portal" / "notify" / "templates.py"
    ids.update(message for _, message, _, _ in extract_from_file("python", subjects, keywords={"_l": None})
               if "%(date)s" in message)  # the booking subjects
    return ids


def _english_fragments(ids: set[str]) -> set[str]:
    """The words of each message id between its placeholders, where long enough to be a sentence."""
    fragments = set()
    for message in (m for entry in ids for m in ((entry,) if isinstance(entry, str) else entry)):
        for piece in re.split(r"%\(\w+\)[sd]", message):
            piece = piece.strip(" :,.–-")
            if len(piece) >= 12:
                fragments.add(piece)
    return fragments


@pytest.mark.parametrize("template", PARTIALS)
def test_partials_use_the_same_message_ids_in_text_and_html(template):
    """babel.cfg extracts *.html; the .txt twins must not bring strings of their own."""
    def ids(path):
        return {message for _, message, _, _ in extract_from_file("jinja2", path)}

    text_ids, html_ids = ids(MAIL_TEMPLATES / f"{template}.txt"), ids(MAIL_TEMPLATES / f"{template}.html")
    assert text_ids and text_ids == html_ids


@pytest.mark.parametrize("language", ["de", "en", "uk", "ru", "ar", "tr", "fa"])
def test_every_booking_mail_renders_in_every_language(app, counters, language):
    with app.app_context():
        session = db.session
        booking = _book(session, MONDAY_8, language=language)
        send_due_reminders(session, _setup(), now=datetime(2026, 3, 29, 12, 0, tzinfo=timezone.utc))
        rules.cancel(session, booking, NOW, deadline_hours=24)
        send_booking_cancelled(session, booking, _setup())
        session.commit()
        mails = _mails(session, booking)
        assert sorted(_kind(m) for m in mails) == sorted(BOOKING_TEMPLATES)
        direction = "rtl" if language in ("ar", "fa") else "ltr"
        from portal.domain.digits import local_digits

        # The date in the mail's digits (Persian digits in a Persian mail, as its texts have them).
        day = local_digits(format_date(date(2026, 3, 30), "full", locale=language), language)
        for mail in mails:
            assert mail.language == language
            assert f'<html lang="{language}" dir="{direction}">' in mail.body_html
            assert _one_line(day) in mail.subject and day in mail.body_text
            assert "{{" not in mail.body_text + mail.body_html and "%(" not in mail.body_text + mail.subject
            assert "\n" not in mail.subject
            base = settings_of(app).office.public_base_url
            assert all(url.startswith(f"{base}/{language}/appointments/") for url in URL.findall(mail.body_text))


def test_a_ukrainian_booking_gets_no_english_sentence(app, counters):
    """Every sentence of the booking mails in Ukrainian; the reference check is the English
    message ids themselves (none of their sentences may appear)."""
    ids = _message_ids()
    assert sum(isinstance(m, str) and "%(date)s" in m for m in ids) == 4
    ukrainian = Translations.load(str(ROOT / "portal" / "translations"), ["uk"])
    missing = sorted(str(m) for m in ids if (ukrainian.ugettext(m) == m if isinstance(m, str)
                                             else ukrainian.ungettext(*m, 5) == m[1]))
    with app.app_context():
        session = db.session
        booking = _book(session, MONDAY_8, language="uk")
        send_due_reminders(session, _setup(), now=datetime(2026, 3, 29, 12, 0, tzinfo=timezone.utc))
        rules.cancel(session, booking, NOW, deadline_hours=24)
        send_booking_cancelled(session, booking, _setup())
        session.commit()
        mails = _mails(session, booking)
    assert len(mails) == 4
    # What is translated already must come out in Ukrainian: the mail really is rendered in "uk".
    for mail in mails:
        for translated in ("Hello,", "Kind regards", "This e-mail was sent automatically. Please do not reply to it."):
            assert ukrainian.ugettext(translated) != translated and ukrainian.ugettext(translated) in mail.body_text
    assert not missing, f"the uk catalogue lacks booking mail strings: {missing}"
    english = _english_fragments(ids)
    for mail in mails:
        for part in (mail.subject, mail.body_text):
            found = [fragment for fragment in english if fragment in part]
            assert not found, (mail.subject, found)


# -- end to end: the worker command and a real SMTP server ---------------------------------

def test_worker_reminds_once_through_smtp(app, counters, smtp):
    smtp.start()
    now = utcnow()
    with app.app_context():
        session = db.session
        site_id, service_id = counters.site_id, counters.service_id
        # Bookable today: no notice, and a time three hours from now (whatever the clock says).
        session.add(SiteBookingRules(site_id=site_id, window_days=56, min_notice_days=0, release_time=time(0, 0)))
        start = (now + timedelta(hours=3)).replace(second=0, microsecond=0)
        session.add(Slot(site_id=site_id, service_id=service_id, starts_at=start,
                         ends_at=start + timedelta(minutes=10), capacity=1))
        session.commit()
        local = start.astimezone(BERLIN)
        booking = _book(session, local, now=now - timedelta(minutes=5))
        reference, email = booking.reference, booking.email

    runner = app.test_cli_runner()
    first = runner.invoke(args=["worker", "--once"])
    assert first.exit_code == 0, first.output
    assert "reminders: 1 reminders queued" in first.output
    assert "mail: sent 3, retried 0, failed 0" in first.output  # please confirm, confirmed, reminder

    second = runner.invoke(args=["worker", "--once"])
    assert second.exit_code == 0, second.output
    assert "reminders: 0 reminders queued" in second.output and "mail: sent 0" in second.output
    assert len(smtp.handler.messages) == 3

    by_kind = {}
    for message in smtp.handler.messages:
        assert message["To"] == email and message["Content-Language"] == "uk"
        text = message.get_body(("plain",)).get_content()
        ics = [part for part in message.iter_attachments() if part.get_content_type() == "text/calendar"]
        kind = ("confirm" if "/appointments/confirm/" in text else "confirmed" if ics else "reminder")
        by_kind[kind] = (message, text, ics)
    assert set(by_kind) == {"confirm", "confirmed", "reminder"}

    message, text, _ = by_kind["reminder"]
    assert local.strftime("%H:%M") in message["Subject"] and reference in text
    token = _token(_link(text, "manage"))
    with app.app_context():
        assert links.booking_from_token(db.session, app.config["SECRET_KEY"], token, links.MANAGE).reference == reference

    _, _, [ics_part] = by_kind["confirmed"]
    assert ics_part.get_filename() == f"{reference}.ics"
    [event] = Calendar.from_ical(ics_part.get_payload(decode=True)).events
    assert event.decoded("dtstart") == start
