"""The booking mails: please confirm, confirmed (with the .ics), reminder, cancelled.

Each function adds one mail to the outbox in the caller's transaction and commits nothing
(`send_due_reminders`, a worker job, is the exception: it commits per booking). The mail is in
the booking's language; dates and times are the office's (Europe/Berlin). Links are signed
(portal.appointments.links) and absolute, built on the office's public address:

    /<lang>/appointments/confirm/<token>    confirm_url(booking, setup)
    /<lang>/appointments/manage/<token>     manage_url(booking, setup)   (cancel or move)
    /<lang>/appointments/                   book_again_url(language, setup)

What they need from the installation comes in a BookingMailSetup; rendering needs an app
context (templates, translations), not a request.
"""
from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import force_locale, format_date, format_time
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from portal.appointments import links
from portal.appointments.booking import can_change
from portal.appointments.ics import booking_ics, cancellation_ics, uid_domain_of, utc, what_to_bring
from portal.config import DEFAULT_LANGUAGE, LANGUAGES, BookingSettings, OfficeSettings, Settings
from portal.documents.storage import DocumentStorage
from portal.domain.digits import local_digits
from portal.domain.office_time import to_office_time
from portal.models import Booking, BookingStatus, Service, Slot
from portal.models._types import utcnow
from portal.models.mail import OutboundMail
from portal.notify.outbox import pdf_made_when_sent

log = logging.getLogger(__name__)

ICS_MEDIA_TYPE = "text/calendar"


@dataclass(frozen=True)
class BookingMailSetup:
    """What the booking mails need from the installation: the office (name, public address,
    sender), the booking rules they quote, the keys that sign the links (current last) and the
    storage the calendar files go to."""
    office: OfficeSettings
    rules: BookingSettings
    keys: tuple[str, ...]
    storage: DocumentStorage

    @classmethod
    def of(cls, settings: Settings, keys: Sequence[str], storage: DocumentStorage) -> BookingMailSetup:
        return cls(settings.office, settings.booking, tuple(keys), storage)


# -- links ----------------------------------------------------------------------------------

def _language(booking: Booking) -> str:
    return booking.language if booking.language in LANGUAGES else DEFAULT_LANGUAGE


def confirm_url(booking: Booking, setup: BookingMailSetup) -> str:
    """The link that confirms an unconfirmed booking."""
    token = links.make_token(list(setup.keys), booking, links.CONFIRM)
    return setup.office.url(f"/{_language(booking)}/appointments/confirm/{token}")


def manage_url(booking: Booking, setup: BookingMailSetup) -> str:
    """The link to see, move or cancel a booking; stops working when the booking is moved."""
    token = links.make_token(list(setup.keys), booking, links.MANAGE)
    return setup.office.url(f"/{_language(booking)}/appointments/manage/{token}")


def book_again_url(language: str, setup: BookingMailSetup) -> str:
    return setup.office.url(f"/{language if language in LANGUAGES else DEFAULT_LANGUAGE}/appointments/")


# -- what the mails say ---------------------------------------------------------------------

def _service_title(booking: Booking, language: str) -> str:
    return service_title(booking.slot.service, language)


def service_title(service: Service, language: str) -> str:
    """The service's name in `language` (its catalogue title), or the German name it is stored with."""
    from portal.forms.catalogue import BY_CODE

    entry = BY_CODE.get(service.code)
    if entry is None:
        return service.name_de
    with force_locale(language):
        return str(entry.title)


def local_start(booking: Booking) -> datetime:
    """The start on the office's clock."""
    return to_office_time(booking.slot.starts_at)


def when(booking: Booking, language: str) -> tuple[str, str]:
    """(date, time) of the appointment written the recipient's way, on the office's clock (24-hour)."""
    start = local_start(booking)
    with force_locale(language):
        # Already converted: no second conversion to the configured zone (rebase=False).
        return format_date(start.date(), "full"), format_time(start, "HH:mm", rebase=False)


def _context(booking: Booking, language: str) -> dict:
    site = booking.slot.site
    # In the mail's digits, as the translated texts around them (Persian digits in Persian mails).
    day, clock = (local_digits(part, language) for part in when(booking, language))
    with force_locale(language):
        bring = [str(item) for item in what_to_bring(booking.slot.service.code)]
    return {
        "service_title": _service_title(booking, language),
        "site_name": site.name,
        "site_address": f"{site.street}, {site.postcode} {site.city}",
        "site_phone": site.phone,
        "date": day,
        "time": clock,
        "reference": booking.reference,
        "bring": bring,
    }


