"""The letter that asks an applicant for missing documents: in the applicant's language with
German beneath, the reference, the status code (when the caller has it: only its hash is
stored, so a letter names the receipt instead), what to send and the caseworker's note, and a
QR code to the status page. Built by portal.casework.letters for whatever sends such a letter.
Template: portal/templates/pdf/request_letter.html.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from babel import dates
from flask_babel import force_locale
from flask_babel import gettext as _

from portal.pdf.templates import page_dir, render_html
from portal.pdf.renderer import render_pdf


@dataclass
class RequestedDocument:
    label: str  # in the applicant's language
    label_de: str


@dataclass
class RequestLetterData:
    language: str
    office_name: str
    office_lines: list[str]
    office_email: str
    reference: str
    service_title: str
    service_title_de: str
    status_url: str  # the QR code: the status page (opened directly when the code is in it)
    written_on: date
    documents: list[RequestedDocument] = field(default_factory=list)
    message: str = ""  # the caseworker's note, printed as written
    status_code: str | None = None
    recipient_lines: list[str] = field(default_factory=list)  # name and postal address, when known
    deadline: date | None = None
    # status_url opens the request's answer page (a letter printed when the request was recorded).
    answers_online: bool = False


def _texts(reference: str, email: str, deadline: str) -> dict:
    """The fixed texts in the current (forced) locale; the mail's wording where it says the same."""
    return {
        "answer_by": _("Please answer by %(date)s.", date=deadline),
        "upload": _("Upload the documents and write to us on this page (no registration needed):"),
        "or_bring": _("You can also bring the documents to our office."),
        "answer_online": _("Answer online"),
        "answer_qr_alt": _("QR code with the address of the page where you answer"),
        "title": _("Request for missing documents"),
        "reference": _("Reference number"),
        "status_code": _("Status code"),
        "code_on_receipt": _("on the receipt of your application"),
        "service": _("Service"),
        "hello": _("Hello,"),
        "need": _("We need more documents for your application %(reference)s.", reference=reference),
        "send_us": _("Please send us:"),
        "note": _("Note from the office:"),
        "how": _("Please send the documents by e-mail to %(email)s with your reference number in the subject, "
                 "or bring them to our office.", email=email),
        "status_online": _("Check the status online"),
        "scan": _("Scan the QR code or open this address:"),
        "qr_alt": _("QR code with the address of your status page"),
    }


def request_letter_html(data: RequestLetterData) -> str:
    def deadline(locale: str) -> str:
        return dates.format_date(data.deadline, "long", locale=locale) if data.deadline else ""

    with force_locale(data.language):
        own = _texts(data.reference, data.office_email, deadline(data.language))
    with force_locale("de"):
        de = _texts(data.reference, data.office_email, deadline("de"))
    return render_html("request_letter.html", data=data, own=own, de=de, german=data.language != "de",
                       page=page_dir(data.language),
                       date=dates.format_date(data.written_on, "long", locale=data.language),
                       date_de=dates.format_date(data.written_on, "long", locale="de"))


def render_request_letter(data: RequestLetterData) -> bytes:
    """The letter as tagged PDF bytes. Needs an application context (for the translations)."""
    return render_pdf(request_letter_html(data))
