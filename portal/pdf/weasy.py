"""HTML and CSS to tagged PDF (PDF/UA-1) with WeasyPrint: the one way our documents are made.

WeasyPrint lays text out with Pango and HarfBuzz (real shaping, the Unicode bidi algorithm
with bracket pairs) and writes the structure tree from the HTML (headings, paragraphs, tables
with header cells, lists, images as figures with their alt text). Three things it does not do
are added here, each small and checked by the tests (tests/support/pdfua.py and the text
extraction tests):

1. Exact text behind every glyph. A font's ToUnicode map gives each glyph one text, and
   WeasyPrint's map takes the first text a glyph was drawn with (Kozea/WeasyPrint#2841): a
   glyph shared by two texts, or a cluster of several glyphs, copies as the wrong letters.
   _draw_first_line (WeasyPrint's own function with the glyph loop changed) maps a glyph
   through ToUnicode only when that is exact, and otherwise wraps its cluster in a marked-
   content span with /ActualText. Extraction tools read a right-to-left run from its last
   glyph, so a right-to-left cluster's text is stored reversed, and a bracket there, drawn as
   its mirror image, as the bracket it looks like: PDFium (Chromium's viewer and its screen-
   reader support) mirrors it back; poppler's pdftotext does not (its known limit). Arabic
   script is set in Vazirmatn, one glyph per letter form (see portal/pdf/fonts.py).
2. /Lang on spans in another language than the document (German labels on an Arabic receipt)
   and /ActualText with the logical text on right-to-left spans, for screen readers.
3. Running headers and footers (page margin boxes) as artifacts: WeasyPrint marks them as
   content of structure elements that are not in the tree.

This module runs in the renderer process (portal.pdf.renderer), never in a threaded server.
"""
from __future__ import annotations

import logging
import threading
import unicodedata
from pathlib import Path
from urllib.parse import unquote

import pydyf
import weasyprint
from weasyprint import CSS, HTML
from weasyprint.draw import text as _draw_text
from weasyprint.formatting_structure import boxes
from weasyprint.text.ffi import FROM_UNITS, TO_UNITS, ffi, pango
from weasyprint.text.fonts import FontConfiguration
from weasyprint.text.line_break import get_last_word_end
from weasyprint.urls import URLFetcher, URLFetcherResponse

from portal.pdf.fonts import FONT_DIR, font_face_css
from portal.pdf.qr import qr_png
from portal.pdf.templates import QR_SCHEME

# _draw_first_line is a copy of WeasyPrint 70's draw_first_line; a new major version of
# WeasyPrint must be looked at before it is used (pyproject pins weasyprint>=70,<71).
if weasyprint.__version__.split(".")[0] != "70":
    raise RuntimeError(f"portal.pdf.weasy was written for WeasyPrint 70, this is {weasyprint.__version__}")

STYLESHEET = Path(__file__).resolve().parent / "pdf.css"
# WeasyPrint logs every step of every document at INFO: not for the portal's logs.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
_RTL_CLASSES = {"R", "AL"}
_MIRRORED = str.maketrans("()[]{}<>«»‹›", ")(][}{><»«›‹")

_lock = threading.RLock()
_engine: tuple[FontConfiguration, CSS] | None = None


class _LocalFetcher(URLFetcher):
    """Fonts from our font directory, data: URLs and QR codes made here (portal.pdf.templates.qr_src);
    nothing else, never the network."""

    def __init__(self):
        super().__init__(allowed_protocols={"file", "data", QR_SCHEME.rstrip(":")}, fail_on_errors=True)

    def fetch(self, url, headers=None):
        if url.startswith(QR_SCHEME):
            return URLFetcherResponse(url, body=qr_png(unquote(url.removeprefix(QR_SCHEME))),
                                      headers={"Content-Type": "image/png"})
        if url.startswith("file:"):
            path = Path(url.split("?", 1)[0].removeprefix("file://")).resolve()
            if path.parent != FONT_DIR:
                raise ValueError(f"PDF templates may load our fonts only, not {url}")
        return super().fetch(url, headers)


