"""One delivered file: read it, verify its checksum, check it by content and store it.

PDFs are checked as uploads are (readable, no active content) and kept as delivered; one that
opens without a password but is protected, or a filled Acrobat form, gets its readable copy
beside it, as uploads do. A TIFF is kept as delivered too — its checksum is the provider's proof
of what was scanned — and gets a PDF beside it for the case file, one page per TIFF page.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from PIL import Image
from pypdf import PdfReader, PdfWriter

from portal.config import VirusScanSettings
from portal.documents import antivirus, images
from portal.documents.image_pdf import _flattened
from portal.documents.pdfs import MAX_PAGES, CheckedPdf, check_pdf
from portal.documents.refusals import VIRUS_FOUND, DocumentRefused
from portal.documents.sniff import PDF, TIFF, sniff, sniff_scan
from portal.documents.storage import DocumentStorage
from portal.intake.scans.index import IndexRow, Reason, RowFailure
from portal.models.document import CopyReason

# Scans without a resolution tag are taken as 300 dpi, the usual setting for files.
DEFAULT_DPI = 300.0
_PLAUSIBLE_DPI = (50.0, 4800.0)
# Modes the PDF writer embeds compactly: bilevel as CCITT G4, grey, colour and CMYK as JPEG.
_PDF_MODES = {"1", "L", "RGB", "CMYK"}


@dataclass(frozen=True)
class StoredScan:
    media_type: str
    sha256: str
    size_bytes: int
    pdf_sha256: str  # the original itself for a PDF, unless it needed a readable copy
    pdf_size_bytes: int
    page_count: int
    copy_reason: CopyReason | None = None


def read_scan(path: Path, max_bytes: int) -> bytes:
    size = path.stat().st_size
    if size > max_bytes:
        raise RowFailure(Reason.TOO_LARGE, f"{size} bytes; at most {max_bytes} are taken (PORTAL_SCAN_MAX_FILE_MB)")
    if size == 0:
        raise RowFailure(Reason.UNSUPPORTED_TYPE, "the file is empty")
    return path.read_bytes()


def check_and_store(storage: DocumentStorage, data: bytes, row: IndexRow, virus_scan: VirusScanSettings) -> StoredScan:
    """Raises RowFailure; stores nothing unless every check passed, clamd's scan first."""
    actual = hashlib.sha256(data).hexdigest()
    if actual != row.sha256:
        raise RowFailure(Reason.CHECKSUM_MISMATCH, f"the file's SHA-256 is {actual}, the index says {row.sha256}")
    try:
        antivirus.require_clean(virus_scan, data)
    except DocumentRefused as refused:
        if refused.code == VIRUS_FOUND:
            raise RowFailure(Reason.VIRUS_FOUND, refused.detail) from refused
        raise RowFailure(Reason.NOT_SCANNED, refused.detail) from refused
    media_type = sniff_scan(data)
    if media_type is None:
        other = sniff(data)
        raise RowFailure(Reason.UNSUPPORTED_TYPE,
                         f"not a PDF or TIFF ({other})" if other else "not a PDF or TIFF by its content")
    if media_type == PDF:
        checked = _checked_pdf(data)
        pages, copy_reason = checked.page_count, checked.copy_reason
        pdf = checked.readable_copy if checked.readable_copy is not None else data
    else:
        (pdf, pages), copy_reason = tiff_to_pdf(data), CopyReason.IMAGE_TO_PDF
    if pages != row.pages:
        raise RowFailure(Reason.PAGE_COUNT_MISMATCH, f"the index says {row.pages} pages, the file has {pages}")
    sha256 = storage.put(data)
    pdf_sha256 = sha256 if pdf is data else storage.put(pdf)
    return StoredScan(media_type=media_type, sha256=sha256, size_bytes=len(data), pdf_sha256=pdf_sha256,
                      pdf_size_bytes=len(pdf), page_count=pages,
                      copy_reason=copy_reason if pdf_sha256 != sha256 else None)


def _checked_pdf(data: bytes) -> CheckedPdf:
    try:
        return check_pdf(data)
    except DocumentRefused as refused:
        code = Reason.UNREADABLE_PDF if refused.code == "broken_pdf" else Reason.REFUSED_PDF
        raise RowFailure(code, refused.code) from refused


def tiff_to_pdf(data: bytes) -> tuple[bytes, int]:
    """A PDF with one page per TIFF page, at the scan's size; (PDF, pages). Frames are decoded
    one at a time, each checked against the pixel limit of uploaded images first."""
    writer = PdfWriter()
    try:
        with Image.open(BytesIO(data), formats=["TIFF"]) as tiff:
            frames = getattr(tiff, "n_frames", 1)
            if frames > MAX_PAGES:
                raise RowFailure(Reason.UNREADABLE_TIFF, f"more than {MAX_PAGES} pages")
            for index in range(frames):
                tiff.seek(index)
                width, height = tiff.size
                if width * height > images.MAX_PIXELS:
                    raise RowFailure(Reason.UNREADABLE_TIFF,
                                     f"page {index + 1} is larger than {images.MAX_MEGAPIXELS} megapixels")
                tiff.load()
                writer.add_page(PdfReader(BytesIO(_page_pdf(tiff))).pages[0])
    except RowFailure:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise RowFailure(Reason.UNREADABLE_TIFF, f"larger than {images.MAX_MEGAPIXELS} megapixels") from exc
    except Exception as exc:  # decoders raise OSError, SyntaxError, ValueError, struct.error...
        raise RowFailure(Reason.UNREADABLE_TIFF, f"the TIFF could not be read ({exc.__class__.__name__})") from exc
    out = BytesIO()
    writer.write(out)
    return out.getvalue(), frames


def _page_pdf(frame: Image.Image) -> bytes:
    dpi = _dpi(frame.info.get("dpi"))
    pixels = frame if frame.mode in _PDF_MODES else _flattened(frame)
    out = BytesIO()
    # No dates: the same TIFF gives the same PDF, so a rerun stores nothing new.
    pixels.save(out, "PDF", dpi=dpi, creationDate=None, modDate=None)
    return out.getvalue()


def _dpi(value) -> tuple[float, float]:
    try:
        x, y = (float(v) for v in value)
    except (TypeError, ValueError):
        return DEFAULT_DPI, DEFAULT_DPI
    low, high = _PLAUSIBLE_DPI
    if not (low <= x <= high and low <= y <= high):
        return DEFAULT_DPI, DEFAULT_DPI
    return x, y


__all__ = ["StoredScan", "TIFF", "check_and_store", "read_scan", "tiff_to_pdf"]
