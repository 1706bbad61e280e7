"""The application receipt PDF and the text preparation behind it (portal.pdf)."""
from __future__ import annotations

import re
from io import BytesIO

import pytest
from flask_babel import force_locale
from flask_babel import gettext as _
from fontTools.ttLib import TTFont
from pypdf import PdfReader
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.lib.units import mm

from portal.pdf import fonts, text
from portal.pdf.receipt import ReceiptField, qr_code, render_receipt
from tests.support.receipts import ARABIC, CYRILLIC, LANGUAGES, REFERENCE, STATUS_CODE, TURKISH, receipt_data

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


def extracted_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)


def page_fonts(pdf: bytes) -> list:
    found = []
    for page in PdfReader(BytesIO(pdf)).pages:
        for ref in page["/Resources"]["/Font"].values():
            found.append(ref.get_object())
    return found


@pytest.mark.parametrize("language", LANGUAGES)
def test_receipt_parses_and_shows_what_the_applicant_needs(render, language):
    content = extracted_text(render(language))
    assert REFERENCE in content
    assert STATUS_CODE in content
    assert f"https://portal.example.org/{language}/status" in content
    assert CYRILLIC in content
    assert TURKISH in content
    assert "<script>alert(1)</script> &amp; more" not in content  # escaped once, printed as typed
    assert "<script>alert(1)</script> & more" in content


@pytest.mark.parametrize("language", LANGUAGES)
def test_receipt_embeds_only_noto_fonts(render, language):
    names = set()
    for font in page_fonts(render(language)):
        descriptor = font["/FontDescriptor"]
        assert "/FontFile2" in descriptor, f"{font['/BaseFont']} is not embedded"
        names.add(str(font["/BaseFont"]))
    assert all("NotoSans" in name for name in names), names
    # Every sample holds an Arabic name, so the Arabic font is in every receipt.
    assert any("NotoSansArabic" in name for name in names)
    assert any(re.search(r"NotoSans-(Regular|Bold)", name) for name in names)


def test_arabic_receipt_is_shaped(render):
    content = extracted_text(render("ar"))
    presentation_forms = [c for c in content if 0xFB50 <= ord(c) <= 0xFEFF]
    assert len(presentation_forms) > 10
    # No unjoined Arabic letter is left (they would print as isolated letters).
    assert not [c for c in content if 0x0621 <= ord(c) <= 0x064A]


@pytest.mark.parametrize("language", ["de", "ar"])
def test_qr_code_is_drawn(render, language):
    reader = PdfReader(BytesIO(render(language)))
    rectangles = sum(len(re.findall(rb" re\b", page.get_contents().get_data())) for page in reader.pages)
    assert rectangles > 100  # the QR modules; the rest of the page draws only a few


@pytest.mark.parametrize("language", ["de", "ar"])
def test_the_printed_qr_code_reads_back_as_the_status_url(render, language):
    import pypdfium2
    import zxingcpp

    found, document = [], pypdfium2.PdfDocument(render(language))
    for page in document:  # the Arabic receipt runs to two pages
        image = page.render(scale=2).to_pil()  # 144 dpi: a phone camera sees less
        page.close()
        found += [(code.format, code.text) for code in zxingcpp.read_barcodes(image)]
    document.close()
    assert found == [(zxingcpp.BarcodeFormat.QRCode, f"https://portal.example.org/{language}/status")]


def test_qr_code_holds_the_status_url():
    url = "https://portal.example.org/de/status"
    code = qr_code(url)
    assert code.value == url
    # The same modules as reportlab's own QR widget makes of the URL.
    widget = QrCodeWidget(url, barLevel="M")
    widget.qr.make()
    assert code.modules == [[bool(dark) for dark in row] for row in widget.qr.modules]
    assert code.wrap(500, 500) == (32 * mm, 32 * mm)


@pytest.mark.parametrize("language", ["de", "ar"])
def test_metadata_and_page_numbers(render, language):
    pdf = render(language)
    reader = PdfReader(BytesIO(pdf))
    assert REFERENCE in reader.metadata.title
    assert reader.metadata.author == "Ausländerbehörde Lahn-Dill"
    assert reader.trailer["/Root"]["/Lang"] == language
    pages = len(reader.pages)
    assert f"1 / {pages}" in extracted_text(pdf)


def test_german_line_only_when_the_applicant_reads_another_language(babel_app, render):
    with babel_app.app_context():
        with force_locale("de"):
            title_de = _("Receipt of your application")
        with force_locale("en"):
            title_en = _("Receipt of your application")
    assert extracted_text(render("de")).count(title_de) == 1
    english = extracted_text(render("en"))
    if title_de == title_en:  # no German translation yet: the English id twice
        assert english.count(title_en) == 2
    else:
        assert english.count(title_en) == english.count(title_de) == 1


def test_fonts_missing_names_the_setup_script(monkeypatch, tmp_path):
    monkeypatch.setattr(fonts, "FONT_DIR", tmp_path)
    monkeypatch.setattr(fonts, "_registered", False)
    with pytest.raises(RuntimeError, match="scripts/setup"):
        fonts.register_fonts()


