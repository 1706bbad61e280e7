"""Delivering the outbox by SMTP.

Rows are claimed one at a time with `SELECT … FOR UPDATE SKIP LOCKED` and committed after
each mail: several workers on PostgreSQL never send the same row, and a crash between the
SMTP hand-over and the commit resends at most that one mail (with the same Message-ID, so
the receiving side can tell). SQLite ignores the lock clause; it has a single writer, so run
one worker there.

An outage of the mail server loses nothing: the row stays pending and is retried with
back-off (1, 2, 4 … minutes, at most 60) until SmtpSettings.max_attempts is reached.
Temporary: no connection, timeout, TLS or login trouble, any 4xx, our own sender refused.
Permanent (failed at once): a 5xx for the recipient or the message, an attachment missing
from storage (a mail never goes out without its attachment).

A PDF attachment queued as HTML (outbox.pdf_made_when_sent: the booking confirmation) is rendered
here, before the first attempt; the row then names the PDF, so a retry sends the same file. A
rendering that fails is retried like an unreachable server.
"""
from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.config import SmtpSettings
from portal.documents.storage import DocumentStorage
from portal.domain.office_time import aware
from portal.models._types import utcnow
from portal.models.mail import OutboundMail, OutboundMailStatus
from portal.observability.logs import request_id_bound

log = logging.getLogger(__name__)

SMTP_TIMEOUT = 30  # seconds, per network operation
MAX_BACKOFF = timedelta(minutes=60)
_MAX_ERROR_LENGTH = 500


@dataclass(frozen=True)
class SendReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0

    def __str__(self) -> str:
        return f"sent {self.sent}, retried {self.retried}, failed {self.failed}"

    def __bool__(self) -> bool:  # false for a round with nothing to do (the worker stays quiet)
        return bool(self.sent or self.retried or self.failed)


class _Permanent(Exception):
    """This mail can never be sent as it is (refused recipient, missing attachment)."""


class _Temporary(Exception):
    """Try this mail again later. `stop_round`: the server is unusable for now, so the
    remaining mail waits for the next round instead of each running into the same error."""

    def __init__(self, message: str, *, stop_round: bool = False):
        super().__init__(message)
        self.stop_round = stop_round


def send_due_mail(session: Session, storage: DocumentStorage, smtp: SmtpSettings, sender: str, *,
                  now: datetime | None = None, limit: int = 50, dev_mailbox: Path | None = None) -> SendReport:
    """Send up to `limit` pending mails that are due at `now` (default: the current time)
    through the server `smtp`, From: `sender` (the office's PORTAL_MAIL_FROM); in development
    into the Maildir `dev_mailbox` instead, when one is set (portal.notify.dev_mailbox)."""
    now = _as_utc(now or utcnow())
    counts = {"sent": 0, "retried": 0, "failed": 0}
    with (_Connection(smtp) if dev_mailbox is None else _MaildirConnection(dev_mailbox)) as connection:
        for _ in range(limit):
            mail = _claim_next(session, now)
            if mail is None:
                break
            with request_id_bound(mail.request_id):
                outcome, stop = _deliver(mail, storage, sender, connection, now, smtp.max_attempts)
            session.commit()  # releases the row lock; the outcome is durable before the next mail
            counts[outcome] += 1
            if stop:
                break
    return SendReport(**counts)


def backoff(attempts: int) -> timedelta:
    """Wait after the n-th failed attempt: 1, 2, 4, 8 … minutes, capped at 60."""
    return min(timedelta(minutes=2 ** min(max(attempts - 1, 0), 10)), MAX_BACKOFF)


