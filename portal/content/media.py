"""Images and PDF leaflets for content: through the same checks as every upload.

Images are re-encoded without metadata and PDFs refused when encrypted, active or broken
(portal.documents.checks). HEIC photos are refused here: browsers cannot show them.
"""
from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy.orm import Session

from portal.audit import record
from portal.config import VirusScanSettings
from portal.documents.antivirus import record_found
from portal.documents.checks import DocumentRefused, accept_upload
from portal.documents.refusals import VIRUS_FOUND
from portal.documents.sniff import HEIC, sniff
from portal.documents.storage import DocumentStorage
from portal.models import StaffUser
from portal.models.content import ContentMedia

SHOWN_INLINE = {"image/jpeg", "image/png", "application/pdf"}


class MediaRefused(Exception):
    def __init__(self, code: str, message=None):
        super().__init__(code)
        self.code = code
        self.message = message


def store_media(session: Session, storage: DocumentStorage, data: bytes, filename: str, *,
                staff: StaffUser, now: datetime, max_bytes: int, virus_scan: VirusScanSettings,
                client_address: str = "") -> ContentMedia:
    """Check (clamd first), store and register an upload, with its audit entry; raises
    MediaRefused (with the document check's message when the checks refuse; a file with malware
    is recorded in the audit trail). The caller commits, also after a refusal."""
    if sniff(data) == HEIC:
        raise MediaRefused("not_for_web")  # before storing anything
    try:
        accepted = accept_upload(storage, data, filename, max_bytes=max_bytes, virus_scan=virus_scan)
    except DocumentRefused as exc:
        if exc.code == VIRUS_FOUND:
            record_found(session, exc, channel="content", staff=staff, client_address=client_address,
                         object_type="content_media", filename=filename)
        raise MediaRefused(exc.code, exc.message) from exc
    if accepted.media_type not in SHOWN_INLINE:
        raise MediaRefused("not_for_web")
    media = ContentMedia(token=secrets.token_urlsafe(12), sha256=accepted.sha256, media_type=accepted.media_type,
                         filename=accepted.filename, size_bytes=accepted.size_bytes, created_at=now,
                         created_by_id=staff.id)
    session.add(media)
    session.flush()
    record(session, "content_media_upload", staff=staff, object_type="content_media", object_id=media.id,
           client_address=client_address, detail={"type": media.media_type, "sha256": media.sha256})
    return media


def markdown_reference(media: ContentMedia) -> str:
    """What an editor pastes into the text."""
    if media.media_type.startswith("image/"):
        return f"![{media.filename}](media:{media.token})"
    return f"[{media.filename}](media:{media.token})"
