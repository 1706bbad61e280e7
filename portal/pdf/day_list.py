"""The printed day list of a site: who is expected at which time and counter, with a box to
tick on arrival. For the counters' desks, A4 portrait.

Names are printed as typed (Cyrillic, Arabic, ...) through portal.pdf.text with the embedded
Noto fonts. The fixed texts come in with the data (the back office translates them), so
this module needs no Flask.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from io import BytesIO

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Table, TableStyle

from portal.pdf.fonts import LATIN, LATIN_BOLD, register_fonts
from portal.pdf.numbered import numbered_canvas
from portal.pdf.text import BidiParagraph, markup, text_width

MARGIN = 15 * mm
HEADER_HEIGHT = 15 * mm
WIDTH = A4[0] - 2 * MARGIN
GREY = colors.HexColor("#555555")
RULE = colors.HexColor("#c8ccd0")
SHADE = colors.HexColor("#f1f3f5")
HEAD_SIZE = 8.5
BODY_SIZE = 9.5
PADDING = 4


@dataclass
class DayListLabels:
    """The fixed texts, in the language to print (English ids by default)."""
    title: str = "Day list"
    time: str = "Time"
    counter: str = "Counter"
    name: str = "Name"
    service: str = "Service"
    reference: str = "Reference"
    arrived: str = "Arrived"
    born: str = "born %(date)s"
    staff_booking: str = "booked by staff"
    empty: str = "No appointments on this day."
    page: str = "Page %(page)s of %(pages)s"


@dataclass
class DayListRow:
    time: str  # "08:30", office time
    counter: int
    surname: str
    given_names: str
    date_of_birth: str  # "00.03.1987", may be empty
    service: str
    reference: str
    arrived: bool = False
    staff_booking: bool = False


@dataclass
class DayListData:
    office_name: str
    site_name: str  # "Wetzlar"
    site_address: str  # one line
    day: str  # the date as it is to be printed
    printed: str  # footer: when and by whom
    rows: list[DayListRow]
    labels: DayListLabels = field(default_factory=DayListLabels)
    language: str = "de"


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=LATIN, fontSize=BODY_SIZE, leading=12)
    return {
        "base": base,
        "small": ParagraphStyle("small", parent=base, fontSize=7.5, leading=9.5, textColor=GREY),
        "head": ParagraphStyle("head", parent=base, fontName=LATIN_BOLD, fontSize=HEAD_SIZE, leading=11),
        "time": ParagraphStyle("time", parent=base, fontName=LATIN_BOLD),
        "name": ParagraphStyle("name", parent=base, fontName=LATIN_BOLD),
    }


class TickBox(Flowable):
    """An empty square to tick by hand; a tick is printed when the arrival is recorded already."""

    def __init__(self, ticked: bool = False, size: float = 4.5 * mm):
        super().__init__()
        self.ticked, self.size = ticked, size
        self.width = self.height = size

    def wrap(self, avail_width, avail_height):
        return self.size, self.size

    def draw(self):
        canvas, s = self.canv, self.size
        canvas.setLineWidth(0.8)
        canvas.rect(0, 0, s, s)
        if self.ticked:
            canvas.setLineWidth(1.2)
            path = canvas.beginPath()
            path.moveTo(s * 0.2, s * 0.5)
            path.lineTo(s * 0.42, s * 0.22)
            path.lineTo(s * 0.82, s * 0.8)
            canvas.drawPath(path, stroke=1, fill=0)


def _para(text: str, style: ParagraphStyle) -> Paragraph:
    """Fixed or all-Latin text (times, references, labels)."""
    return Paragraph(markup(text, rtl=False, bold=style.fontName == LATIN_BOLD), style)


def _rows(data: DayListData, st: dict[str, ParagraphStyle]) -> tuple[list[list], list[tuple]]:
    labels = data.labels
    head = [_para(text, st["head"]) for text in (labels.time, labels.counter, labels.name, labels.service,
                                                  labels.reference, labels.arrived)]
    rows, style = [head], []
    previous_time = None
    for row in data.rows:
        name = ", ".join(part for part in (row.surname, row.given_names) if part) or "–"
        name_cell = [BidiParagraph(name, st["name"])]
        details = []
        if row.date_of_birth:
            details.append(labels.born % {"date": row.date_of_birth})
        if row.staff_booking:
            details.append(labels.staff_booking)
        if details:
            name_cell.append(_para(" · ".join(details), st["small"]))
        new_time = row.time != previous_time
        rows.append([
            _para(row.time if new_time else "", st["time"]),
            _para(str(row.counter), st["base"]),
            name_cell,
            BidiParagraph(row.service, st["base"]),
            _para(row.reference, st["base"]),
            TickBox(row.arrived),
        ])
        if new_time and previous_time is not None:
            style.append(("LINEABOVE", (0, len(rows) - 1), (-1, len(rows) - 1), 0.9, GREY))
        previous_time = row.time
    return rows, style


def _columns(data: DayListData) -> list[float]:
    """Widths of time, counter, name, service, reference, arrived: the short columns as wide as
    their heading (in whatever language) and the references need; name and service share the rest."""
    def fit(label: str, least: float) -> float:
        return max(least, text_width(label, HEAD_SIZE, bold=True) + 2 * PADDING + 2)

    labels = data.labels
    widest_reference = max((text_width(row.reference, BODY_SIZE) for row in data.rows), default=0)
    short = [fit(labels.time, 15 * mm), fit(labels.counter, 14 * mm),
             fit(labels.reference, widest_reference + 2 * PADDING + 2), fit(labels.arrived, 15 * mm)]
    rest = WIDTH - sum(short)
    return [short[0], short[1], rest * 0.56, rest * 0.44, short[2], short[3]]


def _story(data: DayListData) -> list:
    st = _styles()
    if not data.rows:
        return [_para(data.labels.empty, st["base"])]
    rows, extra = _rows(data, st)
    table = Table(rows, colWidths=_columns(data), repeatRows=1, hAlign="LEFT")
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), LATIN, BODY_SIZE),  # else each cell selects Helvetica
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("ALIGN", (-1, 1), (-1, -1), "CENTER"),
        ("LEFTPADDING", (0, 0), (-1, -1), PADDING),
        ("RIGHTPADDING", (0, 0), (-1, -1), PADDING),
        ("TOPPADDING", (0, 0), (-1, -1), 4),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
        ("BACKGROUND", (0, 0), (-1, 0), SHADE),
        ("LINEBELOW", (0, 0), (-1, 0), 0.9, GREY),
        ("LINEBELOW", (0, 1), (-1, -1), 0.4, RULE),
        *extra,
    ]))
    return [table]


def _decoration(data: DayListData):
    """Header (title, site, day, office) and footer (printed when, page of pages) on every page."""

    def decorate(canvas: Canvas, number: int, total: int) -> None:
        top = A4[1] - MARGIN
        canvas.setFillColor(colors.black)
        canvas.setFont(LATIN_BOLD, 14)
        canvas.drawString(MARGIN, top - 12, f"{data.labels.title}: {data.site_name}")
        canvas.drawRightString(A4[0] - MARGIN, top - 12, data.day)
        canvas.setFont(LATIN, 8.5)
        canvas.setFillColor(GREY)
        canvas.drawString(MARGIN, top - 25, f"{data.office_name} · {data.site_address}")
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.7)
        canvas.line(MARGIN, top - 32, A4[0] - MARGIN, top - 32)
        canvas.setFont(LATIN, 7.5)
        canvas.drawString(MARGIN, 9 * mm, data.printed)
        canvas.drawRightString(A4[0] - MARGIN, 9 * mm, data.labels.page % {"page": number, "pages": total})

    return decorate


def render_day_list(data: DayListData) -> bytes:
    """The day list as PDF bytes."""
    register_fonts()
    out = BytesIO()
    doc = SimpleDocTemplate(
        out, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN + HEADER_HEIGHT,
        bottomMargin=MARGIN + 4 * mm,
        title=f"{data.labels.title} {data.site_name} {data.day}", author=data.office_name,
        subject=data.labels.title, creator=data.office_name, lang=data.language, initialFontName=LATIN,
    )
    doc.build(_story(data), canvasmaker=numbered_canvas(_decoration(data)))
    return out.getvalue()
