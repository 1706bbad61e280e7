"""Copy the front-end assets installed by npm into portal/static/vendor/, and convert the
fonts that the PDFs embed into portal/pdf/fonts/.

Only what the pages load is copied; nothing is fetched at run time and nothing comes from a CDN.
"""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from portal.config import LANGUAGES  # noqa: E402
MODULES = ROOT / "node_modules"
VENDOR = ROOT / "portal" / "static" / "vendor"
PDF_FONTS = ROOT / "portal" / "pdf" / "fonts"

KERN = MODULES / "@kern-ux" / "native" / "dist"
ARABIC = MODULES / "@fontsource" / "noto-sans-arabic"
# The anti-bot widget (ALTCHA 2.x, protocol v1: see portal/appointments/pow.py). Its "external"
# build keeps the stylesheet and the Web Worker in files of their own instead of injecting
# inline styles and a blob: worker, so it runs under our Content-Security-Policy.
ALTCHA = MODULES / "altcha"

# The PDFs embed TrueType (WeasyPrint and reportlab), npm ships WOFF2: source -> TTF name in PDF_FONTS.
# Arabic script in PDFs is Vazirmatn, not the web pages' Noto Sans Arabic: Noto draws a dotted
# letter as a dotless body plus a dots glyph shared with other letters, and no PDF text layer
# can map such shared glyphs back to the letters (copied text and PDF readers would get other
# letters); Vazirmatn has one glyph per letter form (docs/architecture.md).
VAZIRMATN = MODULES / "@fontsource" / "vazirmatn"
PDF_FONT_SOURCES = {
    KERN / "fonts" / "noto-sans" / "NotoSans-Regular.woff2": "NotoSans-Regular.ttf",
    KERN / "fonts" / "noto-sans" / "NotoSans-Bold.woff2": "NotoSans-Bold.ttf",
    VAZIRMATN / "files" / "vazirmatn-arabic-400-normal.woff2": "Vazirmatn-Regular.ttf",
    VAZIRMATN / "files" / "vazirmatn-arabic-700-normal.woff2": "Vazirmatn-Bold.ttf",
}


def main() -> int:
    if not KERN.is_dir() or not ARABIC.is_dir() or not ALTCHA.is_dir() or not VAZIRMATN.is_dir():
        print("front-end packages missing: run `npm ci` first", file=sys.stderr)
        return 1
    if VENDOR.exists():
        shutil.rmtree(VENDOR)
    (VENDOR / "kern").mkdir(parents=True)
    shutil.copy2(KERN / "kern.min.css", VENDOR / "kern" / "kern.min.css")
    fonts = VENDOR / "fonts"
    shutil.copytree(KERN / "fonts" / "fira-sans", fonts / "fira-sans")
    shutil.copy2(KERN / "fonts" / "fira-sans.css", fonts / "fira-sans.css")
    # Noto Sans Arabic (ar, fa): regular and bold, Arabic subset; fontsource's CSS points at ./files/.
    (fonts / "files").mkdir()
    css = []
    for weight in ("400", "700"):
        css.append((ARABIC / f"{weight}.css").read_text(encoding="utf-8"))
    for font in (ARABIC / "files").glob("noto-sans-arabic-*-normal.woff*"):
        if "-400-" in font.name or "-700-" in font.name:
            shutil.copy2(font, fonts / "files" / font.name)
    (fonts / "noto-sans-arabic.css").write_text("\n".join(css), encoding="utf-8")
    copy_altcha(VENDOR / "altcha")
    print(f"front-end assets copied to {VENDOR.relative_to(ROOT)}")
    convert_pdf_fonts()
    print(f"PDF fonts converted to {PDF_FONTS.relative_to(ROOT)}")
    from portal.assets import DIST, build

    built = build()
    print(f"{len(built)} static files named by their digest and compressed in {DIST.relative_to(ROOT)}")
    return 0


def copy_altcha(target: Path) -> None:
    """The widget (an ES module), its stylesheet and worker side by side (the module finds
    ./worker.js beside itself), and its labels in each portal language it has (ES modules
    that register themselves; English always, the fallback)."""
    (target / "i18n").mkdir(parents=True)
    for name in ("altcha.js", "altcha.css", "worker.js"):
        shutil.copy2(ALTCHA / "dist_external" / name, target / name)
    for lang in sorted({*LANGUAGES, "en"}):
        source = ALTCHA / "dist_i18n" / f"{lang}.js"
        if source.exists():
            shutil.copy2(source, target / "i18n" / source.name)
    shutil.copy2(ALTCHA / "LICENSE.txt", target / "LICENSE.txt")


def convert_pdf_fonts() -> None:
    """WOFF2 -> TTF (needs fontTools with brotli, see pyproject's fonttools[woff]), and the form
    fields' font: Noto Sans and Noto Sans Arabic merged into one, since a PDF program draws what
    is typed into a field in the one font the field names."""
    from fontTools.ttLib import TTFont

    PDF_FONTS.mkdir(parents=True, exist_ok=True)
    for stale in PDF_FONTS.glob("*.ttf"):  # fonts of earlier versions (Noto Sans Arabic)
        if stale.name not in (*PDF_FONT_SOURCES.values(), FORM_FONT):
            stale.unlink()
    for source, name in PDF_FONT_SOURCES.items():
        font = TTFont(source)
        font.flavor = None  # plain sfnt instead of WOFF2
        font.save(PDF_FONTS / name)
    target = PDF_FONTS / FORM_FONT
    sources = [source for source, name in PDF_FONT_SOURCES.items() if name in FORM_FONT_PARTS]
    # Merging takes seconds: only when the npm files are newer than the merged font.
    if not target.exists() or target.stat().st_mtime < max(source.stat().st_mtime for source in sources):
        merge_form_font([PDF_FONTS / name for name in FORM_FONT_PARTS], target)


FORM_FONT = "PortalFormSans-Regular.ttf"
FORM_FONT_PARTS = ("NotoSans-Regular.ttf", "Vazirmatn-Regular.ttf")


def merge_form_font(parts: list[Path], target: Path) -> None:
    """One font with Latin, Cyrillic, Greek and Arabic glyphs and both fonts' shaping rules,
    named apart from Noto (a modified font gets a name of its own)."""
    import tempfile

    from fontTools.merge import Merger, Options
    from fontTools.ttLib import TTFont
    from fontTools.ttLib.scaleUpem import scale_upem

    with tempfile.TemporaryDirectory() as scratch:
        files = []
        for part in parts:  # merging needs one size of em (Noto 1000, Vazirmatn 2048)
            font = TTFont(part)
            if font["head"].unitsPerEm != 1000:
                scale_upem(font, 1000)
            files.append(str(Path(scratch) / part.name))
            font.save(files[-1])
        # Vertical metrics tables differ between the two and are not needed for horizontal text.
        font = Merger(options=Options(drop_tables=["vhea", "vmtx"])).merge(files)
    # No characters a PDF text map must not name (PDF/UA): NUL and byte-order marks.
    for table in font["cmap"].tables:
        for code in (0x0000, 0xFEFF, 0xFFFE):
            table.cmap.pop(code, None)
    names = font["name"]
    for record in list(names.names):
        if record.nameID in (1, 4, 16, 21):
            names.setName("Portal Form Sans", record.nameID, record.platformID, record.platEncID, record.langID)
        elif record.nameID in (3, 6, 20):
            names.setName("PortalFormSans-Regular", record.nameID, record.platformID, record.platEncID,
                          record.langID)
    font.save(target)


if __name__ == "__main__":
    sys.exit(main())
