"""The fonts embedded in our PDFs.

The standard PDF fonts (Helvetica & co.) cover Latin-1 only: Cyrillic or Arabic names would
print as black boxes. Every PDF embeds Noto Sans (Latin, Cyrillic, Greek) and Vazirmatn (Arabic
and Persian), converted from the npm packages to TrueType by scripts/vendor_assets.py. Not the
web pages' Noto Sans Arabic: it draws dotted letters from shared parts, which a PDF cannot map
back to the letters (copied or read-aloud text would hold other letters). Form fields use one
font holding both (FORM, merged there too): a PDF program draws what an applicant types in the
single font the field names.

WeasyPrint finds the fonts through @font-face rules with file URLs (font_face_css), so nothing
depends on the fonts installed on the machine; reportlab registers the same files for the
page numbers stamped on the case-file export.
"""
from __future__ import annotations

import threading
from pathlib import Path

FONT_DIR = Path(__file__).resolve().parent / "fonts"

LATIN = "NotoSans"
LATIN_BOLD = "NotoSans-Bold"
ARABIC_SCRIPT = "Vazirmatn"
ARABIC_SCRIPT_BOLD = "Vazirmatn-Bold"
FORM = "PortalFormSans"

FONT_FILES = {
    LATIN: "NotoSans-Regular.ttf",
    LATIN_BOLD: "NotoSans-Bold.ttf",
    ARABIC_SCRIPT: "Vazirmatn-Regular.ttf",
    ARABIC_SCRIPT_BOLD: "Vazirmatn-Bold.ttf",
    FORM: "PortalFormSans-Regular.ttf",
}
# CSS family names (portal/pdf/pdf.css uses them): family, weight, font.
CSS_FACES = (
    ("Noto Sans", 400, LATIN), ("Noto Sans", 700, LATIN_BOLD),
    ("Vazirmatn", 400, ARABIC_SCRIPT), ("Vazirmatn", 700, ARABIC_SCRIPT_BOLD),
    ("Portal Form Sans", 400, FORM),
)

_lock = threading.Lock()
_registered = False


def font_path(name: str) -> Path:
    return FONT_DIR / FONT_FILES[name]


def require_fonts() -> None:
    """Fail with the way out when scripts/setup has not made the fonts."""
    missing = [file for file in FONT_FILES.values() if not (FONT_DIR / file).is_file()]
    if missing:
        raise RuntimeError(
            f"PDF fonts missing in {FONT_DIR}: {', '.join(missing)}. "
            "Run scripts/setup (or .venv/bin/python scripts/vendor_assets.py) to create them."
        )


def font_face_css() -> str:
    """@font-face rules for WeasyPrint: our files by absolute file URL, no system fonts."""
    require_fonts()
    return "\n".join(
        f'@font-face {{ font-family: "{family}"; font-weight: {weight}; font-style: normal; '
        f'src: url("{font_path(name).as_uri()}"); }}'
        for family, weight, name in CSS_FACES)


def register_fonts() -> None:
    """Register Noto Sans with reportlab (the export's page stamps); cheap to call again."""
    global _registered
    if _registered:
        return
    with _lock:
        if _registered:
            return
        require_fonts()
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.ttfonts import TTFont

        for name in (LATIN, LATIN_BOLD):
            pdfmetrics.registerFont(TTFont(name, str(font_path(name))))
        _registered = True
