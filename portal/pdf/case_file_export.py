"""The whole case file as one PDF: a cover sheet (office, file number, person, who exported
when), a table of contents (each document with its own date and the page it starts on), the
caseworkers' notes, the answers of every application filed in it, then every document in
timeline order (the applications' receipts among them), each page numbered, with bookmarks
per year and per document.

The front matter (cover, contents, notes, answers) is HTML made into tagged PDF by WeasyPrint
(portal/templates/pdf/case_file_front.html). pikepdf assembles: it appends each document's
pages, copies a tagged document's structure tree into the export's (a receipt keeps its
headings, tables and language), marks the page of an untagged document (a scan, an upload) as
one figure described by its alt text, and stamps file number and page on every appended page
as an artifact. Each stored file is opened, copied, its data taken over and closed before the
next, so only the output is held. A document that is missing or unreadable is named in the
contents instead of failing the export. The fixed texts come in with the data (the back
office translates them), so no Flask here.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from io import BytesIO
from itertools import groupby
from typing import BinaryIO

import pikepdf
from pikepdf import Array, Dictionary, Name, OutlineItem, String

from portal.pdf.fonts import LATIN, register_fonts
from portal.pdf.templates import css_string, render_html
from portal.pdf.renderer import render_pdf_with_anchors

log = logging.getLogger(__name__)

FOOTER_SIZE = 7.5
# The front matter's length depends on the contents, whose page numbers depend on it:
# rendered again until the count holds (it does on the second pass: numbers do not wrap).
_MAX_PASSES = 4
_MM = 72 / 25.4

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
    applications: str = "Applications"
    application: str = "Application %(reference)s"
    received: str = "Received"
    service: str = "Service"
    channel: str = "Channel"
    field: str = "Field"
    value: str = "Value"
    no_answers: str = "No answers were given."
    receipt: str = "Receipt %(reference)s"
    scanned_page: str = "%(title)s, page %(page)s of %(pages)s (an image of the page; its text is not tagged)"


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
    year: str = ""  # the bookmarks group documents by it


@dataclass
class ExportNote:
    heading: str  # when and by whom
    text: str


@dataclass
class ExportAnswer:
    label: str  # German
    value: str  # as the applicant gave it (a choice as its label)
    latin: str = ""  # Latin form beside a name or place in another script


@dataclass
class ExportApplication:
    """A submission filed in the case file: its answers as caseworkers read them."""
    reference: str
    service: str
    received: str
    channel: str
    language: str  # the applicant's
    answers: list[ExportAnswer]
    first_page: int = 0  # filled in by the export


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
    applications: list[ExportApplication] = field(default_factory=list)
    person_latin: list[str] = field(default_factory=list)  # Latin forms beside the name rows, by row


@dataclass
class ExportResult:
    pages: int
    front_pages: int
    documents: int  # printed
    skipped: int  # named in the contents only


# -- front matter -------------------------------------------------------------------------------

def _footer_css(data: CaseFileExport, total: int) -> str:
    """The footer's CSS content: page number by counter, the rest fixed."""
    before, _, after = (data.labels.footer % {"file_number": data.file_number, "page": "\x00",
                                              "pages": total}).partition("\x00")
    return " ".join(part for part in (css_string(before) if before else "", "counter(page)",
                                      css_string(after) if after else "") if part)


def _render_front(data: CaseFileExport, total_pages: int, notes_page: int,
                  answer_pages: list[int]) -> tuple[bytes, int, int, list[int]]:
    """The front matter as PDF bytes, its page count, the page the notes begin on and the
    page each application's answers begin on."""
    html = render_html("case_file_front.html", data=data, labels=data.labels, notes_page=notes_page,
                       answer_pages=answer_pages, footer=_footer_css(data, total_pages))
    pdf, anchors, pages = render_pdf_with_anchors(html)
    notes = anchors.get("notes", -1) + 1
    answers = [anchors.get(f"application-{index}", -1) + 1 for index in range(len(data.applications))]
    return pdf, pages, notes, answers


# -- assembly -----------------------------------------------------------------------------------

