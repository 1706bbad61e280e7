"""The application receipt PDF (portal.pdf.receipt): what it says, that its text is real text in
every script, how it is laid out and that it is tagged PDF/UA."""
from __future__ import annotations

import re
from io import BytesIO

import pikepdf
import pytest
from flask_babel import force_locale
from flask_babel import gettext as _
from pypdf import PdfReader

from portal.pdf import fonts
from portal.pdf.receipt import ReceiptField, render_receipt
from tests.support.pdf_text import (
    PRESENTATION_FORMS,
    drawn_text,
    lines,
    pdfium_pages,
    pdfium_text,
    pdftotext,
    spoken,
)
from tests.support.pdfua import assert_pdfua
from tests.support.receipts import (
    ARABIC,
    CYRILLIC,
    GERMAN,
    LANGUAGES,
    PERSIAN,
    REFERENCE,
    STATUS_CODE,
    TURKISH,
    receipt_data,
)

_cache: dict[str, bytes] = {}


@pytest.fixture
def render(babel_app):
    """Renders (once per language and test run) the sample receipt."""
    def _render(language: str) -> bytes:
        if language not in _cache:
            with babel_app.app_context():
                _cache[language] = render_receipt(receipt_data(language))
        return _cache[language]
    return _render


@pytest.mark.parametrize("language", LANGUAGES)
def test_receipt_shows_what_the_applicant_needs_as_extractable_text(render, language):
    for content in (pdftotext(render(language)), pdfium_text(render(language))):
        assert REFERENCE in content and STATUS_CODE in content
        assert f"https://portal.example.org/{language}/status" in content
        # Names as typed, in logical order, every script: the applicant can copy them, a screen
        # reader reads them.
        found = lines(content)
        for name in (CYRILLIC, ARABIC, PERSIAN, TURKISH, GERMAN):
            assert any(name in line for line in found), (name, found)
        assert "<script>alert(1)</script> & more" in content  # escaped once, printed as typed
        assert not PRESENTATION_FORMS.findall(content)


@pytest.mark.parametrize("language", LANGUAGES)
def test_receipt_is_pdf_ua(render, language):
    assert_pdfua(render(language))


@pytest.mark.parametrize("language", ["ar", "fa"])
def test_screen_reader_reads_the_receipt_in_its_language_in_order_with_german_marked(babel_app, render, language):
    with babel_app.app_context():
        with force_locale(language):
            title, reference, documents = _("Receipt of your application"), _("Reference number"), _("Documents")
        with force_locale("de"):
            title_de, reference_de = _("Receipt of your application"), _("Reference number")
    read = spoken(render(language))
    texts = [text for _lang, text in read]
    assert (language, title) in read and ("de", title_de) in read
    assert (language, reference) in read and ("de", reference_de) in read
    # The order of the page: office, title, its German line, the reference ..., documents, QR code.
    order = [texts.index(text) for text in (title, title_de, reference, REFERENCE, ARABIC, documents)]
    assert order == sorted(order)
    # The QR code is a figure with a text to read instead.
    pdf = pikepdf.open(BytesIO(render(language)))
    figures = [e for e in _elements(pdf) if e.get("/S") == "/Figure"]
    assert len(figures) == 1 and str(figures[0].Alt)


def _elements(pdf):
    found = []

    def walk(node):
        found.append(node)
        kids = node.get("/K")
        for kid in (kids if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else []):
            if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                walk(kid)
    root = pdf.Root.StructTreeRoot
    for kid in (root.K if isinstance(root.K, pikepdf.Array) else [root.K]):
        walk(kid)
    return found


@pytest.mark.parametrize("language", ["ar", "uk"])
def test_document_language_title_and_tables(render, language):
    pdf = pikepdf.open(BytesIO(render(language)))
    assert str(pdf.Root.Lang) == language
    assert bool(pdf.Root.ViewerPreferences.DisplayDocTitle) and bool(pdf.Root.MarkInfo.Marked)
    with pdf.open_metadata() as xmp:
        assert xmp["pdfuaid:part"] == "1" and REFERENCE in xmp["dc:title"]
    kinds = [str(e.S) for e in _elements(pdf)]
    assert "/H1" in kinds and kinds.count("/H2") == 3 and "/Table" in kinds
    assert "/TH" in kinds and "/TD" in kinds
    german = [e for e in _elements(pdf) if str(e.get("/Lang", "")) == "de"]
    assert german, "the German lines are marked as German"


