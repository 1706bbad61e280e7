"""Fillable PDF forms: rendered as tagged PDF, filled in like applicants' programs do (pypdf,
pikepdf, PDFium as in Chromium's viewer) in Arabic, Persian and Cyrillic, shown by poppler, read
back as the e-mail intake reads them."""
from __future__ import annotations

import os
import re
from io import BytesIO

import pikepdf
import pytest
from fontTools.ttLib import TTFont
from pypdf import PdfReader, PdfWriter
from reportlab.pdfgen.canvas import Canvas

from portal.pdf import fonts
from portal.pdf.fillable import (
    MARKER_FIELD,
    FillableField,
    FillableFormSpec,
    FillableSection,
    read_fillable_form,
    render_fillable_form,
)
from tests.support.pdf_forms import fill_with_pikepdf, fill_with_pypdf, poppler_field_ink, type_with_pdfium
from tests.support.pdfua import assert_pdfua


def make_spec(language: str) -> FillableFormSpec:
    arabic = language in ("ar", "fa")
    personal = [
        FillableField("family_name", "اسم العائلة" if arabic else "Прізвище", "Familienname", required=True),
        FillableField("given_names", "الأسماء" if arabic else "Імена", "Vornamen",
                      hint="كما في جواز السفر" if arabic else "Як у паспорті"),
        FillableField("address", "العنوان" if arabic else "Адреса", "Anschrift", kind="multiline"),
        FillableField("nationality", "الجنسية" if arabic else "Громадянство", "Staatsangehörigkeit",
                      kind="choice", choices=[("UKR", "أوكرانيا" if arabic else "Україна"),
                                              ("SYR", "سوريا" if arabic else "Сирія")]),
        FillableField("consent", "أؤكد صحة البيانات" if arabic else "Я підтверджую", "Ich bestätige die Angaben",
                      kind="checkbox", required=True),
        FillableField("newsletter", "أخبار" if arabic else "Новини", "Neuigkeiten", kind="checkbox"),
    ]
    # Enough fields for a second page.
    more = [FillableField(f"note_{i}", f"ملاحظة {i}" if arabic else f"Примітка {i}", f"Bemerkung {i}",
                          kind="multiline" if i % 2 else "text") for i in range(10)]
    return FillableFormSpec(
        service_code="AT-VERL", form_version=3, language=language,
        title="طلب تمديد تصريح الإقامة" if arabic else "Заява на продовження дозволу",
        title_de="Antrag auf Verlängerung der Aufenthaltserlaubnis",
        office_name="Ausländerbehörde Lahn-Dill", office_email="abh@example.org",
        sections=[FillableSection("بيانات شخصية" if arabic else "Особисті дані", "Persönliche Angaben", personal),
                  FillableSection("ملاحظات" if arabic else "Примітки", "Bemerkungen", more)],
    )


def spec_names(spec: FillableFormSpec) -> list[str]:
    return [f.name for section in spec.sections for f in section.fields]


_cache: dict[str, bytes] = {}


@pytest.fixture
def form(babel_app):
    def _form(language: str) -> bytes:
        if language not in _cache:
            with babel_app.app_context():
                _cache[language] = render_fillable_form(make_spec(language))
        return _cache[language]
    return _form


def fill(pdf: bytes, values: dict[str, str]) -> bytes:
    """What a user's PDF program does, done with pypdf."""
    return fill_with_pypdf(pdf, values)


def plain_pdf(with_field: bool = False) -> bytes:
    out = BytesIO()
    canvas = Canvas(out)
    canvas.drawString(72, 720, "An ordinary PDF")
    if with_field:
        canvas.acroForm.textfield(name="family_name", x=72, y=600, value="Smith")
    canvas.showPage()
    canvas.save()
    return out.getvalue()


@pytest.mark.parametrize("language", ["uk", "ar"])
def test_field_names_are_exactly_the_spec_names(form, language):
    fields = PdfReader(BytesIO(form(language))).get_fields()
    assert set(fields) == {*spec_names(make_spec(language)), MARKER_FIELD}