# -- portal.pdf.text ----------------------------------------------------------------

def plain(markup: str) -> list[str]:
    """The visual lines of a markup string, tags removed."""
    from xml.sax.saxutils import unescape
    return [unescape(re.sub(r"<[^>]+>", "", line)) for line in markup.split("<br/>")]


def test_markup_escapes_xml():
    result = text.markup("<script>&")
    assert "&lt;script&gt;&amp;" in result
    assert "<script>" not in result


def test_runs_are_split_by_script():
    assert text.font_runs("Name محمد 12") == [(False, "Name "), (True, "محمد "), (False, "12")]
    result = text.markup("Name محمد")
    assert '<font face="NotoSans">Name </font>' in result
    assert '<font face="NotoSansArabic">' in result
    assert '<font face="NotoSansArabic-Bold">' in text.markup("محمد", bold=True)
    assert text.markup(CYRILLIC) == f'<font face="NotoSans">{CYRILLIC}</font>'


@pytest.mark.parametrize("value, rtl", [
    ("محمد الحسن", True), ("محمد Smith", True), ("فارسی", True),
    (CYRILLIC, False), (TURKISH, False), ("Smith محمد", False), ("123", False), ("", False),
])
def test_rtl_detection(value, rtl):
    assert text.is_rtl(value) is rtl


def test_arabic_is_shaped_into_presentation_forms():
    shaped = text.shape(ARABIC)
    assert all(0xFB50 <= ord(c) <= 0xFEFF for c in shaped if not c.isspace())
    assert text.shape(CYRILLIC) == CYRILLIC


def test_mixed_arabic_and_digits_in_visual_order():
    number = text.shape("رقم")
    # Right-to-left line: the digits stay left-to-right and go to the left of the word.
    assert text.visual("رقم 123", rtl=True) == "123 " + number[::-1]
    # Digits after Arabic letters are Arabic numbers (UBA rule W2): a run of their own,
    # so a following Latin word goes further left.
    assert text.visual("رقم 123 ABC", rtl=True) == "ABC 123 " + number[::-1]
    # Left-to-right line with an Arabic name inside: the name is reversed in place.
    name = text.shape(ARABIC)
    assert text.visual(f"Name: {ARABIC} (born 1990)", rtl=False) == f"Name: {name[::-1]} (born 1990)"
    # ... and digits right after it belong to it (as a browser shows them).
    assert text.visual(f"Name: {ARABIC}, 1990", rtl=False) == f"Name: 1990 ,{name[::-1]}"


def test_wrapped_rtl_text_starts_with_its_first_words():
    words = "واحد اثنان ثلاثة أربعة خمسة ستة سبعة ثمانية تسعة عشرة".split()
    lines = plain(text.markup(" ".join(words), rtl=True, width=90, font_size=10))
    assert len(lines) > 2
    first = text.shape(words[0])[::-1]
    last = text.shape(words[-1])[::-1]
    assert lines[0].endswith(first)  # the right end of the top line
    assert lines[-1].startswith(last) or lines[-1] == last


def test_newlines_become_line_breaks():
    assert plain(text.markup("Bahnhofstraße 12\n35576 Wetzlar")) == ["Bahnhofstraße 12", "35576 Wetzlar"]


def test_the_fonts_cover_the_applicants_scripts():
    """No black boxes: every glyph a shaped sample needs is in the font it is printed with."""
    fonts.register_fonts()
    latin = TTFont(fonts.font_path(fonts.LATIN)).getBestCmap()
    arabic = TTFont(fonts.font_path(fonts.ARABIC)).getBestCmap()
    sample = f"{CYRILLIC} {TURKISH} Ärger Łódź Ђорђе {ARABIC} پژوهشگاه کیان چگونه لا ۱۲۳ ١٢٣ ،؟"
    for is_arabic, chunk in text.font_runs(text.visual(sample, rtl=False)):
        cmap = arabic if is_arabic else latin
        missing = [c for c in chunk if ord(c) not in cmap]
        assert not missing, (is_arabic, missing)


def test_paragraph_splits_into_logical_parts():
    from portal.pdf.receipt import _styles
    style = text.aligned(_styles()["base"], True)
    words = ("این متن فارسی باید در چند خط شکسته شود " * 12).split()
    paragraph = text.BidiParagraph(" ".join(words), style, rtl=True)
    _, height = paragraph.wrap(200, 10_000)
    first, rest = paragraph.split(200, height / 2)
    assert first.wrap(200, 10_000)[1] <= height / 2
    assert (first.text + " " + rest.text).split() == words  # nothing lost, still logical order
    assert paragraph.split(200, 5) == []
    assert paragraph.split(200, height) == [paragraph]


def test_value_longer_than_a_page_flows_on(babel_app):
    data = receipt_data("fa")
    data.fields.append(ReceiptField("توضیحات", "Bemerkungen", "متن طولانی فارسی با شماره ۱۲۳ " * 400))
    with babel_app.app_context():
        pdf = render_receipt(data)
    assert len(PdfReader(BytesIO(pdf)).pages) >= 3
