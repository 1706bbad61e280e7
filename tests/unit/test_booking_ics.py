"""Calendar files of appointments: read back with icalendar, right on the office's clock across DST."""
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from portal.appointments.ics import booking_ics, cancellation_ics, sequence_for
from portal.models import Booking, Service, Site, Slot

BERLIN = ZoneInfo("Europe/Berlin")
OFFICE = "Ausländerbehörde Lahn-Dill"
MANAGE = "https://portal.abh-test.example/uk/appointments/manage/abc.def-ghi"


def _booking(start_utc: datetime, minutes: int = 10, *, code: str = "card-collection") -> Booking:
    """Models in memory, no database."""
    site = Site(code="WZ", name="Wetzlar", street="Karl-Kellner-Ring 51", postcode="35576", city="Wetzlar")
    slot = Slot(site=site, service=Service(code=code, name_de="Abholung eAT"), starts_at=start_utc,
                ends_at=start_utc + timedelta(minutes=minutes), capacity=1)
    return Booking(reference="TER-7K2M-Q9XP", slot=slot, email="o.shevchenko@example.org", surname="Шевченко",
                   given_names="Олександр", language="uk", status="confirmed",
                   created_at=datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc))


def _make(booking: Booking, **kwargs) -> Calendar:
    options = {"office_name": OFFICE, "site": booking.slot.site, "service_title": "Отримання картки",
               "manage_url": MANAGE, "language": "uk", "cancel_hours": 24,
               "uid_domain": "portal.abh-test.example", "now": datetime(2026, 3, 20, 12, 0, tzinfo=timezone.utc)}
    data = booking_ics(booking, **{**options, **kwargs})
    assert isinstance(data, bytes)
    return Calendar.from_ical(data)


def _event(calendar: Calendar):
    events = calendar.events
    assert len(events) == 1
    return events[0]


@pytest.mark.parametrize("start_utc, local, utc_hour", [
    # Friday before the change (CET, UTC+1) and Monday after it (CEST, UTC+2): both 08:00 at the office.
    (datetime(2026, 3, 27, 7, 0, tzinfo=timezone.utc), datetime(2026, 3, 27, 8, 0), 7),
    (datetime(2026, 3, 30, 6, 0, tzinfo=timezone.utc), datetime(2026, 3, 30, 8, 0), 6),
    # And back in autumn (25 October 2026).
    (datetime(2026, 10, 23, 6, 0, tzinfo=timezone.utc), datetime(2026, 10, 23, 8, 0), 6),
    (datetime(2026, 10, 26, 7, 0, tzinfo=timezone.utc), datetime(2026, 10, 26, 8, 0), 7),
])
def test_start_and_end_on_the_offices_clock_across_dst(babel_context, start_utc, local, utc_hour):
    event = _event(_make(_booking(start_utc)))
    start, end = event.decoded("dtstart"), event.decoded("dtend")
    assert str(start.tzinfo) == "Europe/Berlin" and event["dtstart"].params["TZID"] == "Europe/Berlin"
    assert start.replace(tzinfo=None) == local
    assert start == start_utc  # the same instant
    assert start.astimezone(timezone.utc).hour == utc_hour
    assert end - start == timedelta(minutes=10)


def test_the_raw_file_says_tzid_and_carries_the_timezone(babel_context):
    booking = _booking(datetime(2026, 3, 30, 6, 0, tzinfo=timezone.utc))
    data = booking_ics(booking, office_name=OFFICE, site=booking.slot.site, service_title="Card",
                       manage_url=MANAGE, language="uk")
    text = data.decode()
    assert "DTSTART;TZID=Europe/Berlin:20260330T080000" in text
    calendar = Calendar.from_ical(data)
    assert [tz.tz_name for tz in calendar.timezones] == ["Europe/Berlin"]
    assert not calendar.get_missing_tzids()
    # Every line folded to at most 75 octets (RFC 5545 3.1), CRLF line ends.
    assert all(len(line) <= 75 for line in data.split(b"\r\n"))


