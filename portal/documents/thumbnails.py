"""Small previews of uploaded photos and scans, so that applicants see they chose the right one.

Made from the stored image (already checked, upright, without metadata) when a page asks for it;
a JPEG is decoded at a fraction of its size (draft mode), so a 60-megapixel photo costs little.
Other images are decoded whole, within the process's decode budget, and reduced a strip at a
time (Pillow's own reduction would copy an RGBA image whole first). HEIC photos get a JPEG
preview too (browsers cannot show HEIC).
"""
from __future__ import annotations

from io import BytesIO

from PIL import Image

from portal.documents import decode_budget
from portal.documents import images  # noqa: F401  (registers the HEIC opener and the pixel limit)
from portal.documents.image_pdf import reduced

THUMBNAIL_PIXELS = 240  # the longer side; shown at 120 CSS pixels, sharp on high-density screens


def thumbnail(data: bytes, size: int = THUMBNAIL_PIXELS) -> bytes:
    """A JPEG of at most size × size pixels."""
    with Image.open(BytesIO(data)) as image:
        image.draft("RGB", (size, size))  # JPEG only; others ignore it
        with decode_budget.reserve(decode_budget.cost(image.size, image.mode)):
            factor = min(image.width, image.height) // (2 * size)  # leaves Lanczos at least twice the size
            preview = reduced(image, factor) if factor >= 2 else image
            preview.thumbnail((size, size))
            preview = preview.convert("RGB")
    out = BytesIO()
    preview.save(out, "JPEG", quality=80)
    return out.getvalue()
