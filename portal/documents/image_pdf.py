"""A one-page A4 PDF of an image, so that the case file holds PDFs only."""
from __future__ import annotations

from io import BytesIO
from math import ceil

from PIL import Image
from reportlab.lib.pagesizes import A4, landscape, portrait
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

MARGIN = 15 * mm
MAX_DPI = 300  # enough to print and read small print; keeps phone photos from bloating the PDF
JPEG_QUALITY = 92

_SIXTEEN_BIT_GREY = {"I", "I;16", "I;16L", "I;16B", "I;16N"}


def image_to_pdf(image: Image.Image) -> bytes:
    """The image fitted into an A4 page (landscape for wide images) with a margin."""
    page = landscape(A4) if image.width > image.height else portrait(A4)
    scale = min((page[0] - 2 * MARGIN) / image.width, (page[1] - 2 * MARGIN) / image.height)
    width, height = image.width * scale, image.height * scale
    pixels = _flattened(image)
    target = (ceil(width / 72 * MAX_DPI), ceil(height / 72 * MAX_DPI))
    if pixels.width > target[0]:
        pixels = pixels.resize(target, Image.Resampling.LANCZOS, reducing_gap=3.0)
    jpeg = BytesIO()
    pixels.save(jpeg, "JPEG", quality=JPEG_QUALITY)  # embedded as is (DCTDecode)
    jpeg.seek(0)

    out = BytesIO()
    # invariant: no time stamp or random id, so the same image gives the same PDF.
    pdf = canvas.Canvas(out, pagesize=page, invariant=True)
    pdf.drawImage(ImageReader(jpeg), (page[0] - width) / 2, (page[1] - height) / 2, width, height)
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def _flattened(image: Image.Image) -> Image.Image:
    """RGB or greyscale pixels for JPEG: transparency on white, 16-bit grey scaled down."""
    if "A" in image.mode or "transparency" in image.info:
        rgba = image.convert("RGBA")
        white = Image.new("RGB", image.size, "white")
        white.paste(rgba, mask=rgba.getchannel("A"))
        return white
    if image.mode in ("RGB", "L"):
        return image
    if image.mode in _SIXTEEN_BIT_GREY:
        return image.convert("I").point(lambda value: value / 256).convert("L")  # convert() would clip
    return image.convert("RGB")
