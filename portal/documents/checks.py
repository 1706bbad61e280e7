"""Accepting an upload: size, virus scan (clamd), type by content, per-type checks, clean-up,
storage.

Nothing is stored unless every check has passed. The original is stored with, where the case
file needs another form of it, a PDF copy beside it (an image as PDF; a PDF without password
protection or form scripts).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

from portal.config import VirusScanSettings
from portal.documents import antivirus, refusals
from portal.documents.filenames import safe_filename
from portal.documents.images import prepare_image
from portal.documents.pdfs import check_pdf
from portal.documents.refusals import DocumentRefused
from portal.documents.sniff import PDF, sniff
from portal.documents.storage import DocumentStorage
from portal.models.document import CopyReason

__all__ = ["AcceptedFile", "DocumentRefused", "accept_scanned", "accept_upload", "sniff"]


@dataclass(frozen=True)
class AcceptedFile:
    filename: str  # safe display name
    media_type: str  # sniffed type of the original
    sha256: str  # stored original; images re-encoded without metadata
    size_bytes: int
    pdf_sha256: str  # the PDF for the case file; the original itself for most PDFs
    pdf_size_bytes: int
    page_count: int
    copy_reason: CopyReason | None = None  # why the case file's PDF is not the original


def accept_upload(storage: DocumentStorage, data: bytes, filename: str, *, max_bytes: int,
                  virus_scan: VirusScanSettings) -> AcceptedFile:
    """Check an upload (clamd first, portal.documents.antivirus) and store it (and its PDF);
    raises DocumentRefused."""
    check_size(data, max_bytes)
    return accept_scanned(storage, data, filename, max_bytes=max_bytes,
                          verdict=antivirus.require_clean(virus_scan, data))


def check_size(data: bytes, max_bytes: int) -> None:
    if len(data) > max_bytes:
        raise refusals.too_large(max_bytes)
    if not data:
        raise refusals.empty()


def accept_scanned(storage: DocumentStorage, data: bytes, filename: str, *, max_bytes: int,
                   verdict: antivirus.Verdict) -> AcceptedFile:
    """accept_upload() for a file scanned before (a mail's attachments are all scanned before
    any is stored); `verdict` is require_clean()'s for these very bytes."""
    if verdict.sha256 != hashlib.sha256(data).hexdigest():
        raise ValueError("the virus scan's verdict is about other bytes")
    check_size(data, max_bytes)
    media_type = sniff(data)
    if media_type is None:
        raise refusals.unsupported_type()

    if media_type == PDF:
        checked = check_pdf(data)
        original, page_count, copy_reason = data, checked.page_count, checked.copy_reason  # kept as uploaded
        # Without password protection or form scripts where it had them; otherwise the PDF itself.
        pdf = checked.readable_copy if checked.readable_copy is not None else original
    else:
        prepared = prepare_image(data, media_type)
        original, pdf, page_count = prepared.original, prepared.pdf, 1
        copy_reason = CopyReason.IMAGE_TO_PDF

    sha256 = storage.put(original)
    pdf_sha256 = sha256 if pdf is original else storage.put(pdf)
    return AcceptedFile(
        filename=safe_filename(filename, media_type),
        media_type=media_type,
        sha256=sha256,
        size_bytes=len(original),
        pdf_sha256=pdf_sha256,
        pdf_size_bytes=len(pdf),
        page_count=page_count,
        copy_reason=copy_reason if pdf_sha256 != sha256 else None,
    )
