"""One file of a hand-over: the checks every channel's files get (size, clamd, type by content,
PDF without active content, images and TIFF scans decodable within the pixel limit), then stored.

A file from another authority is kept as delivered, like a scan provider's TIFF: it is that
office's record, and its SHA-256 is what the message vouches for. The case file reads a PDF: the
file itself (a PDF that needs no copy), the reading copy the package brings beside it (the
portal's own packages), or one made here (an image or TIFF as PDF; a PDF's copy without password
protection or form scripts), as the other channels do.
"""
from __future__ import annotations

from dataclasses import dataclass

from portal.config import VirusScanSettings
from portal.documents import antivirus
from portal.documents.checks import check_size
from portal.documents.images import prepare_image
from portal.documents.pdfs import check_pdf
from portal.documents.refusals import SCANNER_UNAVAILABLE, VIRUS_FOUND, DocumentRefused
from portal.documents.sniff import PDF, TIFF, sniff, sniff_scan
from portal.documents.storage import DocumentStorage
from portal.intake.scans.files import tiff_to_pdf
from portal.intake.scans.index import RowFailure
from portal.models.document import CopyReason


class FileRefused(ValueError):
    """`reason` in words for the answer and the log; `virus` when clamd found malware."""

    def __init__(self, name: str, reason: str, virus: DocumentRefused | None = None):
        super().__init__(f"{name}: {reason}")
        self.name = name
        self.reason = reason
        self.virus = virus


@dataclass(frozen=True)
class StoredFile:
    media_type: str
    sha256: str
    size_bytes: int
    pdf_sha256: str
    pdf_size_bytes: int
    page_count: int
    copy_reason: CopyReason | None = None


def _scanned(name: str, data: bytes, virus_scan: VirusScanSettings, max_bytes: int) -> None:
    try:
        check_size(data, max_bytes)
        antivirus.require_clean(virus_scan, data)
    except DocumentRefused as refused:
        if refused.code == VIRUS_FOUND:
            raise FileRefused(name, f"malware found by the virus scanner ({refused.detail})", refused) from None
        if refused.code == SCANNER_UNAVAILABLE:
            raise FileRefused(name, f"the virus scanner could not scan it ({refused.detail}); try again later") from None
        raise FileRefused(name, refused.code.replace("_", " ")) from None


def check_and_store(storage: DocumentStorage, data: bytes, name: str, *, virus_scan: VirusScanSettings,
                    max_bytes: int, copy_delivered: bool = False) -> StoredFile:
    """Check a delivered file and store it (and the PDF the case file reads); FileRefused.
    `copy_delivered`: the package brings the reading copy (check_reading_copy): none is stored here."""
    _scanned(name, data, virus_scan, max_bytes)
    media_type = sniff(data) or sniff_scan(data)
    try:
        if media_type == PDF:
            checked = check_pdf(data)
            pdf, pages, reason = checked.readable_copy or data, checked.page_count, checked.copy_reason
        elif media_type == TIFF:
            (pdf, pages), reason = tiff_to_pdf(data), CopyReason.IMAGE_TO_PDF
        elif media_type is not None:
            pdf, pages, reason = prepare_image(data, media_type).pdf, 1, CopyReason.IMAGE_TO_PDF
        else:
            raise FileRefused(name, "not a PDF, JPEG, PNG, HEIC or TIFF file by its content")
    except DocumentRefused as refused:
        raise FileRefused(name, f"refused by the document checks ({refused.code})") from None
    except RowFailure as failure:
        raise FileRefused(name, f"refused by the document checks ({failure.detail})") from None
    sha256 = storage.put(data)
    if copy_delivered:
        pdf = data
    pdf_sha256 = sha256 if pdf is data else storage.put(pdf)
    return StoredFile(media_type, sha256, len(data), pdf_sha256, len(pdf), pages,
                      reason if pdf_sha256 != sha256 else None)


def check_reading_copy(storage: DocumentStorage, data: bytes, name: str, *, virus_scan: VirusScanSettings,
                       max_bytes: int) -> StoredFile:
    """The PDF a package brings beside an original for the case file to read: checked like any
    file, and it must be readable as it is (no password, no scripts)."""
    _scanned(name, data, virus_scan, max_bytes)
    if sniff(data) != PDF:
        raise FileRefused(name, "the reading copy is not a PDF")
    try:
        checked = check_pdf(data)
    except DocumentRefused as refused:
        raise FileRefused(name, f"refused by the document checks ({refused.code})") from None
    if checked.readable_copy is not None:
        raise FileRefused(name, "the reading copy is protected or carries form scripts")
    sha256 = storage.put(data)
    return StoredFile(PDF, sha256, len(data), sha256, len(data), checked.page_count)