def _manage_context(booking: Booking, now: datetime, link: str, setup: BookingMailSetup) -> dict:
    hours = setup.rules.cancel_hours
    return {"manage_url": link, "cancel_hours": hours, "changeable": can_change(booking, now, hours)}


def _store(storage: DocumentStorage, data: bytes, filename: str, media_type: str = ICS_MEDIA_TYPE) -> dict[str, str]:
    return {"sha256": storage.put(data), "filename": filename, "media_type": media_type}


def _enqueue(session: Session, booking: Booking, name: str, language: str, context: dict,
             attachments: list[dict[str, str]] = ()) -> OutboundMail:
    from portal.notify.outbox import enqueue_mail
    from portal.notify.templates import render_mail

    mail = render_mail(name, language, **context)
    return enqueue_mail(session, recipient=booking.email, subject=mail.subject, body_text=mail.text,
                        body_html=mail.html, language=language, attachments=attachments,
                        submission_id=booking.submission_id)


def _require(booking: Booking, status: BookingStatus, mail: str) -> None:
    if booking.status != status:
        raise ValueError(f"{mail}: booking {booking.reference} is {booking.status}, not {status}")


# -- calendar files -------------------------------------------------------------------------

def calendar_file(booking: Booking, setup: BookingMailSetup, now: datetime | None = None, *,
                  link: str | None = None) -> bytes:
    """The .ics of a booked appointment, as attached to the confirmation (also for downloading);
    `link`: the manage link to put in it (default: a fresh one)."""
    language = _language(booking)
    return booking_ics(booking, office_name=setup.office.name, site=booking.slot.site,
                       service_title=_service_title(booking, language),
                       manage_url=link or manage_url(booking, setup), language=language,
                       cancel_hours=setup.rules.cancel_hours, organizer_email=setup.office.mail_address,
                       now=now, uid_domain=_uid_domain(setup))


def _uid_domain(setup: BookingMailSetup) -> str:
    return uid_domain_of(setup.office.public_base_url)


def confirmation_html(booking: Booking, setup: BookingMailSetup, *, link: str, moved: bool = False) -> str:
    """The confirmation to print or show at the counter (portal.pdf.appointment_confirmation), in
    the booking's language with German beneath, as the HTML the mail's sender makes the tagged
    PDF of (outbox.pdf_made_when_sent)."""
    from portal.pdf.appointment_confirmation import AppointmentConfirmationData, BringItem, appointment_html

    language = _language(booking)
    site = booking.slot.site
    day, clock = when(booking, language)
    day_de, _clock = when(booking, "de")
    with force_locale(language):
        bring = [str(item) for item in what_to_bring(booking.slot.service.code)]
    with force_locale("de"):
        bring_de = [str(item) for item in what_to_bring(booking.slot.service.code)]
    name = " ".join(part for part in (booking.given_names, booking.surname) if part)
    return appointment_html(AppointmentConfirmationData(
        language=language, office_name=setup.office.name, reference=booking.reference,
        service_title=_service_title(booking, language), service_title_de=_service_title(booking, "de"),
        date=day, date_de=day_de, time=clock, site_name=site.name,
        site_address=f"{site.street}, {site.postcode} {site.city}", manage_url=link, name=name, moved=moved,
        bring=[BringItem(own, german) for own, german in zip(bring, bring_de)]))


def cancellation_file(booking: Booking, setup: BookingMailSetup, now: datetime | None = None) -> bytes:
    language = _language(booking)
    return cancellation_ics(booking, office_name=setup.office.name, site=booking.slot.site,
                            service_title=_service_title(booking, language), language=language,
                            organizer_email=setup.office.mail_address, now=now, uid_domain=_uid_domain(setup))


# -- the mails ------------------------------------------------------------------------------

def send_confirmation_request(session: Session, booking: Booking, setup: BookingMailSetup) -> OutboundMail | None:
    """Please confirm with this link within the booking rules' confirm_minutes, otherwise the time
    is released; with service, site and address, date and time, booking number."""
    _require(booking, BookingStatus.UNCONFIRMED, "confirmation request")
    if not booking.email:
        return None
    language = _language(booking)
    context = _context(booking, language)
    context.update(confirm_url=confirm_url(booking, setup), minutes=setup.rules.confirm_minutes)
    return _enqueue(session, booking, "booking_confirm_request", language, context)


