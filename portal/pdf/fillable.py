"""Fillable PDF forms (AcroForm) for people who cannot use the portal: they fill the form in
on a computer and e-mail it back; the e-mail intake reads the values with read_fillable_form.

Field names are the spec's names, unchanged, so that the intake can rely on them. Which form
a file is comes from a hidden read-only field `portal_service` ("code:version") and, in case
that is lost, from the custom document-info keys /PortalService and /PortalFormVersion.

Values read back are strings: text as typed (multiline with "\\n"), a choice as its stable
code, a checkbox "yes" when ticked and "" when not; an untouched field is "".

The page is HTML made into tagged PDF by WeasyPrint (portal/templates/pdf/fillable_form.html),
which also makes the fields, each in a Form element of the structure tree. pikepdf then does
what WeasyPrint does not: right-aligned fields for Arabic and Persian (/Q 2) and the hidden
marker. Every field names one font, embedded whole (Portal Form Sans: Noto Sans and Vazirmatn
merged, portal/pdf/fonts.py), so that whatever script an applicant types in has its glyphs;
the tooltip (TU) is the label in the form's language and German.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from io import BytesIO

import pikepdf
from flask_babel import force_locale
from flask_babel import gettext as _
from pypdf import PdfReader

from portal.pdf.templates import RTL_LANGUAGES, page_dir, render_html
from portal.pdf.renderer import render_pdf

MARKER_FIELD = "portal_service"
INFO_SERVICE = "/PortalService"
INFO_VERSION = "/PortalFormVersion"
KINDS = ("text", "multiline", "checkbox", "choice")
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")  # no dots: PDF would read them as a hierarchy
HIDDEN, PRINT = 2, 4  # annotation flags
READ_ONLY = 1  # field flag
RIGHT = 2  # quadding


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


def fillable_html(spec: FillableFormSpec) -> str:
    with force_locale(spec.language):
        intro = _texts(spec.office_email)
    with force_locale("de"):
        intro_de = _texts(spec.office_email)
    return render_html("fillable_form.html", spec=spec, intro=list(zip(intro, intro_de)),
                       german=spec.language != "de", page=page_dir(spec.language))


def _finish_fields(pdf: bytes, spec: FillableFormSpec) -> bytes:
    """Right-aligned fields for ar/fa, and the hidden marker field (which form, which version)."""
    document = pikepdf.open(BytesIO(pdf))
    acroform = document.Root.AcroForm
    widgets = [annotation for page in document.pages for annotation in page.obj.get("/Annots", [])
               if annotation.get("/Subtype") == pikepdf.Name.Widget]
    # WeasyPrint's DA also sets a graphics state; a DA holds the font and colour only.
    font_da = re.sub(r"/\S+ gs\s*", "", next(str(w.DA) for w in widgets if "/DA" in w)).strip()
    for widget in widgets:
        if "/DA" in widget:
            widget.DA = pikepdf.String(font_da)
        if spec.language in RTL_LANGUAGES and widget.get("/FT") in (pikepdf.Name.Tx, pikepdf.Name.Ch):
            widget.Q = RIGHT
        if widget.get("/FT") == pikepdf.Name.Btn and "/on" in widget.AP.N:
            # "Yes" is the on-state PDF programs expect of a checkbox (WeasyPrint names it "on").
            widget.AP.N.Yes = widget.AP.N.on
            del widget.AP.N["/on"]
    acroform.DA = pikepdf.String(font_da)
    document.docinfo[INFO_SERVICE] = spec.service_code
    document.docinfo[INFO_VERSION] = str(spec.form_version)
    first = document.pages[0].obj
    marker = document.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Widget, FT=pikepdf.Name.Tx,
        T=pikepdf.String(MARKER_FIELD), V=pikepdf.String(f"{spec.service_code}:{spec.form_version}"),
        TU=pikepdf.String("portal_service"), Rect=[0, 0, 0, 0], F=HIDDEN, Ff=READ_ONLY,
        DA=pikepdf.String(font_da), P=first))
    first.Annots.append(marker)
    acroform.Fields.append(marker)
    out = BytesIO()
    document.save(out)
    return out.getvalue()


def render_fillable_form(spec: FillableFormSpec) -> bytes:
    """The form as tagged PDF bytes. Needs an application context (for the translations)."""
    _check(spec)
    return _finish_fields(render_pdf(fillable_html(spec), forms=True), spec)


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
    if field_data.get("/FT") == "/Tx":  # PDF programs end lines with \r\n (PDFium) or \r (Acrobat)
        return str(value).replace("\r\n", "\n").replace("\r", "\n")
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
