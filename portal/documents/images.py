"""Checks and clean-up of uploaded images (JPEG, PNG, HEIC).

Phone photos carry where and when they were taken (EXIF incl. GPS, XMP, comments). The portal
keeps the pixels only: what is stored is upright and without metadata. Only colour information
(ICC/nclx profile, transparency) and the scan resolution are kept.

Memory (a 60-megapixel image is 240 MB of pixels in Pillow, and a worker serves four requests at
once) decides how:
- a JPEG or PNG that needs no turning keeps its compressed pixels; only its metadata segments
  or chunks are dropped (portal.documents.jpeg_segments, png_chunks). A JPEG is then decoded
  only at the size its PDF page needs (the decoder's 1/2, 1/4, 1/8 scaling), which reads every
  byte of it all the same, so damage is still found;
- one that needs turning (or converting, as CMYK) is decoded, turned and encoded again; a JPEG
  larger than TURN_FULL_SIZE_PIXELS is decoded at half (or a quarter...) of its size for that,
  since the turn holds two copies of it;
- every decode first reserves its memory from the process's budget (portal.documents.
  decode_budget), so that a worker's threads never decode more at once than it can hold.
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from io import BytesIO

import pillow_heif
from PIL import Image, ImageOps

from portal.documents import decode_budget, jpeg_segments, png_chunks, refusals
from portal.documents.image_pdf import image_to_pdf, page_pixels, reduced_for_page
from portal.documents.sniff import HEIC, JPEG, PNG

MAX_MEGAPIXELS = 60
MAX_PIXELS = MAX_MEGAPIXELS * 1_000_000
# Turning holds the image twice (8 bytes a pixel): 240 MB at 30 MP, the most a request may use
# with its upload and results. Phone photos (12-24 MP, often stored sideways) stay full size.
TURN_FULL_SIZE_PIXELS = 30_000_000
JPEG_QUALITY = 92
HEIC_QUALITY = 90  # pillow_heif's default (50) blurs small print on scans
ORIENTATION = 0x0112

pillow_heif.register_heif_opener()
# Pillow's own guard against decompression bombs: a warning above this many pixels, an error
# above twice as many, both raised while reading the header. Never loosen a stricter setting.
if Image.MAX_IMAGE_PIXELS is None or Image.MAX_IMAGE_PIXELS > MAX_PIXELS:
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS

# Only the decoder of the sniffed type may read the data.
_FORMATS = {JPEG: ["JPEG"], PNG: ["PNG"], HEIC: ["HEIF"]}
# Info entries about how to show the pixels, not about the person, place or device.
_KEPT_INFO = ("icc_profile", "nclx_profile", "transparency", "dpi")
# Modes whose JPEG pixels are kept as they are (CMYK and the like are stored as RGB).
_KEPT_JPEG_MODES = ("RGB", "L")


@dataclass(frozen=True)
class PreparedImage:
    original: bytes  # same type as uploaded, upright, without metadata
    pdf: bytes  # one A4 page for the case file


@dataclass(frozen=True)
class _Header:
    size: tuple[int, int]
    mode: str
    orientation: int  # as EXIF (or XMP) gives it; 1 = upright; JPEG only, read from the header


def prepare_image(data: bytes, media_type: str) -> PreparedImage:
    """Raises DocumentRefused if the image is damaged or too large."""
    header = _header(data, media_type)
    if media_type == JPEG:
        return _prepared_jpeg(data, header)
    if media_type == PNG:
        return _prepared_png(data, header)
    with decode_budget.reserve(decode_budget.cost(header.size, header.mode, copies=2)):
        image = _decoded(data, media_type)
        return _encoded_again(_upright(image), media_type)


def _prepared_jpeg(data: bytes, header: _Header) -> PreparedImage:
    if header.orientation == 1 and header.mode in _KEPT_JPEG_MODES:
        try:
            original = jpeg_segments.without_metadata(data)
        except ValueError as exc:
            raise refusals.broken_image() from exc
        wanted = page_pixels(header.size)
        with decode_budget.reserve(decode_budget.cost(_draft_size(header.size, wanted), header.mode)):
            # What is stored is what is decoded: damage in it is found here.
            pdf = image_to_pdf(_decoded(original, JPEG, wanted), full_size=header.size)
        return PreparedImage(original=original, pdf=pdf)

    size = header.size
    while size[0] * size[1] > TURN_FULL_SIZE_PIXELS:  # the decoder's next smaller scale
        size = (size[0] // 2, size[1] // 2)
    draft = None if size == header.size else size
    with decode_budget.reserve(decode_budget.cost(_draft_size(header.size, size), "RGB", copies=2)):
        return _encoded_again(_upright(_decoded(data, JPEG, draft)), JPEG)


def _prepared_png(data: bytes, header: _Header) -> PreparedImage:
    try:
        turning = png_chunks.may_need_turning(data)
    except ValueError as exc:
        raise refusals.broken_image() from exc
    with decode_budget.reserve(decode_budget.cost(header.size, header.mode, copies=2 if turning else 1)):
        image = _decoded(data, PNG)
        if _orientation(image) != 1:
            return _encoded_again(_upright(image), PNG)
        page = reduced_for_page(image)
        del image  # 240 MB at 60 MP: let go before the page and the copy of the file are made
        pdf = image_to_pdf(page, full_size=header.size)
        del page
    try:
        original = png_chunks.without_metadata(data)
        with Image.open(BytesIO(original), formats=["PNG"]) as check:
            check.verify()  # the structure of what is stored: chunks and checksums
    except Exception as exc:
        raise refusals.broken_image() from exc
    return PreparedImage(original=original, pdf=pdf)


def _encoded_again(upright: Image.Image, media_type: str) -> PreparedImage:
    upright.info = {key: upright.info[key] for key in _KEPT_INFO if key in upright.info}
    pdf = image_to_pdf(upright)
    return PreparedImage(original=_encode(upright, media_type), pdf=pdf)


def _upright(image: Image.Image) -> Image.Image:
    """The image turned as the camera meant it. In place: the turned pixels replace the others
    (no third copy), and an image that needs no turning is not copied."""
    try:
        ImageOps.exif_transpose(image, in_place=True)
    except Exception as exc:  # a damaged EXIF block
        raise refusals.broken_image() from exc
    return image


def _orientation(image: Image.Image) -> int:
    try:
        return image.getexif().get(ORIENTATION, 1)
    except Exception as exc:  # a damaged EXIF block
        raise refusals.broken_image() from exc


def _header(data: bytes, media_type: str) -> _Header:
    """Size and mode from the header, before any pixel is decoded; checksums (PNG)."""
    with _refused_when_unreadable(), Image.open(BytesIO(data), formats=_FORMATS[media_type]) as probe:
        _check_pixels(probe.size)
        # A JPEG's EXIF and XMP are in its header; a PNG's may follow the pixels (read later).
        orientation = _orientation(probe) if media_type == JPEG else 1
        header = _Header(probe.size, probe.mode, orientation if orientation in range(1, 9) else 1)
        probe.verify()  # verify() leaves the image unusable, so it is opened again to decode
    return header


def _decoded(data: bytes, media_type: str, draft: tuple[int, int] | None = None) -> Image.Image:
    """All pixels decoded; a JPEG at the smallest scale (1/2, 1/4, 1/8) still at least `draft`
    large, if given."""
    with _refused_when_unreadable():
        image = Image.open(BytesIO(data), formats=_FORMATS[media_type])
        _check_pixels(image.size)
        if draft is not None:
            image.draft(image.mode, draft)
        image.load()  # a truncated file fails here
    return image


@contextmanager
def _refused_when_unreadable():
    """A decoder's failure as the applicant's refusal: too many pixels, or a broken image."""
    try:
        yield
    except refusals.DocumentRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise refusals.image_too_large(MAX_MEGAPIXELS) from exc
    except Exception as exc:  # decoders raise OSError, SyntaxError, ValueError, RuntimeError...
        raise refusals.broken_image() from exc


def _draft_size(size: tuple[int, int], wanted: tuple[int, int]) -> tuple[int, int]:
    """The size the JPEG decoder gives for draft(wanted): as Pillow's JpegImageFile.draft picks."""
    scale = min(size[0] // max(wanted[0], 1), size[1] // max(wanted[1], 1))
    step = next((s for s in (8, 4, 2) if scale >= s), 1)
    return -(-size[0] // step), -(-size[1] // step)


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
