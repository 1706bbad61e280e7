"""Plain Unicode text -> reportlab Paragraph markup that prints right in every script.

reportlab draws glyphs one after another, left to right, exactly as given: it neither joins
Arabic letters nor reorders right-to-left text, and a font covers only some scripts. So:

1. Arabic letters are replaced by their joined presentation forms (arabic_reshaper).
2. The line is put in visual (left-to-right drawing) order with the Unicode bidi algorithm,
   applied to the whole line with the paragraph's base direction, so that digits and Latin
   names inside Arabic text land where a reader expects them.
3. The visual string is cut into runs by script: Arabic runs use Noto Sans Arabic, the rest
   Noto Sans (the Arabic font has no Latin letters or digits).

Wrapped right-to-left text must be broken into lines *before* step 2, otherwise the first
printed line would hold the end of the sentence; BidiParagraph does that at layout time.
"""
from __future__ import annotations

import functools
from xml.sax.saxutils import escape

import arabic_reshaper
from bidi import get_base_level, get_display
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, Paragraph

from portal.pdf.fonts import ARABIC, ARABIC_BOLD, LATIN, LATIN_BOLD, register_fonts

# Arabic, Arabic Supplement, Extended-B/A, Presentation Forms-A and -B.
_ARABIC_RANGES = ((0x0600, 0x06FF), (0x0750, 0x077F), (0x0870, 0x08FF), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF))
# Joiners and bidi controls have done their work once the text is shaped and ordered;
# left in, they (and stray control characters) would print as boxes.
_INVISIBLE = dict.fromkeys([*map(ord, "\u200c\u200d\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e"
                                      "\u2066\u2067\u2068\u2069"),
                            *range(0x00, 0x09), *range(0x0B, 0x20), 0x7F])
# Lines are broken a little short of the available width, so that reportlab, measuring
# the same line in its own way, never breaks one of our lines once more.
_SLACK = 2.0


def is_arabic(char: str) -> bool:
    code = ord(char)
    return any(low <= code <= high for low, high in _ARABIC_RANGES)


def has_arabic(text: str) -> bool:
    return any(is_arabic(char) for char in text)


def is_rtl(text: str) -> bool:
    """Base direction of the text by its first strong character (Unicode bidi rules P2/P3);
    text without any letter counts as left-to-right."""
    return bool(text) and get_base_level(text) == 1


def shape(text: str) -> str:
    """Arabic letters joined into their presentation forms; still in logical order.
    The reshaper's defaults use only the common ligatures (lam-alef), which the font has;
    vowel marks are dropped, as they cannot be positioned without a shaping engine."""
    return arabic_reshaper.reshape(text) if has_arabic(text) else text


def _order(shaped: str, rtl: bool) -> str:
    return get_display(shaped, base_dir="R" if rtl else "L").translate(_INVISIBLE)


def visual(text: str, rtl: bool) -> str:
    """One line, shaped and in drawing order (base direction right-to-left if rtl)."""
    return _order(shape(text), rtl)


def font_runs(text: str) -> list[tuple[bool, str]]:
    """Split into (is_arabic, chunk) runs; white space stays in the run it is in."""
    runs: list[tuple[bool, str]] = []
    for char in text:
        arabic = runs[-1][0] if runs and char.isspace() else is_arabic(char)
        if runs and runs[-1][0] == arabic:
            runs[-1] = (arabic, runs[-1][1] + char)
        else:
            runs.append((arabic, char))
    return runs


def _font(arabic: bool, bold: bool) -> str:
    if arabic:
        return ARABIC_BOLD if bold else ARABIC
    return LATIN_BOLD if bold else LATIN


def _runs_markup(text: str, bold: bool) -> str:
    return "".join(f'<font face="{_font(arabic, bold)}">{escape(chunk)}</font>'
                   for arabic, chunk in font_runs(text))


def text_width(text: str, font_size: float, bold: bool = False) -> float:
    register_fonts()
    return sum(stringWidth(chunk, _font(arabic, bold), font_size) for arabic, chunk in font_runs(text))


@functools.lru_cache(maxsize=8192)
def _word_width(word: str, font_size: float, bold: bool) -> float:
    # Joining never crosses a space, so a word can be shaped and measured on its own.
    return text_width(shape(word), font_size, bold)