@pytest.mark.parametrize("language", ["de", "ar"])
def test_every_font_is_embedded_with_a_unicode_map(render, language):
    names = set()
    for page in PdfReader(BytesIO(render(language))).pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            descendant = font["/DescendantFonts"][0].get_object()
            assert "/FontFile2" in descendant["/FontDescriptor"], f"{font['/BaseFont']} is not embedded"
            assert "/ToUnicode" in font
            names.add(str(font["/BaseFont"]))
    assert any("Noto-Sans" in name for name in names) and any("Vazirmatn" in name for name in names), names


def test_right_to_left_brackets_face_the_right_way(babel_app):
    """Brackets around Arabic text in an Arabic document: drawn mirrored (the opening one on the
    right), and read back in logical order (PDFium mirrors them back; the structure tree gives
    the text as written)."""
    phrase = "(المادة 24 من قانون الإقامة)"
    data = receipt_data("ar")
    data.fields = [ReceiptField("الأساس القانوني", "Rechtsgrundlage", phrase)]
    with babel_app.app_context():
        pdf = render_receipt(data)
    assert phrase in lines(pdfium_text(pdf))
    assert phrase in [text for _lang, text in spoken(pdf)]
    # On the page, left to right: the mirrored closing bracket, drawn as "(", then the opening one
    # as ")". (Taken from the glyphs drawn, in their order along the line.)
    assert [char for char in drawn_text(pdf) if char in "()"] == ["(", ")"]


def test_the_printed_qr_code_reads_back_as_the_status_url(render):
    import pypdfium2
    import zxingcpp

    for language in ("de", "ar"):
        found, document = [], pypdfium2.PdfDocument(render(language))
        for page in document:  # the Arabic receipt runs to two pages
            image = page.render(scale=2).to_pil()  # 144 dpi: a phone camera sees less
            page.close()
            # QR codes only (the test of the Persian appointment confirmation once read a second code).
            found += [(code.format, code.text)
                      for code in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)]
        document.close()
        assert found == [(zxingcpp.BarcodeFormat.QRCode, f"https://portal.example.org/{language}/status")]


def test_qr_png_holds_the_modules_of_reportlabs_encoder():
    from PIL import Image
    from reportlab.graphics.barcode.qr import QrCodeWidget

    from portal.pdf.qr import qr_modules, qr_png

    url = "https://portal.example.org/de/status"
    widget = QrCodeWidget(url, barLevel="M")
    widget.qr.make()
    modules = qr_modules(url)
    assert modules == [[bool(dark) for dark in row] for row in widget.qr.modules]
    image = Image.open(BytesIO(qr_png(url)))
    assert image.size == (len(modules), len(modules))  # one pixel per module
    assert [[image.getpixel((x, y)) == 0 for x in range(len(modules))] for y in range(len(modules))] == modules


def test_qr_code_is_drawn_without_smoothing(render):
    """Scaled up from one pixel per module, a smoothed QR code has blurred edges."""
    pdf = pikepdf.open(BytesIO(render("de")))
    images = [image for page in pdf.pages for image in page.get_images().values()]
    assert len(images) == 1
    assert images[0].get("/Interpolate") is False


@pytest.mark.parametrize("language", ["de", "ar"])
def test_metadata_and_page_numbers(render, language):
    pdf = render(language)
    reader = PdfReader(BytesIO(pdf))
    assert REFERENCE in reader.metadata.title
    assert reader.metadata.author == "Ausländerbehörde Lahn-Dill"
    pages = len(reader.pages)
    assert re.search(rf"\b1 ?/ ?{pages}\b", pdftotext(pdf))


def test_german_line_only_when_the_applicant_reads_another_language(babel_app, render):
    with babel_app.app_context():
        with force_locale("de"):
            title_de = _("Receipt of your application")
        with force_locale("en"):
            title_en = _("Receipt of your application")
    assert pdftotext(render("de")).count(title_de) == 1
    english = pdftotext(render("en"))
    assert english.count(title_en) == english.count(title_de) == 1