@pytest.mark.parametrize("language", ["uk", "ar"])
def test_filled_form_reads_back(form, language):
    pdf = form(language)
    assert len(PdfReader(BytesIO(pdf)).pages) > 1
    typed = {
        "family_name": "الحسن" if language == "ar" else "Шевченко",
        "given_names": "محمد" if language == "ar" else "Олександр",
        "address": "Bahnhofstraße 12\n35576 Wetzlar",
        "nationality": "SYR",
        "note_9": "Yılmaz Ayşe",  # on the last page
    }
    filled = fill(pdf, {**typed, "consent": "/Yes"})
    result = read_fillable_form(filled)
    assert result is not None
    assert (result.service_code, result.form_version) == ("AT-VERL", 3)
    expected = dict.fromkeys(spec_names(make_spec(language)), "")
    expected.update(typed, consent="yes")
    assert result.values == expected


def test_untouched_form_reads_back_empty(form):
    result = read_fillable_form(form("uk"))
    assert result.values == dict.fromkeys(spec_names(make_spec("uk")), "")


def test_choice_values_are_codes_and_options_are_labels(form):
    nationality = PdfReader(BytesIO(form("uk"))).get_fields()["nationality"]
    assert [list(option) for option in nationality["/Opt"]] == [["", ""], ["UKR", "Україна"], ["SYR", "Сирія"]]


def test_marker_is_hidden_read_only_field_and_document_info(form):
    reader = PdfReader(BytesIO(form("ar")))
    assert reader.metadata["/PortalService"] == "AT-VERL"
    assert reader.metadata["/PortalFormVersion"] == "3"
    widgets = [annot.get_object() for page in reader.pages for annot in page.get("/Annots", [])]
    marker = next(w for w in widgets if w.get("/T") == MARKER_FIELD)
    assert marker["/V"] == "AT-VERL:3"
    assert marker["/F"] & 2  # hidden
    assert marker["/Ff"] & 1  # read-only


def test_reads_back_without_document_info(form):
    writer = PdfWriter(clone_from=BytesIO(form("uk")))
    writer.metadata = None  # as some PDF programs do
    out = BytesIO()
    writer.write(out)
    assert PdfReader(BytesIO(out.getvalue())).metadata is None
    result = read_fillable_form(out.getvalue())
    assert (result.service_code, result.form_version) == ("AT-VERL", 3)


def test_reads_back_from_document_info_when_the_marker_field_is_lost():
    writer = PdfWriter(clone_from=BytesIO(plain_pdf(with_field=True)))
    writer.add_metadata({"/PortalService": "AT-VERL", "/PortalFormVersion": "2"})
    out = BytesIO()
    writer.write(out)
    result = read_fillable_form(out.getvalue())
    assert (result.service_code, result.form_version, result.values) == ("AT-VERL", 2, {"family_name": "Smith"})


def test_labels_use_the_embedded_fonts(form):
    reader = PdfReader(BytesIO(form("ar")))
    names = {str(font.get_object()["/BaseFont"])
             for page in reader.pages for font in page["/Resources"]["/Font"].values()}
    assert any("Vazirmatn" in name for name in names)
    assert any("Noto-Sans" in name for name in names)


@pytest.mark.parametrize("language", ["ar", "fa", "uk", "de"])
def test_form_is_pdf_ua_with_every_field_in_a_form_element(form, language):
    assert_pdfua(form(language))


def _field_font(pdf: bytes):
    document = pikepdf.open(BytesIO(pdf))
    fields = {str(f.T): f for f in document.Root.AcroForm.Fields}
    name = re.search(r"(/\S+) [\d.]+ Tf", str(fields["family_name"].DA)).group(1)
    font = document.Root.AcroForm.DR.Font[name] if name in document.Root.AcroForm.DR.Font else None
    return document, fields, font


@pytest.mark.parametrize("language, alignment", [("ar", 2), ("fa", 2), ("uk", 0), ("de", 0)])
def test_fields_use_one_embedded_font_for_every_script_aligned_with_the_language(form, language, alignment):
    document, fields, font = _field_font(form(language))
    assert font is not None and str(font.Subtype) == "/Type0" and "/ToUnicode" in font
    program = TTFont(BytesIO(font.DescendantFonts[0].FontDescriptor.FontFile2.read_bytes()))
    cmap = program.getBestCmap()
    typed = "Müller Шевченко Олександр Ђорђе محمد الحسن پرویز رضایی ژاله گلشیفته Yılmaz ۱۲۳"
    assert not [char for char in typed if not char.isspace() and ord(char) not in cmap]
    # Embedded whole, not a subset of the labels' letters: whatever the applicant types is in it.
    assert program["maxp"].numGlyphs == TTFont(fonts.font_path(fonts.FORM))["maxp"].numGlyphs
    for name in ("family_name", "address", "nationality"):
        assert int(fields[name].get("/Q", 0)) == alignment, name