def _take_over(obj, seen: set) -> None:
    """Give every stream reachable from a copied page its own data, so that the source file can
    be closed before the export is written."""
    if isinstance(obj, (Dictionary, Array, pikepdf.Stream)) and obj.is_indirect:
        if obj.objgen in seen:
            return
        seen.add(obj.objgen)
    if isinstance(obj, pikepdf.Stream):
        obj.write(obj.read_raw_bytes(), filter=obj.get("/Filter"), decode_parms=obj.get("/DecodeParms"))
    if isinstance(obj, (Dictionary, pikepdf.Stream)):
        for key in obj.keys():
            if key not in ("/Parent", "/P", "/Pg", "/StructParent", "/StructParents"):
                _take_over(obj[key], seen)
    elif isinstance(obj, Array):
        for item in obj:
            _take_over(item, seen)


def _upright(page: pikepdf.Page) -> None:
    """Turn a rotated page's content so that it stands upright without /Rotate (the page number
    is printed upright then, and every program shows it the same way)."""
    rotate = int(page.obj.get("/Rotate", 0)) % 360
    if not rotate:
        return
    box = page.mediabox
    left, bottom, right, top = (float(v) for v in box)
    width, height = right - left, top - bottom
    matrix = {90: (0, -1, 1, 0, 0, width), 180: (-1, 0, 0, -1, width, height), 270: (0, 1, -1, 0, height, 0)}[rotate]
    shift = f"1 0 0 1 {-left:.4f} {-bottom:.4f} cm\n" if left or bottom else ""
    page.contents_add(f"q {' '.join(f'{v:.4f}' for v in matrix)} cm\n{shift}".encode(), prepend=True)
    page.contents_add(b"\nQ\n")
    size = (height, width) if rotate in (90, 270) else (width, height)
    page.obj.MediaBox = Array([0, 0, *size])
    for key in ("/CropBox", "/TrimBox", "/BleedBox", "/ArtBox"):
        if key in page.obj:
            del page.obj[key]
    del page.obj["/Rotate"]


def _has_marked_content(page: pikepdf.Page) -> bool:
    return any(str(instruction.operator) in ("BDC", "BMC")
               for instruction in pikepdf.parse_content_stream(page.obj)
               if not isinstance(instruction, pikepdf.ContentStreamInlineImage))


def _without_marked_content(page: pikepdf.Page) -> None:
    """An untagged document's own marked content would point into no structure tree."""
    kept = [instruction for instruction in pikepdf.parse_content_stream(page.obj)
            if isinstance(instruction, pikepdf.ContentStreamInlineImage)
            or str(instruction.operator) not in ("BDC", "BMC", "EMC")]
    page.obj.Contents = page.obj.owner.make_stream(pikepdf.unparse_content_stream(kept))


def _walk(element, visit) -> None:
    """Every structure element under `element` (itself included)."""
    visit(element)
    kids = element.get("/K")
    for kid in (kids if isinstance(kids, Array) else [kids] if kids is not None else []):
        if isinstance(kid, Dictionary) and kid.get("/Type") not in (Name.MCR, Name.OBJR) and "/S" in kid:
            _walk(kid, visit)


def _rename_ids(element, prefix: str) -> None:
    """Table header IDs of one part apart from another's (IDs are unique in a document)."""
    def visit(node):
        if "/ID" in node:
            node.ID = String(prefix + bytes(node.ID).decode("latin-1"))
        attributes = node.get("/A")
        for attribute in (attributes if isinstance(attributes, Array) else [attributes] if attributes else []):
            if isinstance(attribute, Dictionary) and "/Headers" in attribute:
                attribute.Headers = Array([String(prefix + bytes(h).decode("latin-1")) for h in attribute.Headers])
    _walk(element, visit)


