"""QR codes for the printed documents: reportlab's encoder, drawn as a black-and-white PNG of one
pixel per module, shown by WeasyPrint as an image with alt text and scaled without smoothing
(`image-rendering: pixelated`, /Interpolate false), so the modules stay sharp at any size.
A PNG, not an SVG: WeasyPrint draws an SVG path through its own Python parser, which cost about
a tenth of a receipt's rendering time."""
from __future__ import annotations

import io

from PIL import Image
from reportlab.graphics.barcode import qrencoder


def qr_modules(value: str, level: str = "M") -> list[list[bool]]:
    """The code's modules, row by row from the top (True: dark)."""
    code = qrencoder.QRCode(None, getattr(qrencoder.QRErrorCorrectLevel, level))
    code.addData(value)
    code.make()
    return [[bool(dark) for dark in row] for row in code.modules]


def qr_png(value: str, level: str = "M") -> bytes:
    """A PNG of the modules, one pixel each, filling the image (the quiet zone is the space around)."""
    modules = qr_modules(value, level)
    count = len(modules)
    image = Image.new("1", (count, count))
    image.putdata([0 if dark else 1 for row in modules for dark in row])
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()