def _get_engine() -> tuple[FontConfiguration, CSS]:
    global _engine
    if _engine is None:
        config = FontConfiguration()
        css = CSS(string=font_face_css() + "\n" + STYLESHEET.read_text(encoding="utf-8"), font_config=config,
                  url_fetcher=_LocalFetcher())
        _engine = config, css
    return _engine


def warm_up_engine() -> None:
    """Load the fonts and the stylesheet, and lay out a line in each script, before the first document."""
    render_in_this_process('<html lang="de"><head><title>-</title></head><body><p>Ä Ж ب</p></body></html>', False)


def render_in_this_process(html: str, forms: bool) -> tuple[bytes, dict[str, int], int]:
    """The PDF, the page (0-based) each element with an id starts on, and the page count. Runs in
    the renderer process (portal.pdf.renderer: call render_pdf there)."""
    with _lock:
        config, css = _get_engine()
        document = HTML(string=html, url_fetcher=_LocalFetcher(), base_url=FONT_DIR.as_uri() + "/").render(
            stylesheets=[css], font_config=config, pdf_forms=forms, pdf_variant="pdf/ua-1")
        pdf = document.write_pdf(pdf_variant="pdf/ua-1", pdf_forms=forms, finisher=_finish)
        anchors: dict[str, int] = {}
        for index, page in enumerate(document.pages):
            for name in page.anchors:
                anchors.setdefault(name, index)
        return pdf, anchors, len(document.pages)


# -- after WeasyPrint: languages, right-to-left text and artifacts in the structure ---------------

def is_rtl_text(text: str) -> bool:
    return any(unicodedata.bidirectional(char) in _RTL_CLASSES for char in text)


def _object(pdf: pydyf.PDF, reference) -> pydyf.Object:
    return pdf.objects[int(bytes(reference).split()[0])]


def _marked_text_boxes(box, in_margin: bool = False):
    """(text box, in a page margin box) for every drawn and marked text box under `box`."""
    for child in getattr(box, "children", ()):
        margin = in_margin or isinstance(child, boxes.MarginBox)
        if isinstance(child, boxes.TextBox):
            if getattr(child, "portal_mcid", None) is not None:
                yield child, margin
        else:
            yield from _marked_text_boxes(child, margin)


def _to_artifact(stream: pydyf.Stream, mcid: int) -> None:
    items = stream.stream
    for index, item in enumerate(items):
        if isinstance(item, pydyf.Dictionary) and item.get("MCID") == mcid and items[index + 1] == b"BDC":
            items[index - 1:index + 2] = ["/Artifact", b"BMC"]
            return
    raise RuntimeError(f"marked content {mcid} not found in the page")


def _finish(document, pdf: pydyf.PDF) -> None:
    if "StructTreeRoot" not in pdf.catalog:
        return
    document_lang = (document.metadata.lang or "").lower()
    parent_tree = _object(pdf, _object(pdf, pdf.catalog["StructTreeRoot"])["ParentTree"])
    nums = parent_tree["Nums"]
    for page_index, (page, page_reference) in enumerate(zip(document.pages, pdf.page_references)):
        if nums[2 * page_index] != page_index:
            raise RuntimeError("unexpected parent tree from WeasyPrint")
        elements = nums[2 * page_index + 1]
        stream = _object(pdf, _object(pdf, page_reference)["Contents"])
        for textbox, in_margin in _marked_text_boxes(page._page_box):
            mcid = textbox.portal_mcid
            if in_margin:
                _to_artifact(stream, mcid)
                elements[mcid] = "null"
                continue
            element = _object(pdf, elements[mcid])
            lang = (textbox.style["lang"] or "").lower()
            if lang and lang != document_lang:
                element["Lang"] = pydyf.String(textbox.style["lang"])
            if is_rtl_text(textbox.text):
                element["ActualText"] = pydyf.String(textbox.text)


