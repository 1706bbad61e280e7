"""When a message is a copy of one taken in before.

The very same bytes again (a re-fetch after a crash) are known by their sha256 before anything
else (process.take_in). A copy with other bytes (delivered twice over two relays, each adding
its Received, DKIM and spam-score fields) is a duplicate when it has the same Message-ID *and*
the same content. A Message-ID alone is not enough: it is only a claim of the sending program,
and some programs reuse them (a message edited and sent again, broken generators, a forger),
so a different message under a known Message-ID would otherwise be dropped and live only in
the raw mail. Such a message is taken in as a new one, with a note for the caseworker.

"The same content" is what the office files, decoded: the sender's text and the forwarded
text (whitespace-normalised, so a relay that re-encodes the body or changes line ends does not
count) and the bytes of every attachment, in order. Not the header: relays add fields, and
list servers or virus scanners tag the Subject.
"""
from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.intake.email.parse import ParsedMail, parse_message
from portal.models import InboundMail, InboundMailStatus, Submission

_TAKEN_IN = (InboundMailStatus.PROCESSED, InboundMailStatus.DUPLICATE)


def content_digest(parsed: ParsedMail) -> str:
    digest = hashlib.sha256()
    for text in (parsed.text, parsed.forwarded_text):
        digest.update(" ".join(text.split()).encode("utf-8", "surrogatepass"))
        digest.update(b"\x00")
    for attachment in parsed.attachments:
        digest.update(hashlib.sha256(attachment.data).digest())
    return digest.hexdigest()


def dedup_key(message_id: str | None, raw: bytes, content: str = "") -> str:
    """The submission's idempotency key: the same Message-ID (in any spelling of case and
    brackets) with the same content or, without a Message-ID, the same bytes give the same
    key. 64 characters, the column."""
    if message_id:
        basis = f"id:{message_id.strip().lower()}\ncontent:{content}".encode()
    else:
        basis = b"raw:" + raw
    return "email:" + hashlib.sha256(basis).hexdigest()[:58]


def earlier_copy(session: Session, mail: InboundMail) -> Submission | None:
    """The submission of an earlier message with the same key (Message-ID and content, or bytes)."""
    earlier = session.scalar(
        select(InboundMail).where(InboundMail.dedup_key == mail.dedup_key, InboundMail.id != mail.id,
                                  InboundMail.status.in_(_TAKEN_IN), InboundMail.submission_id.is_not(None))
        .order_by(InboundMail.id).limit(1))
    if earlier is not None:
        return earlier.submission
    return session.scalar(select(Submission).where(Submission.idempotency_key == mail.dedup_key))


def same_id_other_content(session: Session, storage, mail: InboundMail, content: str) -> tuple[Submission | None,
                                                                                                list[int]]:
    """Earlier messages with the same Message-ID: (the submission of one with the same content,
    the ids of those with other content). Messages taken in before content digests were kept
    are read again from storage to compare."""
    if not mail.message_id:
        return None, []
    others = session.scalars(
        select(InboundMail).where(InboundMail.message_id == mail.message_id, InboundMail.id != mail.id,
                                  InboundMail.status.in_(_TAKEN_IN), InboundMail.submission_id.is_not(None))
        .order_by(InboundMail.id)).all()
    differing = []
    for other in others:
        theirs = (other.details or {}).get("content_digest") or _digest_from_storage(storage, other)
        if theirs == content:
            return other.submission, []
        differing.append(other.id)
    return None, differing


def _digest_from_storage(storage, mail: InboundMail) -> str:
    try:
        return content_digest(parse_message(storage.read(mail.sha256)))
    except Exception:  # gone or unreadable: it cannot be shown to be the same
        return ""
