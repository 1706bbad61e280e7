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
# A large image is first reduced by a whole factor (the mean of each block of pixels) and
# flattened a strip at a time: never a second full-size copy (a 60-megapixel RGBA image is
# 240 MB in Pillow). Lanczos does the rest (less than halving).
STRIP_BYTES = 2 * 1024 * 1024

_SIXTEEN_BIT_GREY = {"I", "I;16", "I;16L", "I;16B", "I;16N"}


def page_pixels(size: tuple[int, int]) -> tuple[int, int]:
    """How many pixels an image of this size is given on its page, at most (at MAX_DPI):
    what a decoder that can reduce while decoding (JPEG) needs to deliver."""
    return _layout(size)[2]


def image_to_pdf(image: Image.Image, full_size: tuple[int, int] | None = None) -> bytes:
    """The image fitted into an A4 page (landscape for wide images) with a margin.
    `full_size`: the size of the image that `image` was reduced from (reduced_for_page, or a
    JPEG decoded at a fraction of its size), which sets the page."""
    page, (width, height), target = _layout(full_size or image.size)
    pixels = _flattened(reduced_for_page(image))
    if pixels.width > target[0]:
        pixels = pixels.resize(target, Image.Resampling.LANCZOS, reducing_gap=3.0)
    jpeg = BytesIO()
    pixels.save(jpeg, "JPEG", quality=JPEG_QUALITY)  # embedded as is (DCTDecode)
    del pixels
    jpeg.seek(0)

    out = BytesIO()
    # invariant: no time stamp or random id, so the same image gives the same PDF.
    pdf = canvas.Canvas(out, pagesize=page, invariant=True)
    pdf.drawImage(ImageReader(jpeg), (page[0] - width) / 2, (page[1] - height) / 2, width, height)
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def reduced_for_page(image: Image.Image) -> Image.Image:
    """The image itself, or, if it has at least twice the pixels its page needs each way, its
    flattened pixels reduced by the largest whole factor that leaves at least as many (the
    mean of each block), made strip by strip. The caller may then let go of the full image
    before the page is made (image_to_pdf of the result gives the same page)."""
    target = page_pixels(image.size)
    factor = min(image.width // target[0], image.height // target[1])
    return reduced(image, factor) if factor >= 2 else image


def reduced(image: Image.Image, factor: int) -> Image.Image:
    """_flattened(image).reduce(factor), made strip by strip."""
    rows = factor * max(1, STRIP_BYTES // (image.width * 4 * factor))
    result = None
    for top in range(0, image.height, rows):
        strip = _flattened(image.crop((0, top, image.width, min(top + rows, image.height))))
        strip = strip.reduce(factor)
        if result is None:
            result = Image.new(strip.mode, (-(-image.width // factor), -(-image.height // factor)))
        result.paste(strip, (0, top // factor))
    return result


def _layout(size: tuple[int, int]):
    """The page, the image's size on it in points, and its pixels at MAX_DPI."""
    page = landscape(A4) if size[0] > size[1] else portrait(A4)
    scale = min((page[0] - 2 * MARGIN) / size[0], (page[1] - 2 * MARGIN) / size[1])
    width, height = size[0] * scale, size[1] * scale
    return page, (width, height), (ceil(width / 72 * MAX_DPI), ceil(height / 72 * MAX_DPI))


def _flattened(image: Image.Image) -> Image.Image:
    """RGB or greyscale pixels for JPEG: transparency on white, 16-bit grey scaled down."""
    if "A" in image.mode or "transparency" in image.info:
        rgba = image if image.mode == "RGBA" else image.convert("RGBA")
        white = Image.new("RGB", image.size, "white")
        white.paste(rgba, mask=rgba)  # its alpha: no copy of the channel
        return white
    if image.mode in ("RGB", "L"):
        return image
    if image.mode in _SIXTEEN_BIT_GREY:
        return image.convert("I").point(lambda value: value / 256).convert("L")  # convert() would clip
    return image.convert("RGB")
