"""Fillable PDF forms (AcroForm) for people who cannot use the portal: they fill the form in
on a computer and e-mail it back; the e-mail intake reads the values with read_fillable_form.

Field names are the spec's names, unchanged, so that the intake can rely on them. Which form
a file is comes from a hidden read-only field `portal_service` ("code:version") and, in case
that is lost, from the custom document-info keys /PortalService and /PortalFormVersion.

Values read back are strings: text as typed (multiline with "\\n"), a choice as its stable
code, a checkbox "yes" when ticked and "" when not; an untouched field is "".

Labels are drawn with embedded fonts (shaped, right-aligned for ar/fa). What the user types
is rendered by the PDF program itself: reportlab's form fields can only name the standard
fonts, so NeedAppearances is set and the viewer draws the entries in a font of its own.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from io import BytesIO

from flask_babel import force_locale
from flask_babel import gettext as _
from pypdf import PdfReader, PdfWriter
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from portal.config import RTL_LANGUAGES
from portal.pdf.fonts import LATIN, LATIN_BOLD, register_fonts
from portal.pdf.text import BidiParagraph, aligned

MARKER_FIELD = "portal_service"
INFO_SERVICE = "/PortalService"
INFO_VERSION = "/PortalFormVersion"
KINDS = ("text", "multiline", "checkbox", "choice")
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")  # no dots: PDF would read them as a hierarchy

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 18 * mm
BOTTOM = MARGIN + 8 * mm  # room for the footer
WIDTH = PAGE_WIDTH - 2 * MARGIN
BOX_HEIGHT = {"text": 7 * mm, "multiline": 24 * mm, "choice": 7 * mm}
CHECKBOX = 4.5 * mm
CHOICE_WIDTH = 95 * mm
GREY = colors.HexColor("#555555")
BORDER = colors.HexColor("#6b7280")
FILL = colors.HexColor("#eef4fb")


@dataclass
class FillableField:
    name: str  # stable: the intake reads the value by this name
    label: str  # in the form's language
    label_de: str
    kind: str = "text"  # "text" | "multiline" | "checkbox" | "choice"
    choices: list[tuple[str, str]] = field(default_factory=list)  # (stable code, label shown)
    required: bool = False
    hint: str = ""  # in the form's language


@dataclass
class FillableSection:
    title: str
    title_de: str
    fields: list[FillableField]


@dataclass
class FillableFormSpec:
    service_code: str
    form_version: int
    language: str
    title: str
    title_de: str
    office_name: str
    office_email: str
    sections: list[FillableSection]


@dataclass
class FilledForm:
    service_code: str
    form_version: int
    values: dict[str, str]


def _texts(email: str) -> list[str]:
    """The intro in the current (forced) locale."""
    return [
        _("Please fill in this form on a computer and save it. Then send the saved file by e-mail, "
          "together with copies of your documents, to %(email)s.", email=email),
        _("Please do not print and scan the form: we read your entries directly from the file."),
        _("Fields marked with * are required."),
    ]


def _check(spec: FillableFormSpec) -> None:
    seen = {MARKER_FIELD}
    for section in spec.sections:
        for f in section.fields:
            if not _NAME.match(f.name) or f.name in seen:
                raise ValueError(f"invalid or duplicate field name {f.name!r}")
            if f.kind not in KINDS:
                raise ValueError(f"field {f.name!r}: unknown kind {f.kind!r}")
            codes = [code for code, _label in f.choices]
            if f.kind == "choice" and (not codes or "" in codes or len(set(codes)) < len(codes)):
                raise ValueError(f"choice field {f.name!r} needs distinct, non-empty codes")
            seen.add(f.name)


def _height(measured: list) -> float:
    return sum(height for _paragraph, height in measured)


class _Form:
    """Draws the form top to bottom, starting a new page when the next block does not fit."""

    def __init__(self, spec: FillableFormSpec, canvas: Canvas):
        self.spec = spec
        self.canv = canvas
        self.rtl = spec.language in RTL_LANGUAGES
        self.german = spec.language != "de"
        self.page = 1
        self.y = PAGE_HEIGHT - MARGIN
        base = ParagraphStyle("base", fontName=LATIN, fontSize=9.5, leading=12.5)
        self.styles = {
            "base": base,
            "label": ParagraphStyle("label", parent=base, fontName=LATIN_BOLD),
            "small": ParagraphStyle("small", parent=base, fontSize=7.5, leading=9.5, textColor=GREY),
            "office": ParagraphStyle("office", parent=base, fontName=LATIN_BOLD, fontSize=11, leading=14),
            "title": ParagraphStyle("title", parent=base, fontName=LATIN_BOLD, fontSize=16, leading=20),
            "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=10.5, leading=13, textColor=GREY),
            "h2": ParagraphStyle("h2", parent=base, fontName=LATIN_BOLD, fontSize=12, leading=15),
        }

    # -- paragraphs ---------------------------------------------------------------
    def own(self, text: str, style: str = "base") -> BidiParagraph:
        return BidiParagraph(text, aligned(self.styles[style], self.rtl), rtl=self.rtl)

    def de(self, text: str, style: str = "small") -> BidiParagraph:
        return BidiParagraph(text, self.styles[style], rtl=False)

    def both(self, own: str, german: str, style: str = "base", style_de: str = "small") -> list:
        return [self.own(own, style), *([self.de(german, style_de)] if self.german else [])]

    def measure(self, paragraphs: list, width: float = WIDTH) -> list[tuple[BidiParagraph, float]]:
        return [(p, p.wrapOn(self.canv, width, PAGE_HEIGHT)[1]) for p in paragraphs]

    def draw(self, measured: list, x: float = MARGIN) -> None:
        for paragraph, height in measured:
            paragraph.drawOn(self.canv, x, self.y - height)
            self.y -= height

    # -- pages --------------------------------------------------------------------
    def footer(self) -> None:
        c, spec = self.canv, self.spec
        c.setFont(LATIN, 7.5)
        c.setFillColor(GREY)
        c.drawString(MARGIN, 10 * mm, f"{spec.office_name} · {spec.service_code} / {spec.form_version}")
        c.drawRightString(PAGE_WIDTH - MARGIN, 10 * mm, str(self.page))
        c.setFillColor(colors.black)

    def room(self, height: float) -> None:
        """Start a new page unless `height` still fits on this one."""
        if self.y - height >= BOTTOM:
            return
        self.footer()
        self.canv.showPage()
        self.page += 1
        self.y = PAGE_HEIGHT - MARGIN

    def gap(self, height: float) -> None:
        self.y -= height

    # -- blocks -------------------------------------------------------------------
    def header(self) -> None:
        spec = self.spec
        with force_locale(spec.language):
            intro = _texts(spec.office_email)
        with force_locale("de"):
            intro_de = _texts(spec.office_email)
        self.draw(self.measure([self.de(spec.office_name, "office")]))
        self.gap(4 * mm)
        self.draw(self.measure(self.both(spec.title, spec.title_de, "title", "subtitle")))
        self.gap(4 * mm)
        for own, german in zip(intro, intro_de):
            block = self.measure(self.both(own, german))
            self.room(_height(block))
            self.draw(block)
            self.gap(1.5 * mm)

    def section(self, section: FillableSection) -> None:
        heading = self.measure(self.both(section.title, section.title_de, "h2"))
        # A heading must not be left alone at the bottom of a page.
        self.room(_height(heading) + 22 * mm)
        self.gap(4 * mm)
        self.draw(heading)
        self.canv.setStrokeColor(BORDER)
        self.canv.setLineWidth(0.5)
        self.canv.line(MARGIN, self.y - 1, PAGE_WIDTH - MARGIN, self.y - 1)
        self.gap(3 * mm)
        for f in section.fields:
            self.field(f)

    def labels(self, f: FillableField, width: float) -> list:
        paragraphs = self.both(f.label + (" *" if f.required else ""), f.label_de, "label")
        if f.hint:
            paragraphs.append(self.own(f.hint, "small"))
        return self.measure(paragraphs, width)

    def field(self, f: FillableField) -> None:
        form = self.canv.acroForm
        common = dict(name=f.name, tooltip=f.label, borderColor=BORDER, fillColor=FILL,
                      textColor=colors.black, borderWidth=0.8)
        flags = "required" if f.required else ""
        if f.kind == "checkbox":
            # The box on the reading side of its label.
            width = WIDTH - CHECKBOX - 3 * mm
            labels = self.labels(f, width)
            self.room(max(_height(labels), CHECKBOX) + 4 * mm)
            top = self.y
            box_x = PAGE_WIDTH - MARGIN - CHECKBOX if self.rtl else MARGIN
            form.checkbox(x=box_x, y=top - CHECKBOX, size=CHECKBOX, buttonStyle="check",
                          fieldFlags=flags, checked=False, **common)
            self.draw(labels, x=MARGIN if self.rtl else MARGIN + CHECKBOX + 3 * mm)
            self.y = min(self.y, top - CHECKBOX)
            self.gap(4 * mm)
            return
        labels = self.labels(f, WIDTH)
        height = BOX_HEIGHT[f.kind]
        self.room(_height(labels) + 1.5 * mm + height + 4 * mm)
        self.draw(labels)
        self.gap(1.5 * mm + height)
        if f.kind == "choice":
            x = PAGE_WIDTH - MARGIN - CHOICE_WIDTH if self.rtl else MARGIN
            # A blank first option, so that nothing is chosen until the user chooses. reportlab
            # wants (label, value) pairs; value [""] selects the blank one (a plain "" fails there).
            options = [("", ""), *((label, code) for code, label in f.choices)]
            form.choice(x=x, y=self.y, width=CHOICE_WIDTH, height=height, value=[""], options=options,
                        fieldFlags=f"combo {flags}".strip(), fontSize=10, **common)
        else:
            form.textfield(x=MARGIN, y=self.y, width=WIDTH, height=height, value="", maxlen=None,
                           fieldFlags=f"{'multiline ' if f.kind == 'multiline' else ''}{flags}".strip(),
                           fontSize=10, **common)
        self.gap(4 * mm)

    def marker(self) -> None:
        # Hidden and read-only: it tells the intake which form (and version) this is.
        self.canv.acroForm.textfield(
            name=MARKER_FIELD, value=f"{self.spec.service_code}:{self.spec.form_version}",
            x=0, y=0, width=1, height=1, borderWidth=0, maxlen=None,
            annotationFlags="hidden", fieldFlags="readOnly",
        )

    def render(self) -> None:
        self.header()
        for section in self.spec.sections:
            self.section(section)
        self.marker()
        self.footer()
        self.canv.showPage()


def render_fillable_form(spec: FillableFormSpec) -> bytes:
    """The form as PDF bytes. Needs an application context (for the translations)."""
    _check(spec)
    register_fonts()
    raw = BytesIO()
    canvas = Canvas(raw, pagesize=A4, lang=spec.language, initialFontName=LATIN)
    canvas.setTitle(spec.title)
    canvas.setAuthor(spec.office_name)
    canvas.setCreator(spec.office_name)
    canvas.setSubject(f"{spec.service_code}:{spec.form_version}")
    _Form(spec, canvas).render()
    canvas.save()
    # reportlab cannot write custom info keys or NeedAppearances; pypdf adds them.
    writer = PdfWriter(clone_from=BytesIO(raw.getvalue()))
    writer.add_metadata({INFO_SERVICE: spec.service_code, INFO_VERSION: str(spec.form_version)})
    writer.set_need_appearances_writer(True)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def _parse_marker(code: str, version: str) -> tuple[str, int] | None:
    code, version = code.strip(), version.strip()
    if not code or not version.isdigit():
        return None
    return code, int(version)


def _marker(reader: PdfReader, fields: dict) -> tuple[str, int] | None:
    value = fields.get(MARKER_FIELD, {}).get("/V")
    if isinstance(value, str) and ":" in value:
        return _parse_marker(*value.rsplit(":", 1))
    info = reader.metadata or {}
    if info.get(INFO_SERVICE) and info.get(INFO_VERSION):
        return _parse_marker(str(info[INFO_SERVICE]), str(info[INFO_VERSION]))
    return None


def _value(field_data: dict) -> str:
    value = field_data.get("/V")
    if field_data.get("/FT") == "/Btn":
        return "yes" if value not in (None, "", "/Off") else ""
    if value is None:
        return ""
    if isinstance(value, list):  # a multi-select list would give several codes
        return ",".join(str(v) for v in value)
    if field_data.get("/FT") == "/Ch":
        # Some programs store the label shown instead of the code: map it back.
        labels = {str(opt[1]): str(opt[0]) for opt in field_data.get("/Opt", []) if isinstance(opt, list)}
        codes = set(labels.values())
        if str(value) not in codes and str(value) in labels:
            return labels[str(value)]
    return str(value)


def read_fillable_form(data: bytes) -> FilledForm | None:
    """The values of one of our forms; None for anything else (never raises)."""
    try:
        reader = PdfReader(BytesIO(data))
        fields = reader.get_fields() or {}
        marker = _marker(reader, fields)
        if marker is None:
            return None
        values = {name: _value(f) for name, f in fields.items() if name != MARKER_FIELD}
    except Exception:  # pypdf raises many kinds of errors on broken or hostile files
        return None
    return FilledForm(service_code=marker[0], form_version=marker[1], values=values)