def _clean_to_unicode(font: Dictionary) -> None:
    """reportlab maps the codes a subset leaves unused to U+0000, which PDF/UA forbids: drop them."""
    if "/ToUnicode" not in font:
        return
    text = font.ToUnicode.read_bytes().decode("latin-1")
    entries = [entry for entry in re.findall(r"<[0-9A-Fa-f]+> <[0-9A-Fa-f]+>", text)
               if not entry.endswith("<0000>")]
    head, _, rest = text.partition("beginbfchar")
    head = head[:head.rstrip().rfind("\n") + 1]
    tail = rest.partition("endbfchar")[2]
    font.ToUnicode.write(f"{head}{len(entries)} beginbfchar\n{chr(10).join(entries)}\nendbfchar{tail}".encode("latin-1"))


class _Assembly:
    """The export being built: documents are appended to a structure tree of their own, a Part
    per document; the front matter goes in front of them at the end."""

    def __init__(self, labels: ExportLabels):
        self.pdf = pikepdf.new()
        self.labels = labels
        self.document_element = self.pdf.make_indirect(Dictionary(Type=Name.StructElem, S=Name.Document,
                                                                   K=Array()))
        self.parent_tree_root = self.pdf.make_indirect(Dictionary(Nums=Array()))
        tree = self.pdf.make_indirect(Dictionary(Type=Name.StructTreeRoot, K=Array([self.document_element]),
                                                 ParentTree=self.parent_tree_root))
        self.document_element.P = tree
        self.pdf.Root.StructTreeRoot = tree
        self.parent_tree = pikepdf.NumberTree(self.parent_tree_root)
        self.next_key = 0
        self.parts = 0
        self.front_pages = 0

    def _part(self, title: str, lang: str | None, first: bool = False) -> Dictionary:
        part = self.pdf.make_indirect(Dictionary(Type=Name.StructElem, S=Name.Part, P=self.document_element,
                                                 T=String(title), K=Array()))
        if lang:
            part.Lang = String(lang)
        if first:
            self.document_element.K.insert(0, part)
        else:
            self.document_element.K.append(part)
        self.parts += 1
        return part

    def append(self, document: ExportDocument) -> None:
        """Copy the document's pages in; sets pages, or problem when it cannot."""
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
        first, parts = len(self.pdf.pages), len(self.document_element.K)
        try:
            with stream, pikepdf.open(stream) as source:
                self._copy(source, document)
        except Exception:  # damaged files raise many kinds of errors
            log.warning("case file export: document %r could not be read", document.title, exc_info=True)
            while len(self.pdf.pages) > first:  # no half documents
                del self.pdf.pages[-1]
            while len(self.document_element.K) > parts:
                del self.document_element.K[-1]
            document.problem = UNREADABLE
            return
        document.pages = len(self.pdf.pages) - first
        if document.pages == 0:
            document.problem = UNREADABLE

    def _copy(self, source: pikepdf.Pdf, document: ExportDocument) -> None:
        tree = source.Root.get("/StructTreeRoot")
        mark_info = source.Root.get("/MarkInfo")
        tagged = tree is not None and "/ParentTree" in tree and mark_info is not None \
            and bool(mark_info.get("/Marked", False))
        if not tagged:
            source.flatten_annotations()  # form fields and notes print; no untagged annotations stay
        first = len(self.pdf.pages)
        for page in source.pages:
            self.pdf.pages.append(page)
        copied = list(self.pdf.pages)[first:]
        lang = str(source.Root.Lang) if "/Lang" in source.Root else None
        part = self._part(document.title, lang)
        if tagged:
            self._graft(tree, copied, part)
        else:
            for number, page in enumerate(copied, start=1):
                self._figure(page, part, document, number, len(copied))
        seen: set = set()
        for page in copied:
            _take_over(page.obj, seen)
        _take_over(part, seen)

    def _foreign(self, obj):
        """A copy of another file's object; direct arrays and dictionaries item by item."""
        if isinstance(obj, (Dictionary, Array, pikepdf.Stream)) and obj.is_indirect:
            return self.pdf.copy_foreign(obj)
        if isinstance(obj, Array):
            return Array([self._foreign(item) for item in obj])
        if isinstance(obj, Dictionary):
            return Dictionary({key: self._foreign(value) for key, value in obj.items()})
        return obj

    def _graft(self, tree: Dictionary, pages: list[pikepdf.Page], part: Dictionary) -> None:
        """A tagged document's structure under `part`, its parent-tree entries under new keys."""
        kids = tree.get("/K")
        kids = list(kids) if isinstance(kids, Array) else [kids] if kids is not None else []
        for kid in kids:
            copied = self._foreign(kid)
            if isinstance(copied, Dictionary):
                copied.P = part
            part.K.append(copied)
        _rename_ids(part, f"p{self.parts}-")
        source_parent_tree = pikepdf.NumberTree(tree.ParentTree)
        keys: dict[int, int] = {}

        def new_key(old: int) -> int:
            if old not in keys:
                keys[old] = self.next_key
                self.next_key += 1
                if old in source_parent_tree:
                    self.parent_tree[keys[old]] = self._foreign(source_parent_tree[old])
            return keys[old]

        for page in pages:
            if "/StructParents" in page.obj:
                page.obj.StructParents = new_key(int(page.obj.StructParents))
            for annotation in page.obj.get("/Annots", []):
                if "/StructParent" in annotation:
                    annotation.StructParent = new_key(int(annotation.StructParent))
        role_map = tree.get("/RoleMap")
        if role_map is not None:
            ours = self.pdf.Root.StructTreeRoot
            if "/RoleMap" not in ours:
                ours.RoleMap = Dictionary()
            for key, value in role_map.items():
                if key not in ours.RoleMap:
                    ours.RoleMap[key] = value

    def _figure(self, page: pikepdf.Page, part: Dictionary, document: ExportDocument, number: int,
                pages: int) -> None:
        """An untagged page as one figure: the page is an image of a paper or a file we cannot
        structure; its alt text says what it is."""
        if _has_marked_content(page):
            _without_marked_content(page)
        page.contents_add(b"/Figure <</MCID 0>> BDC\n", prepend=True)
        page.contents_add(b"\nEMC\n")
        box = [float(v) for v in page.mediabox]
        figure = self.pdf.make_indirect(Dictionary(
            Type=Name.StructElem, S=Name.Figure, P=part, Pg=page.obj, K=0,
            Alt=String(self.labels.scanned_page % {"title": document.title, "page": number, "pages": pages}),
            A=Dictionary(O=Name.Layout, BBox=Array(box))))
        part.K.append(figure)
        key = self.next_key
        self.next_key += 1
        page.obj.StructParents = key
        self.parent_tree[key] = Array([figure])

    def prepend_front(self, front: bytes, title: str) -> None:
        """The front matter's pages first, its structure (WeasyPrint's) first in the tree, and
        what makes the file PDF/UA from its catalog: language, metadata, viewer preferences."""
        with pikepdf.open(BytesIO(front)) as source:
            tree = source.Root.StructTreeRoot
            for index, page in enumerate(source.pages):
                self.pdf.pages.insert(index, page)
            pages = list(self.pdf.pages)[:len(source.pages)]
            document = tree.K[0] if isinstance(tree.K, Array) else tree.K
            part = self._part(title, None, first=True)
            self._graft(Dictionary(K=document.K, ParentTree=tree.ParentTree, RoleMap=tree.get("/RoleMap",
                                                                                                Dictionary())),
                        pages, part)
            for key in ("/Lang", "/MarkInfo", "/ViewerPreferences", "/Metadata"):
                if key in source.Root:
                    self.pdf.Root[key] = self._foreign(source.Root[key])
            seen: set = set()
            for page in pages:
                _take_over(page.obj, seen)
            _take_over(part, seen)
            _take_over(self.pdf.Root.Metadata, seen)
            self.front_pages = len(pages)

    def stamp(self, data: CaseFileExport, total: int) -> None:
        """File number and page number at the foot of every appended page, as an artifact, over a
        white box so that it reads on dark scans too."""
        from reportlab.pdfgen.canvas import Canvas

        pages = list(self.pdf.pages)[self.front_pages:]
        if not pages:
            return
        for page in pages:
            _upright(page)
        register_fonts()
        overlay = BytesIO()
        canvas = Canvas(overlay, initialFontName=LATIN)
        boxes = []
        for offset, page in enumerate(pages):
            left, bottom, right, top = (float(v) for v in page.mediabox)
            boxes.append((left, bottom))
            width, height = right - left, top - bottom
            canvas.setPageSize((width, height))
            text = data.labels.footer % {"file_number": data.file_number, "page": self.front_pages + offset + 1,
                                         "pages": total}
            canvas.setFont(LATIN, FOOTER_SIZE)
            text_width = canvas.stringWidth(text, LATIN, FOOTER_SIZE)
            edge, base = width - 8 * _MM, 5 * _MM
            canvas.setFillColorRGB(1, 1, 1)
            canvas.rect(edge - text_width - 2, base - 2.5, text_width + 4, FOOTER_SIZE + 4, stroke=0, fill=1)
            canvas.setFillColorRGB(0.333, 0.333, 0.333)
            canvas.drawRightString(edge, base, text)
            canvas.showPage()
        canvas.save()
        overlay.seek(0)
        with pikepdf.open(overlay) as stamps:
            for font in stamps.pages[0].Resources.Font.values():
                _clean_to_unicode(font)
            for page, stamp, (left, bottom) in zip(pages, stamps.pages, boxes):
                xobject = self.pdf.copy_foreign(stamp.as_form_xobject())
                name = page.add_resource(xobject, Name.XObject, prefix="PortalStamp")
                page.contents_add(b"q\n", prepend=True)
                page.contents_add(f"\nQ\n/Artifact BMC q 1 0 0 1 {left:.4f} {bottom:.4f} cm {name} Do Q EMC\n"
                                  .encode())
            seen: set = set()
            for page in pages:
                _take_over(page.obj.Resources, seen)

    def outline(self, data: CaseFileExport, notes_page: int) -> None:
        labels = self.labels
        with self.pdf.open_outline() as outline:
            items = [OutlineItem(labels.contents, min(1, self.front_pages - 1))]
            if data.notes and notes_page:
                items.append(OutlineItem(labels.notes, notes_page - 1))
            if data.applications:
                applications = OutlineItem(labels.applications, data.applications[0].first_page - 1)
                applications.children += [
                    OutlineItem(labels.application % {"reference": a.reference}, a.first_page - 1)
                    for a in data.applications if a.first_page]
                items.append(applications)
            printed = [d for d in data.documents if d.first_page]
            for year, documents in groupby(printed, key=lambda d: d.year):
                entries = [OutlineItem(f"{d.day} {d.title}", d.first_page - 1) for d in documents]
                if year:  # a bookmark per year, the year's documents inside
                    group = OutlineItem(year, entries[0].destination)
                    group.children += entries
                    entries = [group]
                items += entries
            outline.root.extend(items)