def test_the_calendar_and_its_event(babel_context):
    booking = _booking(datetime(2026, 3, 30, 6, 0, tzinfo=timezone.utc))
    calendar = _make(booking)
    assert calendar["version"] == "2.0" and calendar["method"] == "PUBLISH" and calendar["prodid"]
    event = _event(calendar)
    assert str(event["uid"]) == "TER-7K2M-Q9XP@portal.abh-test.example"
    assert str(event["status"]) == "CONFIRMED"
    assert str(event["url"]) == MANAGE
    assert event.decoded("dtstamp") == datetime(2026, 3, 20, 12, 0, tzinfo=timezone.utc)
    summary = str(event["summary"])
    assert "Отримання картки" in summary and OFFICE in summary
    assert event["summary"].params["LANGUAGE"] == "uk"


def test_location_is_the_sites_address(babel_context):
    event = _event(_make(_booking(datetime(2026, 3, 30, 6, 0, tzinfo=timezone.utc))))
    location = str(event["location"])
    assert "Karl-Kellner-Ring 51" in location and "35576 Wetzlar" in location


def test_description_has_reference_what_to_bring_and_manage_link(babel_context):
    event = _event(_make(_booking(datetime(2026, 3, 30, 6, 0, tzinfo=timezone.utc))))
    description = str(event["description"])
    assert "TER-7K2M-Q9XP" in description and MANAGE in description
    # The service's own list from the catalogue, in Ukrainian (these strings are translated).
    assert "паспорт" in description and "картка готова" in description


def test_a_service_without_its_own_list_asks_for_passport_and_letter(babel_context):
    booking = _booking(datetime(2026, 3, 30, 6, 0, tzinfo=timezone.utc), code="permit-extension")
    event = _event(_make(booking, language="de"))
    items = [line for line in str(event["description"]).splitlines() if line.startswith("- ")]
    assert len(items) == 2 and items[0] == "- Ihr Reisepass"  # and the letter or the receipt


def test_uid_without_domain_falls_back_to_portal(babel_context):
    booking = _booking(datetime(2026, 3, 30, 6, 0, tzinfo=timezone.utc))
    event = _event(_make(booking, uid_domain=None))
    assert str(event["uid"]) == "TER-7K2M-Q9XP@portal"


def test_cancellation_removes_the_same_event(babel_context):
    booking = _booking(datetime(2026, 3, 30, 6, 0, tzinfo=timezone.utc))
    confirmed = _event(_make(booking))
    data = cancellation_ics(booking, office_name=OFFICE, site=booking.slot.site, service_title="Card",
                            language="uk", uid_domain="portal.abh-test.example",
                            now=datetime(2026, 3, 20, 12, 0, tzinfo=timezone.utc))
    calendar = Calendar.from_ical(data)
    assert calendar["method"] == "CANCEL"
    event = _event(calendar)
    assert str(event["status"]) == "CANCELLED"
    assert str(event["uid"]) == str(confirmed["uid"])
    assert event.decoded("dtstart") == confirmed.decoded("dtstart")
    # Made at the same moment, the cancellation still outranks the confirmation.
    assert int(event["sequence"]) > int(confirmed["sequence"])
    assert "mailto:o.shevchenko@example.org" in str(event["attendee"])


def test_sequence_grows_for_later_files(babel_context):
    booking = _booking(datetime(2026, 3, 30, 6, 0, tzinfo=timezone.utc))
    confirmed = _event(_make(booking, now=datetime(2026, 3, 20, 12, 0, tzinfo=timezone.utc)))
    moved = _event(_make(booking, now=datetime(2026, 3, 20, 12, 0, 1, tzinfo=timezone.utc)))
    assert 0 < int(confirmed["sequence"]) < int(moved["sequence"])
    assert sequence_for(datetime(2026, 1, 1, tzinfo=timezone.utc)) == 0
    assert sequence_for(datetime(2093, 12, 31, tzinfo=timezone.utc)) < 2 ** 31
