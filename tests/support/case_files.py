"""Documents of a case file made directly in the database (with their bytes in storage), for
the case-file view, export and retention tests."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select

from portal.config import settings_of
from portal.models import CaseFile, Document

FILE = "WZ-2022-00017"  # the Wetzlar file of the case_files fixture


def utc(year, month, day, hour=10) -> datetime:
    return datetime(year, month, day, hour, tzinfo=timezone.utc)


def storage_of(app):
    from portal.documents.storage import DocumentStorage

    return DocumentStorage(settings_of(app).storage_dir)


def add_document(app, session, case_file_id, *, content: bytes, media_type="application/pdf", title="",
                 document_date=None, received_at=None, source="scan", derived_from=None, submission_id=None,
                 page_count=None, store=True) -> Document:
    """A document of a case file, its bytes in storage (unless store=False: missing)."""
    import hashlib

    digest = storage_of(app).put(content) if store else hashlib.sha256(content).hexdigest()
    document = Document(sha256=digest, size_bytes=len(content), media_type=media_type, original_filename=title,
                        title=title, kind="other", document_date=document_date, source=source,
                        case_file_id=case_file_id, submission_id=submission_id,
                        derived_from_id=derived_from.id if derived_from else None,
                        received_at=received_at or utc(2024, 1, 1), page_count=page_count)
    session.add(document)
    session.commit()
    return document


def file_id(session, number=FILE) -> int:
    return session.scalar(select(CaseFile.id).where(CaseFile.file_number == number))