def write_case_file_pdf(data: CaseFileExport, out: BinaryIO) -> ExportResult:
    """Write the export to `out` (a binary file object)."""
    assembly = _Assembly(data.labels)
    for document in data.documents:
        assembly.append(document)
    body_pages = len(assembly.pdf.pages)

    front_pages, notes_page, answer_pages = 1, 0, [0] * len(data.applications)
    front = b""
    for _ in range(_MAX_PASSES):
        cursor = front_pages + 1
        for document in data.documents:
            document.first_page = cursor if not document.problem else 0
            cursor += document.pages
        known = (front_pages, notes_page, answer_pages)
        front, counted, notes_page, answer_pages = _render_front(data, front_pages + body_pages, notes_page,
                                                                 answer_pages)
        if (counted, notes_page, answer_pages) == known:
            break
        front_pages = counted  # the page count of `front` either way
    for application, page in zip(data.applications, answer_pages):
        application.first_page = page
    total = front_pages + body_pages

    assembly.prepend_front(front, data.labels.contents)
    assembly.stamp(data, total)
    assembly.outline(data, notes_page)
    assembly.pdf.docinfo["/Title"] = f"{data.labels.title} {data.file_number}"
    assembly.pdf.docinfo["/Author"] = data.office_name
    assembly.pdf.save(out)
    assembly.pdf.close()
    printed = sum(1 for d in data.documents if not d.problem)
    return ExportResult(pages=total, front_pages=front_pages, documents=printed,
                        skipped=len(data.documents) - printed)
