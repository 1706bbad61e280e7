"""QR codes for the printed documents: reportlab's encoder, drawn as one SVG path (each run of
dark modules in a row one rectangle), shown by WeasyPrint as an image with alt text."""
from __future__ import annotations

from reportlab.graphics.barcode import qrencoder


def qr_modules(value: str, level: str = "M") -> list[list[bool]]:
    """The code's modules, row by row from the top (True: dark)."""
    code = qrencoder.QRCode(None, getattr(qrencoder.QRErrorCorrectLevel, level))
    code.addData(value)
    code.make()
    return [[bool(dark) for dark in row] for row in code.modules]


def qr_svg(value: str, level: str = "M") -> str:
    """An SVG of the modules filling its box (the quiet zone is the space around)."""
    modules = qr_modules(value, level)
    count = len(modules)
    parts = []
    for y, row in enumerate(modules):
        x = 0
        while x < count:
            if not row[x]:
                x += 1
                continue
            start = x
            while x < count and row[x]:
                x += 1
            parts.append(f"M{start} {y}h{x - start}v1h-{x - start}z")
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {count} {count}" shape-rendering="crispEdges">'
            f'<path d="{"".join(parts)}" fill="#000"/></svg>')
