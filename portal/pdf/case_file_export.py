"""The whole case file as one PDF: a cover sheet (office, file number, person, who exported
when), a table of contents (each document with its own date and the page it starts on),
the caseworkers' notes, then every document in timeline order, each page numbered.

The documents are appended page by page with pypdf; each stored file is opened, copied into
the writer and closed before the next, so only the output is held, never every input at
once. The output goes to a file object the caller gives (a temporary file, for a download).
A document that is missing or unreadable is named in the contents instead of failing the
export. Names print in any script through portal.pdf.text and the embedded Noto fonts;
the fixed texts come in with the data (the back office translates them), so no Flask here.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from io import BytesIO
from typing import BinaryIO

from pypdf import PdfReader, PdfWriter
from pypdf.errors import PyPdfError
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from portal.pdf.fonts import LATIN, LATIN_BOLD, register_fonts
from portal.pdf.text import BidiParagraph, aligned, is_rtl, markup

log = logging.getLogger(__name__)

MARGIN = 18 * mm
WIDTH = A4[0] - 2 * MARGIN
GREY = colors.HexColor("#555555")
RULE = colors.HexColor("#c8ccd0")
SHADE = colors.HexColor("#f1f3f5")
FOOTER_SIZE = 7.5
# The front matter's length depends on the contents, whose page numbers depend on it:
# rendered again until the count holds (it does on the second pass: numbers do not wrap).
_MAX_PASSES = 4

MISSING, UNREADABLE, NOT_PRINTABLE = "missing", "unreadable", "not_printable"


@dataclass
class ExportLabels:
    """The fixed texts, in the language to print (English ids by default)."""
    title: str = "Case file"
    file_number: str = "File number"
    person: str = "Person"
    aliases: str = "Known spellings"
    exported: str = "Exported on %(when)s by %(name)s"
    contents: str = "Contents"
    number: str = "No."
    date: str = "Date"
    document: str = "Document"
    source: str = "Source"
    page: str = "Page"
    notes: str = "Notes"
    no_documents: str = "The case file holds no documents."
    missing: str = "missing from storage"
    unreadable: str = "could not be read"
    not_printable: str = "cannot be printed"
    footer: str = "%(file_number)s · Page %(page)s of %(pages)s"


@dataclass
class ExportDocument:
    """One document in timeline order. `open` gives its content as PDF (a file object the
    exporter closes), or None when the stored file is gone; it may raise for bad content."""
    title: str
    day: str  # the document's date as printed
    source: str  # printed label: online form, e-mail, scan, staff
    open: Callable[[], BinaryIO | None] | None
    problem: str = ""  # MISSING, UNREADABLE or NOT_PRINTABLE: named in the contents
    pages: int = 0
    first_page: int = 0  # 1-based, in the whole export


@dataclass
class ExportNote:
    heading: str  # when and by whom
    text: str


@dataclass
class CaseFileExport:
    office_name: str
    file_number: str
    person: list[tuple[str, str]]  # (label, value) rows of the cover sheet
    aliases: list[str]
    exported: str  # "Exported on … by …", filled in
    documents: list[ExportDocument]
    notes: list[ExportNote] = field(default_factory=list)
    labels: ExportLabels = field(default_factory=ExportLabels)
    language: str = "de"


@dataclass
class ExportResult:
    pages: int
    front_pages: int
    documents: int  # printed
    skipped: int  # named in the contents only


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=LATIN, fontSize=9.5, leading=13)
    return {
        "base": base,
        "small": ParagraphStyle("small", parent=base, fontSize=8, leading=10.5, textColor=GREY),
        "bold": ParagraphStyle("bold", parent=base, fontName=LATIN_BOLD),
        "head": ParagraphStyle("head", parent=base, fontName=LATIN_BOLD, fontSize=8.5, leading=11),
        "office": ParagraphStyle("office", parent=base, fontName=LATIN_BOLD, fontSize=12, leading=15),
        "title": ParagraphStyle("title", parent=base, fontName=LATIN_BOLD, fontSize=20, leading=26,
                                spaceBefore=24, spaceAfter=4),
        "name": ParagraphStyle("name", parent=base, fontName=LATIN_BOLD, fontSize=15, leading=20, spaceAfter=12),
        "h2": ParagraphStyle("h2", parent=base, fontName=LATIN_BOLD, fontSize=13, leading=17,
                             spaceBefore=10, spaceAfter=6),
        "problem": ParagraphStyle("problem", parent=base, fontSize=8.5, leading=11,
                                  textColor=colors.HexColor("#8a1c1c")),
    }


def _para(text: str, style: ParagraphStyle) -> Paragraph:
    """Fixed or Latin-only text (labels, dates, numbers)."""
    return Paragraph(markup(text, rtl=False, bold=style.fontName == LATIN_BOLD), style)


class _PageMark(Flowable):
    """Remembers the page it lands on (where the notes begin)."""

    def __init__(self, pages: dict, key: str):
        super().__init__()
        self.pages, self.key = pages, key
        self.width = self.height = 0

    def wrap(self, avail_width, avail_height):
        return 0, 0

    def draw(self):
        self.pages[self.key] = self.canv.getPageNumber()


def _table(rows: list[list], widths: list[float], header: bool) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1 if header else 0, hAlign="LEFT")
    style = [
        ("FONT", (0, 0), (-1, -1), LATIN, 9.5),  # else each cell selects Helvetica
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
        ("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE),
    ]
    if header:
        style += [("BACKGROUND", (0, 0), (-1, 0), SHADE), ("LINEBELOW", (0, 0), (-1, 0), 0.9, GREY)]
    table.setStyle(TableStyle(style))
    return table


def _front_story(data: CaseFileExport, marks: dict, notes_page: int) -> list:
    st, labels = _styles(), data.labels
    story: list = [_para(data.office_name, st["office"]),
                   _para(f"{labels.title} {data.file_number}", st["title"])]
    name = next((value for label, value in data.person[:1]), "")
    if name:
        story.append(BidiParagraph(name, st["name"]))
    rows = [[_para(label, st["bold"]), BidiParagraph(value or "–", st["base"])] for label, value in data.person]
    rows.append([_para(labels.file_number, st["bold"]), _para(data.file_number, st["base"])])
    if data.aliases:
        rows.append([_para(labels.aliases, st["bold"]),
                     [BidiParagraph(alias, st["base"]) for alias in data.aliases]])
    story += [_table(rows, [WIDTH * 0.3, WIDTH * 0.7], header=False), Spacer(1, 10 * mm),
              _para(data.exported, st["small"]), PageBreak()]

    story.append(_para(labels.contents, st["h2"]))
    head = [_para(text, st["head"]) for text in (labels.number, labels.date, labels.document, labels.source,
                                                 labels.page)]
    rows = [head]
    if data.notes:
        rows.append([_para("", st["base"]), _para("", st["base"]), _para(labels.notes, st["bold"]),
                     _para("", st["base"]), _para(str(notes_page or ""), st["base"])])
    problems = {MISSING: labels.missing, UNREADABLE: labels.unreadable, NOT_PRINTABLE: labels.not_printable}
    for number, document in enumerate(data.documents, start=1):
        title = [BidiParagraph(document.title or "–", st["base"])]
        if document.problem:
            title.append(_para(problems[document.problem], st["problem"]))
        rows.append([_para(str(number), st["base"]), _para(document.day, st["base"]), title,
                     _para(document.source, st["base"]),
                     _para(str(document.first_page) if not document.problem else "–", st["base"])])
    if data.documents:
        story.append(_table(rows, [12 * mm, 24 * mm, WIDTH - 12 * mm - 24 * mm - 36 * mm - 16 * mm, 36 * mm,
                                   16 * mm], header=True))
    else:
        story.append(_para(labels.no_documents, st["base"]))

    if data.notes:
        story += [PageBreak(), _PageMark(marks, "notes"), _para(labels.notes, st["h2"])]
        for note in data.notes:
            rtl = is_rtl(note.text)  # a note written in Arabic reads from the right
            story += [_para(note.heading, st["small"]), BidiParagraph(note.text, aligned(st["base"], rtl), rtl),
                      Spacer(1, 4 * mm)]
    return story


def _footer_text(data: CaseFileExport, page: int, pages: int) -> str:
    return data.labels.footer % {"file_number": data.file_number, "page": page, "pages": pages}


def _render_front(data: CaseFileExport, total_pages: int, notes_page: int) -> tuple[bytes, int, int]:
    """The front matter as PDF bytes, its page count and the page the notes begin on."""
    marks: dict = {}
    counted = {"pages": 0}

    def footer(canvas, doc):
        counted["pages"] = canvas.getPageNumber()
        canvas.saveState()
        canvas.setFont(LATIN, FOOTER_SIZE)
        canvas.setFillColor(GREY)
        canvas.drawRightString(A4[0] - MARGIN, 10 * mm,
                               _footer_text(data, canvas.getPageNumber(), total_pages))
        canvas.restoreState()

    out = BytesIO()
    doc = SimpleDocTemplate(
        out, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN, bottomMargin=MARGIN,
        title=f"{data.labels.title} {data.file_number}", author=data.office_name, subject=data.labels.title,
        creator=data.office_name, lang=data.language, initialFontName=LATIN,
    )
    doc.build(_front_story(data, marks, notes_page), onFirstPage=footer, onLaterPages=footer)
    return out.getvalue(), counted["pages"], marks.get("notes", 0)


def _append(writer: PdfWriter, document: ExportDocument) -> None:
    """Copy the document's pages into the writer; sets pages, or problem when it cannot."""
    if document.open is None:
        document.problem = document.problem or MISSING
        return
    if document.problem:
        return
    try:
        stream = document.open()
    except Exception:  # bad content must not stop the export of the rest
        log.warning("case file export: document %r could not be opened", document.title, exc_info=True)
        document.problem = UNREADABLE
        return
    if stream is None:
        document.problem = MISSING
        return
    first = len(writer.pages)
    try:
        with stream:
            reader = PdfReader(stream)
            if reader.is_encrypted and not reader.decrypt(""):
                raise PyPdfError("encrypted")
            for page in reader.pages:
                writer.add_page(page)  # copies the page and what it uses; the source can close
    except Exception:  # pypdf raises many kinds of errors for damaged files
        log.warning("case file export: document %r could not be read", document.title, exc_info=True)
        while len(writer.pages) > first:  # no half documents
            writer.remove_page(len(writer.pages) - 1)
        document.problem = UNREADABLE
        return
    document.pages = len(writer.pages) - first
    if document.pages == 0:
        document.problem = UNREADABLE