def break_lines(line: str, width: float, font_size: float, bold: bool = False) -> list[str]:
    """Greedy line breaking of one line of logical (unshaped) text, measured as it will be
    printed. Words longer than the width are left whole; reportlab splits them."""
    space = text_width(" ", font_size, bold)  # the same in both fonts
    lines: list[str] = []
    current: list[str] = []
    used = 0.0
    for word in line.split():
        needed = _word_width(word, font_size, bold)
        if current and used + space + needed > width:
            lines.append(" ".join(current))
            current, used = [], 0.0
        used += (space if current else 0) + needed
        current.append(word)
    return [*lines, " ".join(current)]


def logical_lines(text: str, width: float, font_size: float, bold: bool = False) -> list[tuple[str, bool]]:
    """The printed lines in logical order, each with whether a newline of the text ends it."""
    out = []
    for line in text.splitlines() or [""]:
        pieces = break_lines(line, width - _SLACK, font_size, bold)
        out += [(piece, i == len(pieces) - 1) for i, piece in enumerate(pieces)]
    return out


def _join(lines: list[tuple[str, bool]]) -> str:
    """Logical text of some printed lines (the inverse of logical_lines)."""
    return "".join(line + ("\n" if hard else " ") for line, hard in lines)[:-1]


def markup(text: str, rtl: bool | None = None, bold: bool = False,
           width: float | None = None, font_size: float = 10) -> str:
    """Paragraph markup for plain text. rtl=None takes the base direction from the text.
    With a width, lines are broken here (in logical order) and joined with <br/>;
    newlines in the text are kept as line breaks."""
    register_fonts()
    if rtl is None:
        rtl = is_rtl(text)
    if width is None:
        lines = text.splitlines() or [""]
    else:
        lines = [line for line, _ in logical_lines(text, width, font_size, bold)]
    return "<br/>".join(_runs_markup(visual(line, rtl), bold) for line in lines)


def aligned(style: ParagraphStyle, rtl: bool) -> ParagraphStyle:
    """The style, right-aligned for right-to-left text."""
    if not rtl:
        return style
    return ParagraphStyle(f"{style.name}-rtl", parent=style, alignment=TA_RIGHT)


class BidiParagraph(Flowable):
    """A Paragraph of plain text whose lines are broken at the width it gets, before
    reordering, so that wrapped right-to-left text reads from the top line down.
    It keeps the logical text, and so do the parts it splits into at a page end."""

    def __init__(self, text: str, style: ParagraphStyle, rtl: bool | None = None):
        super().__init__()
        self.text = text
        self.style = style
        self.rtl = is_rtl(text) if rtl is None else rtl
        self._para: Paragraph | None = None
        self._wrapped_width: float | None = None

    def _bold(self) -> bool:
        return self.style.fontName in (LATIN_BOLD, ARABIC_BOLD)

    def _text_width(self, avail_width: float) -> float:
        return avail_width - self.style.leftIndent - self.style.rightIndent

    def wrap(self, avail_width, avail_height):
        if self._para is not None and avail_width == self._wrapped_width:
            return self.width, self.height  # tables wrap their cells many times
        style = self.style
        text = markup(self.text, self.rtl, self._bold(), self._text_width(avail_width), style.fontSize)
        self._para = Paragraph(text, style)
        self._wrapped_width = avail_width
        self.width, self.height = self._para.wrap(avail_width, avail_height)
        return self.width, self.height

    def split(self, avail_width, avail_height):
        # reportlab's tables split a cell at its full width but wrap it without the padding:
        # the narrower width gives more lines, so the first part cannot overflow.
        if self._wrapped_width is not None:
            avail_width = min(avail_width, self._wrapped_width)
        style = self.style
        lines = logical_lines(self.text, self._text_width(avail_width), style.fontSize, self._bold())
        fit = int((avail_height + 1e-6) // style.leading)
        if fit <= 0:
            return []
        if fit >= len(lines):
            return [self]
        return [BidiParagraph(_join(lines[:fit]), style, self.rtl),
                BidiParagraph(_join(lines[fit:]), style, self.rtl)]

    def draw(self):
        self._para.drawOn(self.canv, 0, 0)

    def getSpaceBefore(self):
        return self.style.spaceBefore

    def getSpaceAfter(self):
        return self.style.spaceAfter