def test_tooltips_are_the_label_in_the_forms_language_and_german(form):
    _document, fields, _font = _field_font(form("fa"))
    assert str(fields["family_name"].TU) == "اسم العائلة – Familienname"
    _document, fields, _font = _field_font(form("de"))
    assert str(fields["family_name"].TU) == "Прізвище"


TYPED = {
    "ar": {"family_name": "الحسن", "given_names": "محمد علي", "address": "شارع الجامعة ١٢\nدمشق"},
    "fa": {"family_name": "رضایی", "given_names": "پرویز", "address": "خیابان آزادی ۱۲\nتهران"},
    "uk": {"family_name": "Шевченко", "given_names": "Олександр", "address": "вул. Хрещатик 12\nКиїв"},
}


@pytest.mark.parametrize("language", ["ar", "fa", "uk"])
@pytest.mark.parametrize("fill_in", [fill_with_pypdf, fill_with_pikepdf, type_with_pdfium],
                         ids=["pypdf", "pikepdf", "pdfium"])
def test_what_is_typed_in_any_script_reads_back_exactly(form, language, fill_in):
    filled = fill_in(form(language), TYPED[language])
    result = read_fillable_form(filled)
    assert result is not None and (result.service_code, result.form_version) == ("AT-VERL", 3)
    for name, value in TYPED[language].items():
        assert result.values[name] == value


@pytest.mark.parametrize("language, side", [("fa", "right"), ("ar", "right"), ("uk", "left")])
def test_poppler_shows_what_was_typed_on_the_languages_side(form, language, side):
    """Evince and Okular (poppler) draw a typed value themselves with the field's font: it shows,
    right-aligned in Arabic and Persian."""
    filled = fill_with_pypdf(form(language), TYPED[language])
    first, last = poppler_field_ink(filled, "family_name")
    if side == "right":
        assert last > 0.9 and first > 0.5
    else:
        assert first < 0.1 and last < 0.5
    assert poppler_field_ink(form(language), "family_name") is None  # empty before


@pytest.mark.parametrize("data", [
    b"", b"not a pdf", b"%PDF-1.7\n", b"%PDF-1.4\n1 0 obj << /Type /Catalog >>\ntrailer <<>>\n%%EOF",
    os.urandom(2048), b"\x00" * 100,
])
def test_garbage_is_not_a_form(data):
    assert read_fillable_form(data) is None


def test_truncated_form_does_not_raise(form):
    pdf = form("uk")
    for cut in (100, len(pdf) // 3, len(pdf) // 2, len(pdf) - 20):
        read_fillable_form(pdf[:cut])  # None or a form, never an exception


@pytest.mark.parametrize("with_field", [False, True])
def test_ordinary_pdf_is_not_a_form(with_field):
    assert read_fillable_form(plain_pdf(with_field)) is None


@pytest.mark.parametrize("bad", [
    FillableField("family_name", "x", "x"),  # duplicate
    FillableField("a.b", "x", "x"),  # would be read as a hierarchy
    FillableField(MARKER_FIELD, "x", "x"),
    FillableField("colour", "x", "x", kind="radio"),
    FillableField("colour", "x", "x", kind="choice"),  # no choices
    FillableField("colour", "x", "x", kind="choice", choices=[("", "none")]),  # "" is the blank option
])
def test_bad_specs_are_refused(babel_app, bad):
    spec = make_spec("uk")
    spec.sections[0].fields.append(bad)
    with babel_app.app_context(), pytest.raises(ValueError):
        render_fillable_form(spec)


def test_choice_stored_as_its_label_reads_back_as_the_code(form):
    result = read_fillable_form(fill(form("uk"), {"nationality": "Сирія"}))
    assert result.values["nationality"] == "SYR"
