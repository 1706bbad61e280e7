"""The appointment confirmation as a document to print or show at the counter: when and where,
the service, the name it was booked for, the booking number, what to bring, and a QR code to
the page that moves or cancels it. In the applicant's language with German beneath. Its HTML is
made by portal.appointments.mails with the confirmation mail; the mail's sender renders it as
tagged PDF (portal.pdf.renderer) and attaches it beside the calendar file.
Template: portal/templates/pdf/appointment.html.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import force_locale
from flask_babel import gettext as _

from portal.pdf.templates import page_dir, render_html


@dataclass
class BringItem:
    label: str  # in the applicant's language
    label_de: str


@dataclass
class AppointmentConfirmationData:
    language: str
    office_name: str
    reference: str  # the booking number
    service_title: str
    service_title_de: str
    date: str  # in the applicant's language
    date_de: str
    time: str  # 24-hour office time
    site_name: str
    site_address: str
    manage_url: str
    name: str = ""  # as typed
    moved: bool = False
    bring: list[BringItem] = field(default_factory=list)


def _texts(moved: bool) -> dict:
    return {
        "title": _("Appointment confirmation"),
        "lead": _("Your appointment has been moved. This is your new appointment:") if moved
        else _("Your appointment is booked."),
        "when": _("Date and time"),
        "site": _("Site"),
        "service": _("Service"),
        "name": _("Name"),
        "booking": _("Booking number"),
        "bring": _("Please bring:"),
        "manage": _("See, move or cancel the appointment online"),
        "scan": _("Scan the QR code or open this address:"),
        "qr_alt": _("QR code with the address of your appointment page"),
    }


def appointment_html(data: AppointmentConfirmationData) -> str:
    with force_locale(data.language):
        own = _texts(data.moved)
    with force_locale("de"):
        de = _texts(data.moved)
    return render_html("appointment.html", data=data, own=own, de=de, german=data.language != "de",
                       page=page_dir(data.language))
