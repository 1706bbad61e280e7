"""One message in: stored as it came, recorded, then understood.

1. The raw bytes go into document storage and an InboundMail row (status "received") is
   committed before anything else, so that nothing can be lost after this point: a crash
   leaves a received row that the back office shows and can process again.
2. process() reads the stored bytes and decides in a second transaction: quarantine (too
   large, unreadable, winmail.dat, a refused attachment — with the reason), duplicate (the
   same Message-ID and content, or the same bytes, as an earlier message: duplicates.py), or
   a submission through intake.receive() (idempotency key "email:" + hash), or documents
   added to the submission whose reference the message names, if it comes from that
   submission's applicant (follow_ups.py), the mail then joining the conversation on it
   (conversation_replies.py). Then the acknowledgement, through the outbox.

Every function here commits; the caller gives a session, the app context (for translations)
and the e-mail channel's settings (portal.config.MailSettings: limits, the office, auto-attach).
"""
from __future__ import annotations

import copy
import hashlib
import logging
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.audit import record
from portal.config import MailSettings
from portal.documents.storage import DocumentStorage
from portal.intake.email import conversation_replies, duplicates, follow_ups
from portal.intake.email import understanding as meaning
from portal.intake.email.duplicates import dedup_key
from portal.intake.email.finding import find_file_numbers, find_references
from portal.intake.email.language import detect_language
from portal.intake.email.parse import SHOWN_HEADERS, ParsedMail, parse_message
from portal.intake.email.replies import acknowledge
from portal.intake.email.text import bounded
from portal.intake.pipeline import receive
from portal.models import InboundMail, InboundMailSource, InboundMailStatus
from portal.models._types import utcnow
from portal.observability import counters

log = logging.getLogger(__name__)

MAX_STORED_TEXT = 20_000  # the text kept with the mail for the detail page
# Reason codes (the back office shows a label for each; the detail is in quarantine_reason).
TOO_LARGE, UNREADABLE, TNEF, REFUSED_ATTACHMENT, TOO_COMPLEX, PROCESSING_ERROR = (
    "too_large", "unreadable", "tnef", "refused_attachment", "too_complex", "processing_error")
# clamd found malware in the message or an attachment (quarantined, its raw message is not
# handed out); clamd could not scan it (still "received": processed again later).
VIRUS_FOUND, AWAITING_SCAN = "virus_found", "awaiting_scan"


@dataclass
class Outcome:
    mail_id: int
    status: str
    reason_code: str = ""
    reason: str = ""
    reference: str | None = None  # of the submission it made or joined
    created: bool = False  # a new submission was made
    known_before: bool = False  # these very bytes had been taken in before (a re-fetch)
    acknowledged: bool = False


def take_in(session: Session, storage: DocumentStorage, raw: bytes, *, source: InboundMailSource,
            settings: MailSettings, source_detail: str = "") -> Outcome:
    """Store, record and process one raw message (bytes exactly as received)."""
    digest = hashlib.sha256(raw).hexdigest()
    known = _known(session, digest)
    if known is not None:
        if known.status == InboundMailStatus.RECEIVED:  # recorded, then interrupted: finish it
            outcome = process(session, storage, session.get(InboundMail, known.mail_id), settings)
            outcome.known_before = True
            return outcome
        return known
    storage.put(raw)
    mail = InboundMail(sha256=digest, size_bytes=len(raw), source=source, source_detail=source_detail[:500],
                       status=InboundMailStatus.RECEIVED, received_at=utcnow(), details={})
    _summarise(mail, _header_summary(raw))
    session.add(mail)
    try:
        session.commit()
    except IntegrityError:  # another process took in the same bytes a moment ago
        session.rollback()
        known = _known(session, digest)
        if known is None:
            raise
        return known
    return process(session, storage, mail, settings)


def take_in_oversized(session: Session, storage: DocumentStorage, header: bytes, size: int, *,
                      source: InboundMailSource, settings: MailSettings, source_detail: str = "") -> Outcome:
    """A message above the limit whose body was not fetched: its header is stored and recorded
    (quarantined as too large); the message itself stays on the server."""
    digest = hashlib.sha256(header).hexdigest()
    known = _known(session, digest)
    if known is not None:
        return known
    storage.put(header)
    mail = InboundMail(sha256=digest, size_bytes=size, headers_only=True, source=source,
                       source_detail=source_detail[:500], status=InboundMailStatus.RECEIVED, received_at=utcnow(),
                       details={})
    _summarise(mail, _header_summary(header))
    mail.dedup_key = dedup_key(mail.message_id, header)
    _quarantine(mail, TOO_LARGE, _too_large_text(size, settings.max_bytes))
    session.add(mail)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        known = _known(session, digest)
        if known is None:
            raise
        return known
    counters.MAILS_TAKEN_IN.labels(outcome=InboundMailStatus.QUARANTINED.value).inc()
    return _outcome(mail)


