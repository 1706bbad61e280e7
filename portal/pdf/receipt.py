"""The receipt an applicant gets after submitting an online application.

Every fixed text is printed in the applicant's language and, below it in smaller grey
print, in German (the office works in German; the applicant may show the receipt to
others). Right-to-left languages are right-aligned and their tables mirrored; German stays
left-aligned. Everything the applicant typed goes through portal.pdf.text.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from io import BytesIO

from babel import dates
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import ngettext
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import CondPageBreak, HRFlowable, SimpleDocTemplate, Spacer, Table, TableStyle

from portal.config import RTL_LANGUAGES
from portal.domain.office_time import OFFICE_TZ
from portal.pdf.fonts import LATIN, LATIN_BOLD, register_fonts
from portal.pdf.numbered import numbered_canvas
from portal.pdf.qr import QrCode
from portal.pdf.text import BidiParagraph, aligned

MARGIN = 18 * mm
WIDTH = A4[0] - 2 * MARGIN
GREY = colors.HexColor("#555555")
RULE = colors.HexColor("#c8ccd0")
SHADE = colors.HexColor("#f1f3f5")


@dataclass
class ReceiptField:
    label: str  # in the applicant's language
    label_de: str
    value: str


@dataclass
class ReceiptDocument:
    slot: str  # what the document is, in the applicant's language
    slot_de: str
    filename: str
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
    }


def _when(moment: datetime, language: str) -> str:
    local = moment.astimezone(OFFICE_TZ)
    date = dates.format_date(local, "long", locale=language)
    time = dates.format_time(local, "HH:mm", locale=language)
    return dates.get_datetime_format("medium", locale=language).replace("{1}", date).replace("{0}", time)


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=LATIN, fontSize=9.5, leading=13)
    return {
        "base": base,
        "small": ParagraphStyle("small", parent=base, fontSize=7.5, leading=10, textColor=GREY),
        "bold": ParagraphStyle("bold", parent=base, fontName=LATIN_BOLD),
        "office": ParagraphStyle("office", parent=base, fontName=LATIN_BOLD, fontSize=12, leading=15),
        "title": ParagraphStyle("title", parent=base, fontName=LATIN_BOLD, fontSize=18, leading=23),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=11, leading=14, textColor=GREY),
        "h2": ParagraphStyle("h2", parent=base, fontName=LATIN_BOLD, fontSize=12, leading=15,
                             spaceBefore=12, spaceAfter=2),
        "h2_de": ParagraphStyle("h2_de", parent=base, fontSize=8, leading=10, textColor=GREY,
                                spaceAfter=4),
        "reference": ParagraphStyle("reference", parent=base, fontName=LATIN_BOLD, fontSize=16, leading=20),
    }


def qr_code(url: str, size: float = 32 * mm) -> QrCode:
    """The status link as a QR code of the given size (a square, in points)."""
    return QrCode(url, size)


class _Receipt:
    """Builds the story; one instance per rendering."""

    def __init__(self, data: ReceiptData):
        self.data = data
        self.rtl = data.language in RTL_LANGUAGES
        self.german = data.language != "de"
        self.st = _styles()
        pages = [doc.pages for doc in data.documents]
        with force_locale(data.language):
            self.own = _texts(pages)
        with force_locale("de"):
            self.de = _texts(pages)

    # -- small builders ---------------------------------------------------------------
    def own_p(self, text: str, style: str = "base") -> BidiParagraph:
        """Text in the applicant's language: right-aligned and right-to-left for ar/fa."""
        return BidiParagraph(text, aligned(self.st[style], self.rtl), rtl=self.rtl)

    def de_p(self, text: str, style: str = "small") -> BidiParagraph:
        return BidiParagraph(text, self.st[style], rtl=False)

    def value_p(self, text: str, style: str = "base") -> BidiParagraph:
        """Something the applicant typed: direction from its own letters, aligned with the page."""
        return BidiParagraph(text or "–", aligned(self.st[style], self.rtl))

    def both(self, own: str, german: str, style: str = "base", style_de: str = "small") -> list:
        """Applicant's language, then German beneath unless the applicant reads German."""
        out = [self.own_p(own, style)]
        if self.german:
            out.append(self.de_p(german, style_de))
        return out

    def key(self, key: str) -> list:
        return self.both(self.own[key], self.de[key])

    def table(self, rows: list[list], widths: list[float], style: list, split_in_row: bool = False) -> Table:
        if self.rtl:  # mirrored: the label column on the right
            rows = [row[::-1] for row in rows]
            widths = widths[::-1]
        # split_in_row: a long value (remarks) may be taller than a page.
        table = Table(rows, colWidths=widths, hAlign="RIGHT" if self.rtl else "LEFT",
                      splitInRow=1 if split_in_row else 0)
        table.setStyle(TableStyle([
            ("FONT", (0, 0), (-1, -1), LATIN, 9.5),  # else each cell selects Helvetica
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 5),
            ("RIGHTPADDING", (0, 0), (-1, -1), 5),
            ("TOPPADDING", (0, 0), (-1, -1), 4),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
            *style,
        ]))
        return table

    def heading(self, key: str) -> list:
        # A new page only when too little room is left for the heading and a few lines: keepWithNext
        # would carry a long table (and the heading) whole to the next page.
        return [CondPageBreak(30 * mm), *self.both(self.own[key], self.de[key], "h2", "h2_de")]

    # -- sections -------------------------------------------------------------------
    def header(self) -> list:
        data = self.data
        return [
            self.de_p(data.office_name, "office"),
            self.de_p("\n".join(data.office_lines), "small"),
            Spacer(0, 3 * mm),
            HRFlowable(width="100%", thickness=0.7, color=RULE, spaceAfter=5 * mm),
            *self.both(self.own["title"], self.de["title"], "title", "subtitle"),
            Spacer(0, 5 * mm),
        ]

    def key_facts(self) -> list:
        data = self.data
        when = [self.value_p(_when(data.submitted_at, data.language))]
        service = [self.value_p(data.service_title)]
        if self.german:
            when.append(self.de_p(_when(data.submitted_at, "de")))
            service.append(self.de_p(data.service_title_de))
        rows = [
            [self.key("reference"), self.value_p(data.reference, "reference")],
            [self.key("status_code"), self.value_p(data.status_code, "bold")],
            [self.key("received"), when],
            [self.key("service"), service],
        ]
        return [self.table(rows, [55 * mm, WIDTH - 55 * mm], [
            ("BACKGROUND", (0, 0), (-1, -1), SHADE),
            ("BOX", (0, 0), (-1, -1), 0.7, RULE),
            ("LINEBELOW", (0, 0), (-1, -2), 0.4, colors.white),
        ])]

    def submitted(self) -> list:
        rows = [[self.both(f.label, f.label_de), self.value_p(f.value)] for f in self.data.fields]
        out = self.heading("submitted")
        if rows:
            out.append(self.table(rows, [65 * mm, WIDTH - 65 * mm], [
                ("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE),
            ], split_in_row=True))
        return out

    def documents(self) -> list:
        out = self.heading("documents")
        if not self.data.documents:
            return out + self.both(self.own["no_documents"], self.de["no_documents"])
        rows = []
        for i, doc in enumerate(self.data.documents):
            rows.append([
                self.both(doc.slot, doc.slot_de),
                self.value_p(doc.filename),
                self.both(self.own["pages"][i], self.de["pages"][i]),
            ])
        return out + [self.table(rows, [60 * mm, WIDTH - 90 * mm, 30 * mm], [
            ("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE),
        ])]

    def next_steps(self) -> list:
        out = self.heading("next_steps")
        out.append(self.own_p(" ".join(self.own["next_text"])))
        if self.german:
            out += [Spacer(0, 2 * mm), self.de_p(" ".join(self.de["next_text"]))]
        return out

    def status(self) -> list:
        text = [
            *self.both(self.own["status_online"], self.de["status_online"], "bold"),
            Spacer(0, 2 * mm),
            *self.both(self.own["scan"], self.de["scan"]),
            Spacer(0, 2 * mm),
            # A URL is left-to-right in every language.
            BidiParagraph(self.data.status_url, aligned(self.st["base"], self.rtl), rtl=False),
        ]
        return [Spacer(0, 6 * mm), self.table([[qr_code(self.data.status_url), text]],
                                              [38 * mm, WIDTH - 38 * mm], [
            ("BOX", (0, 0), (-1, -1), 0.7, RULE),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ])]

    def story(self) -> list:
        return [*self.header(), *self.key_facts(), *self.submitted(), *self.documents(),
                *self.next_steps(), *self.status()]


def _footer(footer_left: str):
    """Office and reference on the left, page of pages on the right, on every page."""

    def decorate(canvas: Canvas, number: int, total: int) -> None:
        canvas.setFont(LATIN, 7.5)
        canvas.setFillColor(GREY)
        canvas.drawString(MARGIN, 10 * mm, footer_left)
        canvas.drawRightString(A4[0] - MARGIN, 10 * mm, f"{number} / {total}")

    return decorate


def render_receipt(data: ReceiptData) -> bytes:
    """The receipt as PDF bytes. Needs an application context (for the translations)."""
    register_fonts()
    receipt = _Receipt(data)
    out = BytesIO()
    doc = SimpleDocTemplate(
        out, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
        bottomMargin=MARGIN + 4 * mm,
        title=f"{receipt.own['title']} – {data.reference}", author=data.office_name,
        subject=data.service_title, creator=data.office_name, lang=data.language,
        initialFontName=LATIN,
    )
    doc.build(receipt.story(), canvasmaker=numbered_canvas(_footer(f"{data.office_name} · {data.reference}")))
    return out.getvalue()
