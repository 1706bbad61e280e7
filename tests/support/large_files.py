"""Large uploads as applicants have them, made quickly: a phone photo whose size comes from the
preview images and maker data phones embed (application segments), and a scanned page stored
uncompressed at high resolution."""
from __future__ import annotations

import io
import os

from PIL import Image, ImageDraw

MB = 1024 * 1024
_SEGMENT = 65_533  # the most a JPEG segment can carry after its length field


def phone_photo(size_bytes: int, label: str = "Reisepass") -> bytes:
    """A valid JPEG of exactly `size_bytes`: a small photo (a page with a few lines) and, after
    the start-of-image marker, APP10 segments filling it to the size (decoders skip them)."""
    image = Image.new("RGB", (1600, 1200), (214, 222, 230))
    draw = ImageDraw.Draw(image)
    draw.rectangle((120, 140, 1480, 1060), fill=(246, 243, 236), outline=(60, 70, 90), width=6)
    for line in range(8):
        draw.text((180, 200 + 90 * line), f"{label} - Zeile {line + 1}", fill=(20, 30, 40))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    photo = out.getvalue()
    missing = size_bytes - len(photo)
    if missing < 4:
        raise ValueError(f"a photo of {size_bytes} bytes is smaller than its picture")
    segments = []
    while missing > 0:
        payload = min(_SEGMENT, missing - 4)
        if 0 < missing - (payload + 4) < 4:  # leave room for a last segment's header
            payload -= 4
        segments.append(b"\xff\xea" + (payload + 2).to_bytes(2, "big") + os.urandom(payload))
        missing -= payload + 4
    return photo[:2] + b"".join(segments) + photo[2:]


def scanned_pdf(min_bytes: int) -> bytes:
    """A one-page PDF of at least `min_bytes`: an A4 scan at high resolution, uncompressed RGB."""
    width = 4960  # A4 at 600 dpi
    height = -(-(min_bytes - 2048) // (width * 3))
    pixels = os.urandom(width * height * 3)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /Scan 5 0 R >> >> "
        b"/Contents 4 0 R >>",
    ]
    content = b"q 595 0 0 842 0 0 cm /Scan Do Q"
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    offsets.append(out.tell())
    out.write(b"4 0 obj\n<< /Length %d >>\nstream\n%s\nendstream\nendobj\n" % (len(content), content))
    offsets.append(out.tell())
    out.write(b"5 0 obj\n<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB "
              b"/BitsPerComponent 8 /Length %d >>\nstream\n" % (width, height, len(pixels)))
    out.write(pixels)
    out.write(b"\nendstream\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 6\n0000000000 65535 f \n" + b"".join(b"%010d 00000 n \n" % o for o in offsets))
    out.write(b"trailer\n<< /Size 6 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % xref)
    return out.getvalue()
