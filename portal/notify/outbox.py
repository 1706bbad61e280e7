"""Writing to the outbox: a mail is one more row in the transaction of the change it reports.

Nothing is sent here, and nothing is committed: when the caller's transaction rolls back,
the mail is gone with it; when it commits, the worker (`sender.send_due_mail`) delivers it.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from email_validator import EmailNotValidError, validate_email
from sqlalchemy.orm import Session

from portal.config import LANGUAGES
from portal.models._types import utcnow
from portal.models.mail import OutboundMail, OutboundMailStatus
from portal.observability.logs import current_request_id

# Everything str.splitlines() breaks on: any of these in a header could start a new header.
_LINE_BREAK = re.compile(r"[\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_MEDIA_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*$")
_MAX_SUBJECT = 998  # the column, and RFC 5322's line limit


def enqueue_mail(
    session: Session,
    *,
    recipient: str,
    subject: str,
    body_text: str,
    body_html: str = "",
    language: str = "de",
    attachments: Iterable[Mapping[str, str]] = (),
    submission_id: int | None = None,
) -> OutboundMail:
    """Add a pending mail to `session` (no commit). Raises ValueError for an invalid
    recipient, a header injection attempt, an unknown language or a malformed attachment.

    `attachments` name files already in document storage: {"sha256", "filename", "media_type"};
    a PDF that the sender makes from stored HTML names the HTML, with "made_from": "text/html"
    (pdf_made_when_sent).
    """
    _refuse_line_breaks("subject", subject)
    if len(subject) > _MAX_SUBJECT:
        raise ValueError(f"subject longer than {_MAX_SUBJECT} characters")
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}")
    mail = OutboundMail(
        recipient=checked_recipient(recipient),
        subject=subject,
        body_text=body_text,
        body_html=body_html or "",
        language=language,
        attachments=[_checked_attachment(item) for item in attachments],
        submission_id=submission_id,
        # The worker logs the sending under the id of the request that wrote it (if one did).
        request_id=current_request_id() or None,
        status=OutboundMailStatus.PENDING,
        attempts=0,
        next_attempt_at=utcnow(),
        last_error="",
    )
    session.add(mail)
    return mail


def checked_recipient(address: str) -> str:
    """The address in the form to send to, or ValueError.

    The domain is kept in its ASCII (IDNA) form, so the mail server needs SMTPUTF8 only for
    the rare address with a non-ASCII local part (the sender fails such a mail when it lacks it).
    """
    _refuse_line_breaks("recipient", address)
    try:
        result = validate_email(address, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValueError(f"invalid recipient address: {exc}") from exc
    return result.ascii_email or result.normalized


def _refuse_line_breaks(field: str, value: str) -> None:
    if not isinstance(value, str):
        raise ValueError(f"{field} must be text")
    if _LINE_BREAK.search(value):
        raise ValueError(f"{field} must not contain line breaks (header injection)")


def pdf_made_when_sent(html_sha256: str, filename: str) -> dict[str, str]:
    """An attachment whose PDF the sender renders from the stored HTML just before the mail goes
    out (portal.notify.sender): rendering takes a tenth of a second of CPU and more under load,
    which the request that queues the mail need not spend while its applicant waits."""
    return {"sha256": html_sha256, "filename": filename, "media_type": "application/pdf", "made_from": "text/html"}


def _checked_attachment(item: Mapping[str, str]) -> dict[str, str]:
    sha256 = str(item.get("sha256", ""))
    filename = str(item.get("filename", "")).strip()
    media_type = str(item.get("media_type") or "application/octet-stream").lower()
    if not _SHA256.match(sha256):
        raise ValueError(f"attachment sha256 is not a hex digest: {sha256!r}")
    if not filename:
        raise ValueError("attachment needs a filename")
    _refuse_line_breaks("attachment filename", filename)
    if not _MEDIA_TYPE.match(media_type):
        raise ValueError(f"attachment media type is not type/subtype: {media_type!r}")
    checked = {"sha256": sha256, "filename": filename, "media_type": media_type}
    if "made_from" in item:
        if item["made_from"] != "text/html" or media_type != "application/pdf":
            raise ValueError("only a PDF is made when the mail is sent, and only from HTML")
        checked["made_from"] = "text/html"
    return checked