def _claim_next(session: Session, now: datetime) -> OutboundMail | None:
    # The longest-due row first (for new mail: the oldest), along ix_outbound_mail_due.
    query = (
        select(OutboundMail)
        .where(OutboundMail.status == OutboundMailStatus.PENDING, OutboundMail.next_attempt_at <= now)
        .order_by(OutboundMail.next_attempt_at, OutboundMail.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    return session.scalars(query).first()


def _deliver(mail: OutboundMail, storage: DocumentStorage, sender: str,
             connection: _Connection, now: datetime, max_attempts: int) -> tuple[str, bool]:
    """Try one mail and record the outcome on the row. Returns (outcome, stop this round)."""
    try:
        _make_pdfs(mail, storage)
        message = _build_message(mail, storage, sender, now)
        connection.send(message)
    except _Permanent as exc:
        _fail(mail, str(exc))
        return "failed", False
    except _Temporary as exc:
        return _retry(mail, str(exc), now, max_attempts), exc.stop_round
    except Exception as exc:  # a bug or an unforeseen error: back off rather than loop on it
        log.exception("outbound mail %s: unexpected error", mail.id)
        return _retry(mail, f"{type(exc).__name__}: {exc}", now, max_attempts), True
    mail.status = OutboundMailStatus.SENT
    mail.sent_at = now
    mail.last_error = ""
    log.info("outbound mail %s sent", mail.id)
    return "sent", False


def _retry(mail: OutboundMail, error: str, now: datetime, max_attempts: int) -> str:
    mail.attempts = (mail.attempts or 0) + 1
    if mail.attempts >= max_attempts:
        _fail(mail, f"gave up after {mail.attempts} attempts: {error}")
        return "failed"
    mail.last_error = error[:_MAX_ERROR_LENGTH]
    mail.next_attempt_at = now + backoff(mail.attempts)
    log.warning("outbound mail %s: attempt %s failed, retry at %s: %s",
                mail.id, mail.attempts, mail.next_attempt_at.isoformat(), error)
    return "retried"


def _fail(mail: OutboundMail, error: str) -> None:
    mail.status = OutboundMailStatus.FAILED
    mail.last_error = error[:_MAX_ERROR_LENGTH]
    log.error("outbound mail %s failed: %s", mail.id, error)


def _make_pdfs(mail: OutboundMail, storage: DocumentStorage) -> None:
    """Render the attachments queued as HTML and name the PDFs on the row instead."""
    if not any(item.get("made_from") for item in mail.attachments or []):
        return
    from portal.pdf.renderer import RenderError, render_pdf

    made = []
    for item in mail.attachments:
        if item.get("made_from") == "text/html":
            try:
                html = storage.read(item["sha256"]).decode("utf-8")
            except (FileNotFoundError, ValueError) as exc:
                raise _Permanent(f"the HTML of attachment {item.get('filename')!r} ({item.get('sha256')}) "
                                 "is missing from document storage; the mail was not sent") from exc
            try:
                pdf = render_pdf(html)
            except RenderError as exc:
                raise _Temporary(f"attachment {item.get('filename')!r} could not be rendered: {exc}") from exc
            item = {"sha256": storage.put(pdf), "filename": item["filename"], "media_type": "application/pdf"}
        made.append(item)
    mail.attachments = made  # a new list: the JSON column sees the change


def _build_message(mail: OutboundMail, storage: DocumentStorage, sender: str,
                  now: datetime) -> EmailMessage:
    """The MIME message of an outbox row; _Permanent when an attachment is not in storage."""
    message = EmailMessage()  # policy "default": UTF-8 encoded words for Cyrillic/Arabic headers
    message["From"] = sender
    message["To"] = mail.recipient
    message["Subject"] = mail.subject
    message["Date"] = format_datetime(now)
    message["Message-ID"] = _message_id(mail, sender)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies to this
    message.set_content(mail.body_text)
    if mail.body_html:
        message.add_alternative(mail.body_html, subtype="html")
    for item in mail.attachments or []:
        try:
            data = storage.read(item["sha256"])
        except (FileNotFoundError, ValueError) as exc:
            raise _Permanent(f"attachment {item.get('filename')!r} ({item.get('sha256')}) "
                             "is missing from document storage; the mail was not sent") from exc
        maintype, _, subtype = item.get("media_type", "application/octet-stream").partition("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=item["filename"])
    # Last: building the body moves or drops Content-* headers set before.
    message["Content-Language"] = mail.language
    return message


def _message_id(mail: OutboundMail, mail_from: str) -> str:
    # Stable per row, so that a resend after a crash carries the same id.
    domain = parseaddr(mail_from)[1].rpartition("@")[2] or "localhost"
    created = int(_as_utc(mail.created_at or utcnow()).timestamp())
    return f"<outbox.{mail.id}.{created}@{domain}>"


def _as_utc(value: datetime) -> datetime:
    return aware(value).astimezone(timezone.utc)


class _Connection:
    """One SMTP connection per batch, opened when the first mail is ready to go."""

    def __init__(self, settings: SmtpSettings):
        self.settings = settings
        self.smtp: smtplib.SMTP | None = None

    def __enter__(self) -> _Connection:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def send(self, message: EmailMessage) -> None:
        try:
            if self.smtp is None:
                self.smtp = _open_smtp(self.settings)
            self.smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()))
            self._raise_for(code, text, about_this_mail=True)
        except smtplib.SMTPDataError as exc:  # the message itself refused (content, size)
            self._raise_for(exc.smtp_code, exc.smtp_error, about_this_mail=True)
        except smtplib.SMTPNotSupportedError as exc:  # raised before anything is sent
            if self.smtp is not None and not message["To"].isascii():
                raise _Permanent("the mail server does not accept non-ASCII addresses (SMTPUTF8)") from exc
            self.close()
            raise _Temporary(_describe(exc), stop_round=True) from exc
        except smtplib.SMTPSenderRefused as exc:
            # Our own sender address: a configuration problem, not this mail's.
            self._raise_for(exc.smtp_code, exc.smtp_error, about_this_mail=False)
        except (smtplib.SMTPException, OSError) as exc:  # refused, timeout, TLS, login, disconnect
            self.close()
            raise _Temporary(_describe(exc), stop_round=True) from exc

    def _raise_for(self, code: int, text: bytes | str, *, about_this_mail: bool) -> None:
        error = f"{code} {_text(text)}"
        if about_this_mail and 500 <= code < 600:
            raise _Permanent(error)
        if about_this_mail and code != 421:
            raise _Temporary(error)
        # The server is closing (421), or refuses our own sender: no use trying more this round.
        self.close()
        raise _Temporary(error, stop_round=True)

    def close(self) -> None:
        if self.smtp is None:
            return
        smtp, self.smtp = self.smtp, None
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()


class _MaildirConnection:
    """Development: "sends" into a Maildir the demo's mailbox page reads."""

    def __init__(self, path: Path):
        from portal.notify.dev_mailbox import DevMailbox

        self.mailbox = DevMailbox(path)

    def __enter__(self) -> _MaildirConnection:
        return self

    def __exit__(self, *exc_info) -> None:
        return None

    def send(self, message: EmailMessage) -> None:
        try:
            self.mailbox.deliver(message)
        except OSError as exc:
            raise _Temporary(_describe(exc), stop_round=True) from exc


def _open_smtp(settings: SmtpSettings) -> smtplib.SMTP:
    host, port, security = settings.host, settings.port, settings.security
    if security == "tls":
        smtp = smtplib.SMTP_SSL(host, port, timeout=SMTP_TIMEOUT, context=ssl.create_default_context())
    elif security in ("none", "starttls"):
        smtp = smtplib.SMTP(host, port, timeout=SMTP_TIMEOUT)
    else:
        raise ValueError(f"SMTP_SECURITY must be none, starttls or tls, not {security!r}")
    try:
        if security == "starttls":
            smtp.starttls(context=ssl.create_default_context())
        if settings.user:
            smtp.login(settings.user, settings.password)
    except BaseException:
        smtp.close()
        raise
    return smtp


def _describe(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {_text(exc.smtp_error)}"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
