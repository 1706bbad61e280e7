"""Which rows point at stored files: one list for retention, the consistency check and backups.

A column that holds the digest of a stored file belongs in `stored_file_columns`; a column named
like a digest that does not (a checksum announced by a sender, say) goes into NOT_STORED with the
reason. A test fails for every `*sha256` column in neither list, so no new feature forgets it.
"""
from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import String, cast, exists, select
from sqlalchemy.orm import Session

# "table.column": why it is not a reference to a stored file.
NOT_STORED: dict[str, str] = {
    "scan_batch_row.sha256": "the checksum the scan index announces; an imported row reaches its stored "
                             "file through its document",
}


def stored_file_columns() -> list:
    from portal.models import AnswerUpload, ContentMedia, Document, DraftUpload, InboundMail, Submission

    return [Document.sha256, DraftUpload.sha256, DraftUpload.pdf_sha256, AnswerUpload.sha256, AnswerUpload.pdf_sha256,
            Submission.receipt_sha256, Submission.receipt_html_sha256, InboundMail.sha256, ContentMedia.sha256]


def attachment_list_columns() -> list:
    """JSON lists of {"sha256": ...} objects (mail attachments)."""
    from portal.models import OutboundMail

    return [OutboundMail.attachments]


def is_referenced(session: Session, digest: str) -> bool:
    conditions = [exists().where(column == digest) for column in stored_file_columns()]
    # The digest is unique enough to find it in the JSON text.
    conditions += [exists().where(cast(column, String).contains(digest)) for column in attachment_list_columns()]
    return any(session.scalar(select(condition)) for condition in conditions)


def referenced_digests(session: Session) -> Iterator[tuple[str, str]]:
    """Every (digest, "table.column") that a row refers to; streamed, with repeats."""
    for column in stored_file_columns():
        where = f"{column.class_.__tablename__}.{column.key}"
        for digest in session.scalars(select(column).where(column.is_not(None))
                                      .execution_options(yield_per=5000)):
            yield digest, where
    for column in attachment_list_columns():
        where = f"{column.class_.__tablename__}.{column.key}"
        for items in session.scalars(select(column).execution_options(yield_per=1000)):
            for item in items or []:
                if isinstance(item, dict) and item.get("sha256"):
                    yield item["sha256"], where


def remove_unreferenced(session: Session, storage, digests) -> int:
    """Delete stored files that no row refers to, each checked once more just before (an upload
    of the same content may have committed meanwhile); returns how many went."""
    removed = 0
    for digest in digests:
        if is_referenced(session, digest):
            continue
        try:
            storage.path(digest).unlink()
            removed += 1
        except FileNotFoundError:
            pass
    return removed
