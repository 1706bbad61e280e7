"""The receipt an applicant gets after submitting an online application.

Every fixed text is printed in the applicant's language and, below it in smaller grey print,
in German (the office works in German; the applicant may show the receipt to others), marked
as German for screen readers. Arabic and Persian receipts read right to left. Everything the
applicant typed is printed as typed, its direction taken from its own letters.
Template: portal/templates/pdf/receipt.html; rendering: portal.pdf.weasy.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from babel import dates
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import ngettext

from portal.domain.office_time import OFFICE_TZ
from portal.pdf.templates import page_dir, render_html
from portal.pdf.renderer import render_pdf


@dataclass
class ReceiptField:
    label: str  # in the applicant's language
    label_de: str
    value: str


@dataclass
class ReceiptDocument:
    slot: str  # what the document is, in the applicant's language
    slot_de: str
    filename: str  # as uploaded
    pages: int


@dataclass
class ReceiptData:
    language: str  # de, en, uk, ru, ar, tr, fa
    office_name: str
    office_lines: list[str]
    service_title: str
    service_title_de: str
    reference: str
    status_code: str  # needed together with the reference on the status page
    status_url: str  # goes into the QR code
    submitted_at: datetime  # aware; printed in the office's local time
    fields: list[ReceiptField]
    documents: list[ReceiptDocument]


def _texts(pages: list[int]) -> dict:
    """The fixed texts in the current (forced) locale."""
    return {
        "title": _("Receipt of your application"),
        "reference": _("Reference number"),
        "status_code": _("Status code"),
        "received": _("Received on"),
        "service": _("Service"),
        "submitted": _("What you submitted"),
        "documents": _("Documents"),
        "no_documents": _("No documents were uploaded."),
        "pages": [ngettext("%(num)s page", "%(num)s pages", n) for n in pages],
        "next_steps": _("Next steps"),
        "next_text": [
            _("We will check your application and the documents you uploaded."),
            _("If anything is missing, we will contact you by e-mail."),
            _("Please keep this receipt."),
            _("You can check the status of your application online at any time with your "
              "reference number and status code."),
        ],
        "status_online": _("Check the status online"),
        "scan": _("Scan the QR code or open this address:"),
        "qr_alt": _("QR code with the address of your status page"),
    }


def when(moment: datetime, language: str) -> str:
    """Date and time on the office's clock, written the reader's way."""
    local = moment.astimezone(OFFICE_TZ)
    date = dates.format_date(local, "long", locale=language)
    time = dates.format_time(local, "HH:mm", locale=language)
    return dates.get_datetime_format("medium", locale=language).replace("{1}", date).replace("{0}", time)


def receipt_html(data: ReceiptData) -> str:
    pages = [doc.pages for doc in data.documents]
    with force_locale(data.language):
        own = _texts(pages)
    with force_locale("de"):
        de = _texts(pages)
    return render_html("receipt.html", data=data, own=own, de=de, german=data.language != "de",
                       page=page_dir(data.language), received=when(data.submitted_at, data.language),
                       received_de=when(data.submitted_at, "de"))


def render_receipt(data: ReceiptData) -> bytes:
    """The receipt as tagged PDF bytes. Needs an application context (for the translations)."""
    return render_pdf(receipt_html(data))
