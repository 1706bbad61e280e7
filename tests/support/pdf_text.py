"""Reading our PDFs back as people and programs do: the text poppler's pdftotext and PDFium
(Chromium's PDF engine) extract, and the structure tree as a screen reader walks it."""
from __future__ import annotations

import io
import re
import shutil
import subprocess
from dataclasses import dataclass

import pikepdf

# Direction marks pdftotext puts around runs (its own additions, not in the document).
_BIDI_CONTROLS = dict.fromkeys(map(ord, "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))
PRESENTATION_FORMS = re.compile("[\ufb50-\ufdff\ufe70-\ufeff]")


def normalised(text: str) -> str:
    return re.sub(r"[ \t\u00a0]+", " ", text.translate(_BIDI_CONTROLS)).replace("\r\n", "\n")


def pdftotext(pdf: bytes, *, layout: bool = False) -> str:
    """poppler's pdftotext (Debian package poppler-utils; .ci/run installs it)."""
    if shutil.which("pdftotext") is None:
        raise RuntimeError("pdftotext is missing: apt-get install poppler-utils (see .ci/run)")
    args = ["pdftotext", "-enc", "UTF-8", *(["-layout"] if layout else []), "-", "-"]
    result = subprocess.run(args, input=pdf, capture_output=True, check=True, timeout=60)
    return normalised(result.stdout.decode("utf-8"))


def pdfium_text(pdf: bytes) -> str:
    """The text PDFium extracts, page after page (what Chromium copies and reads aloud)."""
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    try:
        pages = []
        for page in document:
            textpage = page.get_textpage()
            pages.append(textpage.get_text_range())
            textpage.close()
            page.close()
        return normalised("\n".join(pages))
    finally:
        document.close()


def pdfium_pages(pdf: bytes) -> list[str]:
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    try:
        return [normalised(page.get_textpage().get_text_range()) for page in document]
    finally:
        document.close()


def lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


# -- the structure tree, as a screen reader reads it ----------------------------------------------

@dataclass
class Node:
    kind: str  # the structure type: H1, P, TH, Span, Figure ...
    lang: str  # the language in effect (own /Lang or inherited)
    text: str  # ActualText, Alt, or the text of its marked content


def _unicode_map(font) -> dict[int, str]:
    mapping: dict[int, str] = {}
    if "/ToUnicode" not in font:
        return mapping
    cmap = font.ToUnicode.read_bytes().decode("latin-1")
    for code, target in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]*)>", cmap):
        mapping[int(code, 16)] = bytes.fromhex(target).decode("utf-16-be") if target else ""
    return mapping


def _marked_texts(pdf: pikepdf.Pdf) -> dict[tuple, str]:
    """(page objgen, MCID) -> the text shown inside, ActualText taking the place of its glyphs."""
    texts: dict[tuple, str] = {}
    maps: dict = {}
    for page in pdf.pages:
        fonts = page.obj.get("/Resources", {}).get("/Font", {})
        stack: list = []  # (mcid or None, actual text or None, collected)
        font = None
        for instruction in pikepdf.parse_content_stream(page.obj):
            if isinstance(instruction, pikepdf.ContentStreamInlineImage):
                continue
            operator, operands = str(instruction.operator), instruction.operands
            if operator in ("BDC", "BMC"):
                properties = operands[1] if operator == "BDC" and len(operands) > 1 else None
                mcid = int(properties.MCID) if isinstance(properties, pikepdf.Dictionary) and "/MCID" in properties \
                    else None
                actual = str(properties.ActualText) if isinstance(properties, pikepdf.Dictionary) \
                    and "/ActualText" in properties else None
                stack.append([mcid, actual, []])
            elif operator == "EMC" and stack:
                mcid, actual, collected = stack.pop()
                text = actual if actual is not None else "".join(collected)
                if stack:
                    stack[-1][2].append(text)
                if mcid is not None:
                    texts[(page.obj.objgen, mcid)] = text
            elif operator == "Tf":
                font = fonts.get(operands[0])
                if font is not None and font.objgen not in maps:
                    maps[font.objgen] = _unicode_map(font)
            elif operator in ("Tj", "TJ") and font is not None and stack:
                strings = [bytes(item) for item in operands[0] if isinstance(item, pikepdf.String)] \
                    if operator == "TJ" else [bytes(operands[0])]
                mapping = maps[font.objgen]
                for data in strings:
                    stack[-1][2].append("".join(mapping.get(data[i] << 8 | data[i + 1], "")
                                                for i in range(0, len(data) - 1, 2)))
    return texts


def drawn_text(pdf_bytes: bytes) -> str:
    """Every glyph's own character (its ToUnicode entry, no ActualText) in the order drawn, which
    for our documents is left to right along each line: what the page shows, not what it means."""
    pdf = pikepdf.open(io.BytesIO(pdf_bytes))
    out = []
    for page in pdf.pages:
        fonts = page.obj.get("/Resources", {}).get("/Font", {})
        mapping: dict = {}
        for instruction in pikepdf.parse_content_stream(page.obj):
            if isinstance(instruction, pikepdf.ContentStreamInlineImage):
                continue
            operator, operands = str(instruction.operator), instruction.operands
            if operator == "Tf":
                font = fonts.get(operands[0])
                mapping = _unicode_map(font) if font is not None else {}
            elif operator in ("Tj", "TJ"):
                strings = [bytes(item) for item in operands[0] if isinstance(item, pikepdf.String)] \
                    if operator == "TJ" else [bytes(operands[0])]
                for data in strings:
                    out.append("".join(mapping.get(data[i] << 8 | data[i + 1], "") for i in range(0, len(data) - 1, 2)))
            elif operator == "ET":
                out.append("\n")
    return "".join(out)


def structure(pdf_bytes: bytes) -> list[Node]:
    """The structure elements in reading order (depth first), each with its language and the
    text a screen reader gets for it: its ActualText or Alt, else what its own marked content shows.
    Text of a right-to-left span is read from its ActualText (logical order)."""
    pdf = pikepdf.open(io.BytesIO(pdf_bytes))
    texts = _marked_texts(pdf)
    out: list[Node] = []

    def walk(element, lang: str) -> None:
        lang = str(element.Lang) if "/Lang" in element else lang
        kind = str(element.get("/S", ""))[1:]
        override = element.get("/ActualText") if "/ActualText" in element else element.get("/Alt")
        own = []
        kids = element.get("/K")
        kids = list(kids) if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else []
        page = element.get("/Pg")
        children = []
        for kid in kids:
            if isinstance(kid, int) and page is not None:
                own.append(texts.get((page.objgen, int(kid)), ""))
            elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == pikepdf.Name.MCR:
                own.append(texts.get((kid.get("/Pg", page).objgen, int(kid.MCID)), ""))
            elif isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                children.append(kid)
        out.append(Node(kind, lang, str(override) if override is not None else "".join(own)))
        if override is None:
            for child in children:
                walk(child, lang)

    root = pdf.Root.StructTreeRoot
    kids = root.K if isinstance(root.K, pikepdf.Array) else [root.K]
    for kid in kids:
        walk(kid, str(pdf.Root.get("/Lang", "")))
    return out


def spoken(pdf_bytes: bytes) -> list[tuple[str, str]]:
    """(language, text) of every element that carries text, in reading order: what is read aloud."""
    return [(node.lang, node.text) for node in structure(pdf_bytes) if node.text.strip()]
