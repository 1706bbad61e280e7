"""Filling our fillable PDF forms the ways applicants' programs do: pypdf and pikepdf set the
values as many programs store them; PDFium, Chromium's PDF engine, is driven through its form
API (focus a field, type, leave it, save) exactly as its viewer does when someone types."""
from __future__ import annotations

import ctypes
import io
import shutil
import subprocess
import tempfile
from pathlib import Path

import pikepdf
from pypdf import PdfWriter


def fill_with_pypdf(pdf: bytes, values: dict[str, str]) -> bytes:
    writer = PdfWriter(clone_from=io.BytesIO(pdf))
    writer.update_page_form_field_values(None, values, auto_regenerate=False)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def fill_with_pikepdf(pdf: bytes, values: dict[str, str]) -> bytes:
    """Values set on the field dictionaries, appearance left to the viewer (NeedAppearances)."""
    document = pikepdf.open(io.BytesIO(pdf))
    for field in document.Root.AcroForm.Fields:
        name = str(field.get("/T", ""))
        if name in values:
            field.V = pikepdf.String(values[name])
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def type_with_pdfium(pdf: bytes, values: dict[str, str]) -> bytes:
    """Type each value into its field as a user of Chromium's viewer does, and save the file."""
    import pypdfium2
    import pypdfium2.raw as raw

    document = pypdfium2.PdfDocument(pdf)
    document.init_forms()
    handle = document.formenv.raw
    typed = set()
    for index in range(len(document)):
        page = document[index]
        raw.FORM_OnAfterLoadPage(page.raw, handle)
        for number in range(raw.FPDFPage_GetAnnotCount(page.raw)):
            annotation = raw.FPDFPage_GetAnnot(page.raw, number)
            size = raw.FPDFAnnot_GetFormFieldName(handle, annotation, None, 0)
            buffer = ctypes.create_string_buffer(size)
            raw.FPDFAnnot_GetFormFieldName(handle, annotation, ctypes.cast(buffer, ctypes.POINTER(raw.FPDF_WCHAR)),
                                           size)
            name = buffer.raw[:size - 2].decode("utf-16-le")
            if name in values:
                if not raw.FORM_SetFocusedAnnot(handle, annotation):
                    raise AssertionError(f"PDFium cannot focus field {name}")
                text = (values[name] + "\0").encode("utf-16-le")
                raw.FORM_SelectAllText(handle, page.raw)
                raw.FORM_ReplaceSelection(handle, page.raw, ctypes.cast(ctypes.c_char_p(text), raw.FPDF_WIDESTRING))
                raw.FORM_ForceToKillFocus(handle)
                typed.add(name)
            raw.FPDFPage_CloseAnnot(annotation)
        raw.FORM_OnBeforeClosePage(page.raw, handle)
        page.close()
    missing = set(values) - typed
    if missing:
        raise AssertionError(f"no such fields: {sorted(missing)}")
    out = io.BytesIO()
    document.save(out)
    document.close()
    return out.getvalue()


def widget(pdf: bytes, name: str) -> tuple[int, list[float]]:
    """(page index, rectangle) of a field's widget."""
    document = pikepdf.open(io.BytesIO(pdf))
    for index, page in enumerate(document.pages):
        for annotation in page.obj.get("/Annots", []):
            if str(annotation.get("/T", "")) == name:
                return index, [float(v) for v in annotation.Rect]
    raise KeyError(name)


def poppler_field_ink(pdf: bytes, name: str, dpi: int = 150) -> tuple[float, float] | None:
    """Render the field's page with poppler (which draws the typed value itself, as Evince and
    Okular do) and return where the dark pixels inside the field lie, as fractions of its width
    from the left (first, last); None when nothing is drawn there."""
    from PIL import Image

    if shutil.which("pdftoppm") is None:
        raise RuntimeError("pdftoppm is missing: apt-get install poppler-utils (see .ci/run)")
    index, (x1, y1, x2, y2) = widget(pdf, name)
    left, right, bottom, top = min(x1, x2), max(x1, x2), min(y1, y2), max(y1, y2)
    with tempfile.TemporaryDirectory() as scratch:
        subprocess.run(["pdftoppm", "-r", str(dpi), "-f", str(index + 1), "-l", str(index + 1), "-png", "-singlefile",
                        "-", str(Path(scratch) / "page")], input=pdf, check=True, capture_output=True, timeout=60)
        image = Image.open(Path(scratch) / "page.png").convert("L")
        scale = dpi / 72
        height = image.height
        box = (int(left * scale) + 3, int(height - top * scale) + 3, int(right * scale) - 3,
               int(height - bottom * scale) - 3)
        field = image.crop(box)
        dark = [x for x in range(field.width) for y in range(field.height) if field.getpixel((x, y)) < 110]
        if not dark:
            return None
        return min(dark) / field.width, max(dark) / field.width