def _known(session: Session, digest: str) -> Outcome | None:
    mail = session.scalar(select(InboundMail).where(InboundMail.sha256 == digest))
    if mail is None:
        return None
    outcome = _outcome(mail)
    outcome.known_before = True
    return outcome


def _outcome(mail: InboundMail, *, created: bool = False, acknowledged: bool = False) -> Outcome:
    return Outcome(mail_id=mail.id, status=mail.status, reason_code=mail.reason_code, reason=mail.quarantine_reason,
                   reference=mail.submission.reference if mail.submission is not None else None,
                   created=created, acknowledged=acknowledged)


def process(session: Session, storage: DocumentStorage, mail: InboundMail, settings: MailSettings) -> Outcome:
    """Decide what a recorded message becomes; commits. Safe to call again (process again)."""
    mail_id = mail.id
    for attempt in range(2):
        try:
            outcome = _process(session, storage, mail, settings)
            session.commit()
            counters.MAILS_TAKEN_IN.labels(outcome=_counted(outcome)).inc()
            return outcome
        except IntegrityError:
            # The same message through another process at the same moment: the second round
            # finds the first one's submission as a duplicate.
            session.rollback()
            mail = session.get(InboundMail, mail_id)
            if attempt:
                raise
        except Exception as exc:
            session.rollback()
            log.exception("inbound mail %s could not be processed", mail_id)
            mail = session.get(InboundMail, mail_id)
            _quarantine(mail, PROCESSING_ERROR, f"{type(exc).__name__}: {exc}"[:2000])
            mail.processed_at = utcnow()
            session.commit()
            counters.MAILS_TAKEN_IN.labels(outcome=InboundMailStatus.QUARANTINED.value).inc()
            return _outcome(mail)
    raise AssertionError("unreachable")


def _counted(outcome: Outcome) -> str:
    return AWAITING_SCAN if outcome.reason_code == AWAITING_SCAN else str(outcome.status)


def waiting_for_scan(session: Session) -> list[int]:
    """The messages kept because clamd could not scan them, oldest first."""
    return list(session.scalars(
        select(InboundMail.id).where(InboundMail.status == InboundMailStatus.RECEIVED,
                                     InboundMail.reason_code == AWAITING_SCAN)
        .order_by(InboundMail.received_at, InboundMail.id)))


def process_waiting(session: Session, storage: DocumentStorage, settings: MailSettings, *,
                    limit: int = 50) -> tuple[int, int]:
    """Process again (at most `limit` of) the messages that wait for the virus scanner, when
    clamd answers; (processed now, still waiting). Commits."""
    from portal.documents import antivirus

    waiting = waiting_for_scan(session)
    if not waiting:
        return 0, 0
    try:
        antivirus.ping(settings.virus_scan)
    except antivirus.ScannerUnreachable:
        return 0, len(waiting)
    done = 0
    for mail_id in waiting[:limit]:
        outcome = process(session, storage, session.get(InboundMail, mail_id), settings)
        if outcome.reason_code == AWAITING_SCAN:
            break  # clamd went away again
        done += 1
    return done, len(waiting) - done


