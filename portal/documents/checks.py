"""Accepting an upload: size, type by content, per-type checks, clean-up, storage.

Nothing is stored unless every check has passed.
"""
from __future__ import annotations

from dataclasses import dataclass

from portal.documents import refusals
from portal.documents.filenames import safe_filename
from portal.documents.images import prepare_image
from portal.documents.pdfs import check_pdf
from portal.documents.refusals import DocumentRefused
from portal.documents.sniff import PDF, sniff
from portal.documents.storage import DocumentStorage

__all__ = ["AcceptedFile", "DocumentRefused", "accept_upload", "sniff"]


@dataclass(frozen=True)
class AcceptedFile:
    filename: str  # safe display name
    media_type: str  # sniffed type of the original
    sha256: str  # stored original; images re-encoded without metadata
    size_bytes: int
    pdf_sha256: str  # the PDF for the case file; the original itself for PDFs
    pdf_size_bytes: int
    page_count: int


def accept_upload(storage: DocumentStorage, data: bytes, filename: str, *, max_bytes: int) -> AcceptedFile:
    """Check an upload and store it (and its PDF); raises DocumentRefused."""
    if len(data) > max_bytes:
        raise refusals.too_large(max_bytes)
    if not data:
        raise refusals.empty()
    media_type = sniff(data)
    if media_type is None:
        raise refusals.unsupported_type()

    if media_type == PDF:
        page_count = check_pdf(data)
        original = pdf = data  # kept as uploaded
    else:
        prepared = prepare_image(data, media_type)
        original, pdf, page_count = prepared.original, prepared.pdf, 1

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
    )