def test_the_stored_receipt_names_its_qr_code_and_the_renderer_draws_it(babel_app):
    """The HTML is stored while the applicant waits: the QR code is made when it becomes a PDF."""
    import base64

    from portal.pdf.qr import qr_png
    from portal.pdf.receipt import receipt_html
    from portal.pdf.renderer import render_pdf

    with babel_app.app_context():
        html = receipt_html(receipt_data("uk"))
    assert 'src="portal-qr:https%3A%2F%2Fportal.example.org%2Fuk%2Fstatus"' in html
    assert "data:image" not in html
    # A receipt stored before, with the code inside as a data: URI, renders the same code.
    older = html.replace('src="portal-qr:https%3A%2F%2Fportal.example.org%2Fuk%2Fstatus"',
                         'src="data:image/png;base64,'
                         + base64.b64encode(qr_png("https://portal.example.org/uk/status")).decode() + '"')
    assert _qr_image(render_pdf(older)) == _qr_image(render_pdf(html))


def _qr_image(pdf: bytes) -> set[bytes]:
    document = pikepdf.open(BytesIO(pdf))
    return {image.read_bytes() for page in document.pages for image in page.get_images().values()}


def test_the_renderer_fetches_nothing_but_our_fonts_qr_codes_and_data(tmp_path):
    from portal.pdf.renderer import RenderError, render_pdf

    outside = tmp_path / "secret.png"
    outside.write_bytes(b"not ours")
    for src in (outside.as_uri(), "http://127.0.0.1:9/x.png"):
        with pytest.raises(RenderError):
            render_pdf(f'<html lang="de"><head><title>t</title></head><body><img src="{src}" alt="x"></body></html>')


def test_fonts_missing_names_the_setup_script(monkeypatch, tmp_path):
    monkeypatch.setattr(fonts, "FONT_DIR", tmp_path)
    with pytest.raises(RuntimeError, match="scripts/setup"):
        fonts.require_fonts()


def test_the_fonts_cover_the_applicants_scripts():
    """No black boxes: every character of the samples is in a font the documents use."""
    from fontTools.ttLib import TTFont

    latin = TTFont(fonts.font_path(fonts.LATIN)).getBestCmap()
    arabic = TTFont(fonts.font_path(fonts.ARABIC_SCRIPT)).getBestCmap()
    form = TTFont(fonts.font_path(fonts.FORM)).getBestCmap()
    sample = f"{CYRILLIC}{TURKISH}{GERMAN}Łódź Ђорђе{ARABIC}{PERSIAN}پژوهشگاه کیان چگونه لا ۱۲۳ ١٢٣ ،؟"
    missing = [c for c in sample if not c.isspace() and ord(c) not in latin and ord(c) not in arabic]
    assert not missing
    assert not [c for c in sample if not c.isspace() and ord(c) not in form]


def test_no_row_is_split_across_pages(babel_app):
    """A label and its answer stay on one page: a row that does not fit moves to the next page."""
    data = receipt_data("de")
    data.fields = [ReceiptField(f"Feld {n}", f"Feld {n}", f"Zeile eins {n}\nZeile zwei {n}\nZeile drei {n}")
                   for n in range(40)]
    with babel_app.app_context():
        pdf = render_receipt(data)
    pages = pdfium_pages(pdf)
    assert len(pages) > 1
    for n in range(40):
        label_pages = {i for i, page in enumerate(pages) if re.search(rf"\bFeld {n}\b", page)}
        value_pages = {i for i, page in enumerate(pages) for line in ("eins", "zwei", "drei")
                       if re.search(rf"\bZeile {line} {n}\b", page)}
        assert len(label_pages) == 1 and value_pages == label_pages, (n, label_pages, value_pages)


def test_value_longer_than_a_page_flows_on(babel_app):
    data = receipt_data("fa")
    data.fields.append(ReceiptField("توضیحات", "Bemerkungen", "متن طولانی فارسی با شماره ۱۲۳ " * 400))
    with babel_app.app_context():
        pdf = render_receipt(data)
    assert len(PdfReader(BytesIO(pdf)).pages) >= 3
    assert_pdfua(pdf)
