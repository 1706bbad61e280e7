"""Type of an upload by its content (magic bytes), never by its name or the browser's header."""
from __future__ import annotations

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
HEIC = "image/heic"

ACCEPTED_TYPES = (PDF, JPEG, PNG, HEIC)

# Scanned paper files from the scan service provider: PDF or (multi-page) TIFF. TIFF is not an
# upload type: sniff() never returns it, so applicants' uploads stay as they are.
TIFF = "image/tiff"
SCAN_TYPES = (PDF, TIFF)
# Classic TIFF, little- and big-endian. BigTIFF (version 43) is left out: scans of paper pages
# stay far below 4 GB, and refusing it keeps one more decoder path out.
_TIFF_MAGIC = (b"II*\x00", b"MM\x00*")

# ISO-BMFF brands of HEIF/HEIC still images and sequences (phone photos).
_HEIC_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs"}
# Generic HEIF brands: also used by AVIF, which pillow_heif cannot read and we do not accept.
_HEIF_GENERIC_BRANDS = {b"mif1", b"msf1"}
_AVIF_BRANDS = {b"avif", b"avis"}


def sniff(data: bytes) -> str | None:
    """One of ACCEPTED_TYPES, or None for anything else."""
    # Only at offset 0: a PDF header further in would let HTML or scripts ride in front of it.
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if _is_heic(data):
        return HEIC
    return None


def sniff_scan(data: bytes) -> str | None:
    """One of SCAN_TYPES, or None for anything else."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data[:4] in _TIFF_MAGIC:
        return TIFF
    return None


def _ftyp_brands(data: bytes) -> set[bytes]:
    """Major and compatible brands of a leading `ftyp` box (empty if there is none)."""
    if len(data) < 16 or data[4:8] != b"ftyp":
        return set()
    size = int.from_bytes(data[0:4], "big")
    if size < 16 or size > len(data) or size > 4096:  # 0/1 (to end / 64-bit) are not used for ftyp
        size = min(len(data), 4096)
    brands = {data[8:12]}  # major brand; data[12:16] is the minor version
    brands.update(data[i:i + 4] for i in range(16, size - 3, 4))
    return brands


def _is_heic(data: bytes) -> bool:
    brands = _ftyp_brands(data)
    if brands & _HEIC_BRANDS:
        return True
    return bool(brands & _HEIF_GENERIC_BRANDS) and not brands & _AVIF_BRANDS