def _stamp(pages, data: CaseFileExport, first_number: int, total: int) -> None:
    """Print the file number and page number at the foot of each of the pages (numbered from
    first_number on), over a white box so that it reads on dark scans too."""
    if not pages:
        return
    overlay = BytesIO()
    canvas = Canvas(overlay, initialFontName=LATIN)
    boxes = []
    for offset, page in enumerate(pages):
        if page.get("/Rotate", 0) % 360:
            page.transfer_rotation_to_content()  # so that the number stands upright
        box = page.cropbox
        width, height = float(box.width), float(box.height)
        boxes.append((float(box.left), float(box.bottom)))
        canvas.setPageSize((width, height))
        text = _footer_text(data, first_number + offset, total)
        canvas.setFont(LATIN, FOOTER_SIZE)
        text_width = canvas.stringWidth(text, LATIN, FOOTER_SIZE)
        right, base = width - 8 * mm, 5 * mm
        canvas.setFillColor(colors.white)
        canvas.rect(right - text_width - 2, base - 2.5, text_width + 4, FOOTER_SIZE + 4, stroke=0, fill=1)
        canvas.setFillColor(GREY)
        canvas.drawRightString(right, base, text)
        canvas.showPage()
    canvas.save()
    overlay.seek(0)
    stamps = PdfReader(overlay)
    for page, stamp, (left, bottom) in zip(pages, stamps.pages, boxes):
        page.merge_translated_page(stamp, left, bottom)