def _process(session: Session, storage: DocumentStorage, mail: InboundMail, settings: MailSettings) -> Outcome:
    now = utcnow()
    mail.processed_at = now
    mail.reason_code, mail.quarantine_reason = "", ""
    if mail.headers_only:
        _quarantine(mail, TOO_LARGE, _too_large_text(mail.size_bytes, settings.max_bytes))
        return _outcome(mail)
    raw = storage.read(mail.sha256)
    parsed = parse_message(raw)
    _summarise(mail, parsed)
    content = duplicates.content_digest(parsed)
    mail.dedup_key = dedup_key(parsed.message_id, raw, content)
    mail.details = {**_details(parsed), "content_digest": content}
    if len(raw) > settings.max_bytes:
        _quarantine(mail, TOO_LARGE, _too_large_text(len(raw), settings.max_bytes))
        return _outcome(mail)
    if parsed.unreadable:
        _quarantine(mail, UNREADABLE, parsed.unreadable)
        return _outcome(mail)

    first = duplicates.earlier_copy(session, mail)
    reused = []
    if first is None:
        first, reused = duplicates.same_id_other_content(session, storage, mail, content)
    if first is not None:
        mail.status = InboundMailStatus.DUPLICATE
        mail.submission = first
        mail.language = first.language
        return _outcome(mail)
    if reused:  # others' Message-ID with other content: a new message, and the caseworker is told
        mail.details = {**mail.details, "message_id_reused_by": reused}
    if parsed.too_complex:
        _quarantine(mail, TOO_COMPLEX, "more than 12 levels or 500 parts")
        return _outcome(mail)
    if parsed.tnef:
        _quarantine(mail, TNEF, ", ".join(parsed.tnef))
        return _outcome(mail)

    # A copy: the stored dict must not change in place (the ORM would not see it).
    details = copy.deepcopy(mail.details)
    try:
        scanned = meaning.scan_message(raw, parsed, settings.max_file_bytes, details, settings.virus_scan)
    except meaning.AwaitingScan as waiting:
        # Nothing of it is filed unscanned: it stays "received", stored as it came, and the
        # worker processes it again once clamd answers.
        mail.reason_code, mail.quarantine_reason = AWAITING_SCAN, str(waiting)[:2000]
        return _outcome(mail)
    if scanned.infected:
        mail.details = details
        _quarantine(mail, VIRUS_FOUND, "\n".join(scanned.infected))
        record(session, "virus_found", staff=None, object_type="inbound_mail", object_id=mail.id,
               detail={"channel": "email", "found": scanned.infected[:20], "sha256": mail.sha256})
        return _outcome(mail)
    stored, refused, portal_form = meaning.store_attachments(storage, parsed, settings.max_file_bytes, details,
                                                             scanned)
    mail.details = details
    if refused:
        _quarantine(mail, REFUSED_ATTACHMENT, "\n".join(refused))
        return _outcome(mail)

    language = detect_language(f"{parsed.subject}\n{parsed.text}")
    mail.language = language
    named = follow_ups.named_submissions(session, find_references(parsed.subject, parsed.full_text))
    target = follow_ups.own_submission(named, parsed.sender_address)
    if target is None and named:
        # Another sender: a new submission, nothing taken from the named one, and the answer
        # the same as for a reference that does not exist (follow_ups.py).
        mail.details = {**mail.details, follow_ups.NAMED_REFERENCE: {"reference": named[0].reference}}
    joined = target is not None and meaning.is_open(target)
    if joined:
        meaning.add_to_submission(session, storage, target, stored, parsed.sent_at, now)
        conversation_replies.add_reply(session, target, mail, parsed.text, len(stored), now,
                                       notify=settings.office if settings.requests.notify_by_mail else None)
        submission, status_code, created = target, None, False
    else:
        # A new submission, linked by the intake to the case file the message is about, if any.
        file_numbers = find_file_numbers(parsed.subject, parsed.full_text)
        case_file = target.case_file if target is not None else None
        case_file = case_file or meaning.case_file_by_number(session, file_numbers)
        draft = meaning.build_draft(
            parsed, language=language, files=stored, portal_form=portal_form,
            file_number=case_file.file_number if case_file is not None else "", idempotency_key=mail.dedup_key)
        result = receive(session, storage, draft, matching=settings.matching)
        submission, status_code, created = result.submission, result.status_code, result.created
    mail.submission = submission
    if not (created or joined):  # receive() found the submission of the same key: a copy
        mail.status = InboundMailStatus.DUPLICATE
        return _outcome(mail)
    mail.status = InboundMailStatus.PROCESSED
    acknowledged = acknowledge(session, mail, parsed, submission, status_code, settings, now)
    return _outcome(mail, created=created, acknowledged=acknowledged)


# -- recording -----------------------------------------------------------------------------------
def _header_summary(raw: bytes) -> ParsedMail:
    """Sender, subject, date and Message-ID from the header alone (cheap, for the first row)."""
    end = raw.find(b"\r\n\r\n")
    end = raw.find(b"\n\n") if end < 0 else end
    return parse_message(raw if end < 0 else raw[: end + 2])


def _summarise(mail: InboundMail, parsed: ParsedMail) -> None:
    mail.message_id = parsed.message_id
    mail.sender = parsed.sender_address[:254]
    mail.sender_name = parsed.sender_name[:200]
    mail.subject = parsed.subject[:998]
    mail.sent_at = parsed.sent_at


def _details(parsed: ParsedMail) -> dict:
    headers = [[name, value[:2000]] for name in SHOWN_HEADERS for value in parsed.headers.get(name, [])]
    return {
        "headers": headers,
        "content_type": parsed.content_type,
        "text": bounded(parsed.full_text, MAX_STORED_TEXT),
        "attachments": [{"filename": a.filename, "media_type": a.media_type, "size": len(a.data),
                         "inline": a.inline, "forwarded": a.forwarded, "outcome": "pending"}
                        for a in parsed.attachments],
        "ignored": parsed.ignored,
        "tnef": parsed.tnef,
        "problems": parsed.problems[:50],
        "unreadable_parts": parsed.unreadable_parts[:50],
    }


def _quarantine(mail: InboundMail, code: str, reason: str) -> None:
    mail.status = InboundMailStatus.QUARANTINED
    mail.reason_code = code
    mail.quarantine_reason = reason
    mail.submission_id = None


def _too_large_text(size: int, limit: int) -> str:
    return f"{size / 1048576:.1f} MB > {limit / 1048576:.1f} MB (PORTAL_MAIL_MAX_BYTES)"