# -- WeasyPrint's draw_first_line with an exact text map ------------------------------------------
# Copied from weasyprint/draw/text.py (WeasyPrint 70.0, BSD-3-Clause, © Kozea); changed: the glyph
# loop goes cluster by cluster (see point 1 of the module's docstring). Emoji handling is left out:
# our fonts have none.

def _draw_first_line(stream, textbox, text_overflow, block_ellipsis, matrix):
    """Draw the given ``textbox`` line to the document ``stream``."""
    tags = getattr(stream, "_tags", None)
    if tags is not None and textbox in tags:
        textbox.portal_mcid = tags[textbox]["mcid"]

    # Don’t draw lines with only invisible characters.
    if not textbox.text.strip():
        return []

    if textbox.style['font_size'] < 1e-6:  # default float precision used by pydyf
        return []

    pango.pango_layout_set_single_paragraph_mode(textbox.pango_layout.layout, True)

    if text_overflow == 'ellipsis' or block_ellipsis != 'none':
        if textbox.pango_layout.max_width is None:
            raise RuntimeError("text-overflow without a width")
        max_width = textbox.pango_layout.max_width
        pango.pango_layout_set_width(
            textbox.pango_layout.layout, int(max_width * TO_UNITS))
        if text_overflow == 'ellipsis':
            pango.pango_layout_set_ellipsize(
                textbox.pango_layout.layout, pango.PANGO_ELLIPSIZE_END)
        else:
            if block_ellipsis == 'auto':
                ellipsis = '…'
            else:
                ellipsis = block_ellipsis[1]  # ('string', text)

            # Remove last word if hyphenated.
            new_text = textbox.pango_layout.text
            if new_text.endswith(textbox.style['hyphenate_character']):
                last_word_end = get_last_word_end(
                    new_text[:-len(textbox.style['hyphenate_character'])],
                    textbox.style['lang'])
                if last_word_end:
                    new_text = new_text[:last_word_end]

            textbox.pango_layout.set_text(new_text + ellipsis)

    first_line, index = textbox.pango_layout.get_first_line()

    if block_ellipsis != 'none':
        while index:
            last_word_end = get_last_word_end(
                textbox.pango_layout.text[:-len(ellipsis)],
                textbox.style['lang'])
            if last_word_end is None:
                break
            new_text = textbox.pango_layout.text[:last_word_end]
            textbox.pango_layout.set_text(new_text + ellipsis)
            first_line, index = textbox.pango_layout.get_first_line()

    stream.set_text_matrix(*matrix.values)
    previous_pango_font = None
    string = ''
    utf8_text = textbox.pango_layout.text.encode()
    run = first_line.runs[0]
    while run != ffi.NULL:
        # Get Pango objects.
        glyph_item = run.data
        run = run.next
        glyph_string = glyph_item.glyphs
        glyphs_info = glyph_string.glyphs
        num_glyphs = glyph_string.num_glyphs
        clusters = glyph_string.log_clusters
        item_offset = glyph_item.item.offset
        item_length = glyph_item.item.length
        rtl = glyph_item.item.analysis.level % 2

        pango_font = glyph_item.item.analysis.font
        if pango_font != previous_pango_font:
            # Add font file content and get font size.
            previous_pango_font = pango_font
            font, font_size = stream.add_font(pango_font)

            # Workaround for https://gitlab.gnome.org/GNOME/pango/-/issues/530.
            if pango.pango_version() < 14802 or font.png:
                font_size = textbox.style['font_size']

            # Go through the run glyphs.
            if string:
                stream.show_text(string)
            string = ''
            stream.set_font_size(font.hash, 1 if font.bitmap else font_size)
        string += '<'

        # Where each cluster's text ends: at the next cluster's start in the text.
        starts = sorted({clusters[i] for i in range(num_glyphs)})
        ends = dict(zip(starts, [*starts[1:], item_length]))

        def close(string):
            """Show the glyphs collected so far; the next ones start a new array."""
            string = string[:-1] if string[-1] == '<' else string + '>'
            if string:
                stream.show_text(string)
            return '<'

        i = 0
        while i < num_glyphs:
            start = clusters[i]
            end_glyph = i
            while end_glyph < num_glyphs and clusters[end_glyph] == start:
                end_glyph += 1
            text = utf8_text[item_offset + start:item_offset + ends[start]].decode()
            # Extraction tools read a right-to-left run from its last glyph: store it so.
            mapped = text[::-1] if rtl and len(text) > 1 else text
            if rtl:  # a bracket is drawn as its mirror image there: the glyph's own character
                mapped = mapped.translate(_MIRRORED)
            shown = [glyphs_info[k].glyph for k in range(i, end_glyph)
                     if glyphs_info[k].glyph != pango.PANGO_GLYPH_EMPTY]
            exact = (len(shown) == 1 and not shown[0] & pango.PANGO_GLYPH_UNKNOWN_FLAG
                     and font.to_unicode.get(shown[0], mapped) == mapped)
            if not exact and shown:
                string = close(string)
                stream.begin_marked_content('Span', pydyf.Dictionary({'ActualText': pydyf.String(mapped)}))
            for k in range(i, end_glyph):
                string = _draw_glyph(stream, textbox, font, font_size, pango_font, glyphs_info[k], string,
                                     mapped if exact else '')
            if not exact and shown:
                string = close(string)
                stream.end_marked_content()
            i = end_glyph

        # Close the last glyphs list, remove if empty.
        if string[-1] == '<':
            string = string[:-1]
        else:
            string += '>'

    # Draw text.
    if string:
        stream.show_text(string)

    return []


