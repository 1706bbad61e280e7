"""The fonts embedded in our PDFs.

The standard PDF fonts (Helvetica & co.) cover Latin-1 only: Cyrillic or Arabic names would
print as black boxes. So every PDF embeds Noto Sans (Latin, Cyrillic, Greek) and Noto Sans
Arabic, converted from the npm packages to TrueType by scripts/vendor_assets.py.
"""
from __future__ import annotations

import threading
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_DIR = Path(__file__).resolve().parent / "fonts"

LATIN = "NotoSans"
LATIN_BOLD = "NotoSans-Bold"
ARABIC = "NotoSansArabic"
ARABIC_BOLD = "NotoSansArabic-Bold"

FONT_FILES = {
    LATIN: "NotoSans-Regular.ttf",
    LATIN_BOLD: "NotoSans-Bold.ttf",
    ARABIC: "NotoSansArabic-Regular.ttf",
    ARABIC_BOLD: "NotoSansArabic-Bold.ttf",
}

_lock = threading.Lock()
_registered = False


def font_path(name: str) -> Path:
    return FONT_DIR / FONT_FILES[name]


def register_fonts() -> None:
    """Register both families with reportlab; cheap to call again (reportlab's registry is global)."""
    global _registered
    if _registered:
        return
    with _lock:
        if _registered:
            return
        missing = [file for file in FONT_FILES.values() if not (FONT_DIR / file).is_file()]
        if missing:
            raise RuntimeError(
                f"PDF fonts missing in {FONT_DIR}: {', '.join(missing)}. "
                "Run scripts/setup (or .venv/bin/python scripts/vendor_assets.py) to create them."
            )
        for name, file in FONT_FILES.items():
            pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / file)))
        # No italics are shipped: italic maps to upright so that <i> cannot fail.
        for regular, bold in ((LATIN, LATIN_BOLD), (ARABIC, ARABIC_BOLD)):
            pdfmetrics.registerFontFamily(regular, normal=regular, bold=bold, italic=regular, boldItalic=bold)
        _registered = True
