"""Checks and clean-up of uploaded images (JPEG, PNG, HEIC).

Phone photos carry where and when they were taken (EXIF incl. GPS, XMP, comments). The portal
keeps the pixels only: every image is decoded, turned upright and encoded again without metadata.
Only colour information (ICC/nclx profile, transparency) and the scan resolution are kept.
"""
from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO

import pillow_heif
from PIL import Image, ImageOps

from portal.documents import refusals
from portal.documents.image_pdf import image_to_pdf
from portal.documents.sniff import HEIC, JPEG, PNG

MAX_MEGAPIXELS = 60
MAX_PIXELS = MAX_MEGAPIXELS * 1_000_000
JPEG_QUALITY = 92
HEIC_QUALITY = 90  # pillow_heif's default (50) blurs small print on scans

pillow_heif.register_heif_opener()
# Pillow's own guard against decompression bombs: a warning above this many pixels, an error
# above twice as many, both raised while reading the header. Never loosen a stricter setting.
if Image.MAX_IMAGE_PIXELS is None or Image.MAX_IMAGE_PIXELS > MAX_PIXELS:
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS

# Only the decoder of the sniffed type may read the data.
_FORMATS = {JPEG: ["JPEG"], PNG: ["PNG"], HEIC: ["HEIF"]}
# Info entries about how to show the pixels, not about the person, place or device.
_KEPT_INFO = ("icc_profile", "nclx_profile", "transparency", "dpi")


@dataclass(frozen=True)
class PreparedImage:
    original: bytes  # same type as uploaded, upright, without metadata
    pdf: bytes  # one A4 page for the case file


def prepare_image(data: bytes, media_type: str) -> PreparedImage:
    """Raises DocumentRefused if the image is damaged or too large."""
    image = _decode(data, media_type)
    try:
        upright = ImageOps.exif_transpose(image)  # a copy, turned as the camera meant it
    except Exception as exc:  # a damaged EXIF block
        raise refusals.broken_image() from exc
    upright.info = {key: upright.info[key] for key in _KEPT_INFO if key in upright.info}
    return PreparedImage(original=_encode(upright, media_type), pdf=image_to_pdf(upright))


def _decode(data: bytes, media_type: str) -> Image.Image:
    formats = _FORMATS[media_type]
    try:
        # Image.open reads the header only; the size is checked before any pixel is decoded.
        with Image.open(BytesIO(data), formats=formats) as probe:
            _check_pixels(probe.size)
            probe.verify()  # checksums (PNG); verify() leaves the image unusable, so open again
        image = Image.open(BytesIO(data), formats=formats)
        _check_pixels(image.size)
        image.load()  # a truncated file fails here
        return image
    except refusals.DocumentRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise refusals.image_too_large(MAX_MEGAPIXELS) from exc
    except Exception as exc:  # decoders raise OSError, SyntaxError, ValueError, RuntimeError...
        raise refusals.broken_image() from exc


def _check_pixels(size: tuple[int, int]) -> None:
    width, height = size
    if width * height > MAX_PIXELS:
        raise refusals.image_too_large(MAX_MEGAPIXELS)


def _encode(image: Image.Image, media_type: str) -> bytes:
    """Every metadata field is passed explicitly: none may fall back to what was read."""
    out = BytesIO()
    icc = image.info.get("icc_profile")
    dpi = image.info.get("dpi")
    if media_type == JPEG:
        if image.mode not in ("RGB", "L"):  # CMYK and the like
            image, icc = image.convert("RGB"), None  # the profile belonged to the old colour space
        image.save(out, "JPEG", quality=JPEG_QUALITY, exif=b"", comment=b"", xmp=b"",
                   **_present(icc_profile=icc, dpi=dpi))
    elif media_type == PNG:
        # No pnginfo: no text chunks; transparency is taken from info. Mode kept as it is.
        image.save(out, "PNG", **_present(icc_profile=icc, dpi=dpi))
    else:
        image.save(out, "HEIF", quality=HEIC_QUALITY, exif=None, xmp=None, **_present(icc_profile=icc))
    return out.getvalue()


def _present(**options) -> dict:
    return {key: value for key, value in options.items() if value}
