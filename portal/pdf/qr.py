"""A QR code flowable for PDFs: reportlab's encoder, drawn as one filled path.

reportlab's QrCodeWidget encodes the data twice (once to measure, once to draw) and makes a
shape object per dark module; on a receipt that was about half of the rendering time. Here the
data is encoded once and each run of dark modules in a row becomes one rectangle of a path.
"""
from __future__ import annotations

from reportlab.graphics.barcode import qrencoder
from reportlab.platypus import Flowable


def qr_modules(value: str, level: str = "M") -> list[list[bool]]:
    """The code's modules, row by row from the top (True: dark)."""
    code = qrencoder.QRCode(None, getattr(qrencoder.QRErrorCorrectLevel, level))
    code.addData(value)
    code.make()
    return [[bool(dark) for dark in row] for row in code.modules]


class QrCode(Flowable):
    """`size` points square, the modules filling it (the quiet zone is the space around)."""

    def __init__(self, value: str, size: float, level: str = "M"):
        super().__init__()
        self.value = value
        self.modules = qr_modules(value, level)
        self.width = self.height = size

    def draw(self):
        count = len(self.modules)
        module = self.width / count
        path = self.canv.beginPath()
        for row_index, row in enumerate(self.modules):
            y = (count - 1 - row_index) * module
            column = 0
            while column < count:
                if not row[column]:
                    column += 1
                    continue
                start = column
                while column < count and row[column]:
                    column += 1
                path.rect(start * module, y, (column - start) * module, module)
        self.canv.setFillColorRGB(0, 0, 0)
        self.canv.drawPath(path, stroke=0, fill=1)