def write_case_file_pdf(data: CaseFileExport, out: BinaryIO) -> ExportResult:
    """Write the export to `out` (a binary file object)."""
    register_fonts()
    writer = PdfWriter()
    for document in data.documents:
        _append(writer, document)
    body_pages = len(writer.pages)

    front_pages, notes_page, front = 1, 0, b""
    for _ in range(_MAX_PASSES):
        cursor = front_pages + 1
        for document in data.documents:
            document.first_page = cursor if not document.problem else 0
            cursor += document.pages
        known_notes_page = notes_page
        front, counted, notes_page = _render_front(data, front_pages + body_pages, known_notes_page)
        if counted == front_pages and notes_page == known_notes_page:
            break
        front_pages = counted  # the page count of `front` either way
    total = front_pages + body_pages

    _stamp(list(writer.pages), data, front_pages + 1, total)
    for index, page in enumerate(PdfReader(BytesIO(front)).pages):
        writer.insert_page(page, index)
    # Bookmarks: the contents once more, in the reader's sidebar.
    writer.add_outline_item(title=data.labels.contents, page_number=min(1, front_pages - 1))
    if data.notes and notes_page:
        writer.add_outline_item(title=data.labels.notes, page_number=notes_page - 1)
    for document in data.documents:
        if document.first_page:
            writer.add_outline_item(title=f"{document.day} {document.title}", page_number=document.first_page - 1)
    writer.add_metadata({"/Title": f"{data.labels.title} {data.file_number}", "/Author": data.office_name})
    writer.write(out)
    printed = sum(1 for d in data.documents if not d.problem)
    return ExportResult(pages=total, front_pages=front_pages, documents=printed,
                        skipped=len(data.documents) - printed)