def send_booking_confirmed(session: Session, booking: Booking, setup: BookingMailSetup, *, moved: bool = False,
                           now: datetime | None = None) -> OutboundMail | None:
    """The booked appointment with its .ics and the confirmation as PDF (made when the mail is
    sent), what to bring and the link to cancel or move it. `moved`: after a reschedule (the
    mail says so; the .ics replaces the earlier one)."""
    _require(booking, BookingStatus.CONFIRMED, "booking confirmed")
    if not booking.email:
        return None
    now = utc(now or utcnow())
    language = _language(booking)
    link = manage_url(booking, setup)  # once: the token carries a timestamp, the mail and the file show the same
    context = _context(booking, language) | _manage_context(booking, now, link, setup) | {"moved": moved}
    attachment = _store(setup.storage, calendar_file(booking, setup, now, link=link), f"{booking.reference}.ics")
    html = confirmation_html(booking, setup, link=link, moved=moved).encode("utf-8")
    confirmation = pdf_made_when_sent(setup.storage.put(html), f"{booking.reference}.pdf")
    return _enqueue(session, booking, "booking_confirmed", language, context, [attachment, confirmation])


def send_booking_cancelled(session: Session, booking: Booking, setup: BookingMailSetup, *, by_office: bool = False,
                           reason: str = "", now: datetime | None = None) -> OutboundMail | None:
    """The cancellation (by the applicant, or by the office with an optional reason), with an
    .ics that removes the event from the calendar, and the link to book again."""
    _require(booking, BookingStatus.CANCELLED, "booking cancelled")
    if not booking.email:
        return None
    language = _language(booking)
    context = _context(booking, language)
    context.update(by_office=by_office, reason=(reason or "").strip(), book_url=book_again_url(language, setup))
    attachment = _store(setup.storage, cancellation_file(booking, setup, now), f"{booking.reference}.ics")
    return _enqueue(session, booking, "booking_cancelled", language, context, [attachment])


def _reminder_due(now: datetime, horizon: datetime):
    """Confirmed, not yet reminded, with an address, starting after now and within the window."""
    in_window = select(Slot.id).where(Slot.starts_at > now, Slot.starts_at <= horizon)
    return (Booking.status == BookingStatus.CONFIRMED, Booking.reminder_sent_at.is_(None),
            Booking.email != "", Booking.slot_id.in_(in_window))


def send_due_reminders(session: Session, setup: BookingMailSetup, now: datetime | None = None, *,
                       limit: int = 200) -> int:
    """Remind confirmed bookings that start within the rules' reminder_hours; returns how many.

    Each booking is claimed by `UPDATE … SET reminder_sent_at WHERE reminder_sent_at IS NULL`
    and committed together with its mail, one booking at a time: two workers never remind the
    same booking (on PostgreSQL the second UPDATE waits for the first and then matches nothing),
    and a crash loses at most the booking in hand. A moved booking (reminder_sent_at reset by
    the reschedule) is reminded again for its new time. An address the outbox refuses is not
    tried again. Pass a session with nothing pending: it is committed.
    """
    now = utc(now or utcnow())
    horizon = now + timedelta(hours=setup.rules.reminder_hours)
    due = _reminder_due(now, horizon)
    candidates = session.scalars(select(Booking.id).join(Slot, Slot.id == Booking.slot_id).where(*due)
                                 .order_by(Slot.starts_at, Booking.id).limit(limit)).all()
    sent = 0
    for booking_id in candidates:
        claimed = session.execute(update(Booking).where(Booking.id == booking_id, *due)
                                  .values(reminder_sent_at=now)
                                  .execution_options(synchronize_session=False)).rowcount
        if claimed != 1:  # another worker was first, or the booking changed meanwhile
            continue
        booking = session.get(Booking, booking_id)
        try:
            _send_reminder(session, booking, now, setup)
        except ValueError as exc:  # refused by the outbox (address): keep the claim, do not retry
            log.warning("booking %s: no reminder sent: %s", booking.reference, exc)
            session.commit()
            continue
        except Exception:
            session.rollback()  # try again next round
            log.exception("booking %s: reminder failed", booking_id)
            continue
        session.commit()
        sent += 1
    return sent


def _send_reminder(session: Session, booking: Booking, now: datetime, setup: BookingMailSetup) -> OutboundMail:
    language = _language(booking)
    context = _context(booking, language) | _manage_context(booking, now, manage_url(booking, setup), setup)
    return _enqueue(session, booking, "booking_reminder", language, context)
