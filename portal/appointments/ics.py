"""Calendar files (.ics, RFC 5545) for booked appointments, made with the `icalendar` library.

`booking_ics` describes a confirmed appointment (METHOD:PUBLISH, STATUS:CONFIRMED);
`cancellation_ics` withdraws it (METHOD:CANCEL, STATUS:CANCELLED, same UID) so that a calendar
that imported the first file removes the event.

Times are written as local office time with TZID=Europe/Berlin and a VTIMEZONE component
(`Calendar.add_missing_timezones`), so the appointment stays at 08:00 on the office's clock
whatever the reader's zone and on both sides of a daylight-saving change.

UID: `<booking reference>@<host of the portal's public address>` (uid_domain_of; "portal" when
none is given), stable for the life of the booking, also after it has been moved.

SEQUENCE: nothing about earlier files is stored, so the number is derived from the moment the
file is made: whole seconds since 1 January 2026 (UTC). Every later file of the same booking (a
move, a cancellation, a new download) therefore carries a higher number than the ones before it,
which is all RFC 5545 asks, and the number stays below 2**31 until 2094. A cancellation adds one,
so that it wins even when made within the same second as the confirmation. (The first file is
not numbered 0; calendars only compare the numbers.)

The texts (summary, description) come out in the booking's language: call these inside an app
context with Flask-Babel.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timezone
from urllib.parse import urlsplit

from flask_babel import force_locale, gettext, ngettext
from flask_babel import lazy_gettext as _l
from icalendar import Calendar, Event, vCalAddress, vText

from portal.domain.office_time import aware, to_office_time
from portal.models import Booking, Site

PRODID = "-//Auslaenderbehoerde Lahn-Dill//E-Service-Portal//DE"

# What to bring when the service's catalogue entry names nothing in particular.
DEFAULT_BRING = (
    _l("Your passport"),
    _l("The letter from us or the receipt of your online application, if you have one"),
)


def what_to_bring(service_code: str | None) -> tuple:
    """The list from the service catalogue (lazy strings), or the general one."""
    from portal.forms.catalogue import BY_CODE

    entry = BY_CODE.get(service_code or "")
    return tuple(entry.bring_along) if entry and entry.bring_along else DEFAULT_BRING


def utc(moment: datetime) -> datetime:
    """A stored moment (or an aware one) in UTC."""
    return aware(moment).astimezone(timezone.utc)


def uid_domain_of(public_base_url: str) -> str:
    """The UID's domain: the host of the portal's public address."""
    return urlsplit(public_base_url).hostname or "portal"


def uid_for(booking: Booking, domain: str | None = None) -> str:
    return f"{booking.reference}@{domain or 'portal'}"


SEQUENCE_EPOCH = datetime(2026, 1, 1, tzinfo=timezone.utc)


def sequence_for(now: datetime) -> int:
    """Grows with every file made (see the module docstring)."""
    return max(0, int((utc(now) - SEQUENCE_EPOCH).total_seconds()))


def location_of(site: Site, office_name: str) -> str:
    return f"{office_name}, {site.street}, {site.postcode} {site.city}"


def summary_of(service_title: str, office_name: str, site: Site) -> str:
    place = office_name if site.name in office_name else f"{office_name} {site.name}"
    return f"{service_title} – {place}"


def booking_ics(booking: Booking, *, office_name: str, site: Site, service_title: str, manage_url: str,
                language: str, cancel_hours: int | None = None, bring: Sequence | None = None,
                organizer_email: str = "", uid_domain: str | None = None,
                now: datetime | None = None) -> bytes:
    """The confirmed appointment as an .ics file (METHOD:PUBLISH, STATUS:CONFIRMED)."""
    now = utc(now or datetime.now(timezone.utc))
    with force_locale(language):
        lines = [f"{gettext('Booking number')}: {booking.reference}", "", gettext("Please bring:")]
        lines += [f"- {item}" for item in (bring if bring is not None else what_to_bring(_service_code(booking)))]
        lines.append("")
        if cancel_hours is not None:
            lines.append(ngettext("You can move or cancel the appointment until %(num)s hour before it starts.",
                                  "You can move or cancel the appointment until %(num)s hours before it starts.",
                                  cancel_hours))
        lines.append(manage_url)
        description = "\n".join(lines)
    event = _event(booking, office_name=office_name, site=site, service_title=service_title, language=language,
                   description=description, organizer_email=organizer_email, uid_domain=uid_domain, now=now,
                   sequence=sequence_for(now))
    event.add("url", manage_url)
    event.add("status", "CONFIRMED")
    event.add("transp", "OPAQUE")
    return _calendar("PUBLISH", event, booking)


def cancellation_ics(booking: Booking, *, office_name: str, site: Site, service_title: str, language: str,
                     organizer_email: str = "", uid_domain: str | None = None,
                     now: datetime | None = None) -> bytes:
    """Withdraws the appointment (METHOD:CANCEL, STATUS:CANCELLED, same UID, higher SEQUENCE)."""
    now = utc(now or datetime.now(timezone.utc))
    with force_locale(language):
        description = "\n".join([gettext("This appointment has been cancelled."),
                                 f"{gettext('Booking number')}: {booking.reference}"])
    event = _event(booking, office_name=office_name, site=site, service_title=service_title, language=language,
                   description=description, organizer_email=organizer_email, uid_domain=uid_domain, now=now,
                   sequence=sequence_for(now) + 1)
    event.add("status", "CANCELLED")
    event.add("transp", "TRANSPARENT")
    if booking.email:
        attendee = vCalAddress(f"mailto:{booking.email}")
        name = " ".join(part for part in (booking.given_names, booking.surname) if part)
        if name:
            attendee.params["cn"] = vText(name)
        event.add("attendee", attendee)
    return _calendar("CANCEL", event, booking)


def _service_code(booking: Booking) -> str | None:
    service = booking.slot.service if booking.slot is not None else None
    return service.code if service is not None else None


def _event(booking: Booking, *, office_name: str, site: Site, service_title: str, language: str,
           description: str, organizer_email: str, uid_domain: str | None, now: datetime,
           sequence: int) -> Event:
    start = to_office_time(booking.slot.starts_at)
    end = to_office_time(booking.slot.ends_at)
    event = Event()
    event.add("uid", uid_for(booking, uid_domain))
    event.add("dtstamp", now)
    event.add("dtstart", start)
    event.add("dtend", end)
    event.add("sequence", sequence)
    event.add("summary", summary_of(service_title, office_name, site), parameters={"language": language})
    event.add("location", location_of(site, office_name))
    event.add("description", description, parameters={"language": language})
    if organizer_email:
        organizer = vCalAddress(f"mailto:{organizer_email}")
        organizer.params["cn"] = vText(office_name)
        event.add("organizer", organizer)
    return event


def _calendar(method: str, event: Event, booking: Booking) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", method)
    calendar.add("calscale", "GREGORIAN")
    calendar.add_component(event)
    # The VTIMEZONE only needs to cover the appointment; the full 1970–2038 table is 3 KB.
    year = to_office_time(booking.slot.starts_at).year
    calendar.add_missing_timezones(first_date=date(year - 1, 1, 1), last_date=date(year + 2, 1, 1))
    return calendar.to_ical()