def _draw_glyph(stream, textbox, font, font_size, pango_font, glyph_info, string, text):
    """One glyph of the TJ array (WeasyPrint's per-glyph code); `text` is its ToUnicode entry
    when it has none yet."""
    from weasyprint.logger import LOGGER

    glyph_id = glyph_info.glyph
    width = glyph_info.geometry.width

    # Display zero-width empty glyph.
    if glyph_id == pango.PANGO_GLYPH_EMPTY:
        return string + f'>{-width / font_size}<'

    # Display .notdef and log warning for missing glyphs.
    if glyph_id & pango.PANGO_GLYPH_UNKNOWN_FLAG:
        codepoint = glyph_id - pango.PANGO_GLYPH_UNKNOWN_FLAG
        LOGGER.warning(
            '.notdef glyph rendered for Unicode string unsupported by fonts: '
            '"%s" (U+%04X)', chr(codepoint), codepoint)
        glyph_id = font.get_unused_glyph_id(codepoint)
        font.widths[glyph_id] = round(width * 1000 * FROM_UNITS / font_size)
        if 0 not in font.widths:
            font.widths[0] = font.widths[glyph_id]

    font.to_unicode.setdefault(glyph_id, text)

    # Set horizontal and vertical offsets.
    offset = glyph_info.geometry.x_offset / font_size
    rise = glyph_info.geometry.y_offset / 1000
    if rise:
        if string[-1] == '<':
            string = string[:-1]
        else:
            string += '>'
        if string:
            stream.show_text(string)
        stream.set_text_rise(-rise)
        string = ''
        if offset:
            string = f'{-offset}'
        string += f'<{glyph_id:02x}>' if font.bitmap else f'<{glyph_id:04x}>'
        stream.show_text(string)
        stream.set_text_rise(0)
        string = '<'
    else:
        if offset:
            string += f'>{-offset}<'
        string += f'{glyph_id:02x}' if font.bitmap else f'{glyph_id:04x}'

    # Get glyph logical widths.
    if glyph_id in font.widths:
        logical_width = font.widths[glyph_id]
    else:
        pango.pango_font_get_glyph_extents(
            pango_font, glyph_id, stream.ink_rect, stream.logical_rect)
        logical_width = font.widths[glyph_id] = round(
            stream.logical_rect.width * 1000 * FROM_UNITS / font_size)

    # Set kerning, word spacing, letter spacing.
    kerning = logical_width + offset - width * 1000 * FROM_UNITS / font_size
    if kerning:
        string += f'>{int(kerning)}<'
    return string


_draw_text.draw_first_line = _draw_first_line
