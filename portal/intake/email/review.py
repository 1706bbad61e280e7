"""A caseworker's decisions on a message that made no submission: process it again (after a
limit was raised, say) or dismiss it. Only a message in quarantine or not processed yet can be
either. Each writes its audit entry; the caller commits."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from portal.audit import record
from portal.documents.storage import DocumentStorage
from portal.intake.email.process import MailSettings, Outcome, process
from portal.models import InboundMail, InboundMailStatus, StaffUser

ACTIONABLE = frozenset({InboundMailStatus.QUARANTINED.value, InboundMailStatus.RECEIVED.value})


class ReviewRefused(ValueError):
    """`code`: "not_actionable" (processed, a duplicate or dismissed already) or "headers_only"
    (only the header was fetched: the message has to be fetched again)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def is_actionable(mail: InboundMail) -> bool:
    return mail.status in ACTIONABLE


def process_again(session: Session, storage: DocumentStorage, mail: InboundMail, settings: MailSettings,
                  staff: StaffUser, *, client_address: str = "") -> Outcome:
    """Run the intake on the message once more (portal.intake.email.process, which commits what
    the message becomes); the audit entry is left for the caller's commit."""
    if not is_actionable(mail):
        raise ReviewRefused("not_actionable")
    if mail.headers_only:
        raise ReviewRefused("headers_only")
    mail_id, before = mail.id, mail.status
    outcome = process(session, storage, mail, settings)
    record(session, "process_again", staff=staff, object_type="inbound_mail", object_id=mail_id,
           client_address=client_address,
           detail={"before": before, "after": outcome.status, "reason": outcome.reason_code,
                   "submission": outcome.reference})
    return outcome


def dismiss(session: Session, mail: InboundMail, staff: StaffUser, *, now: datetime, client_address: str = "") -> None:
    """Nothing to do for the office (spam, a test): the message is kept, marked as dismissed."""
    if not is_actionable(mail):
        raise ReviewRefused("not_actionable")
    before = mail.status
    mail.status = InboundMailStatus.DISMISSED
    mail.dismissed_at = now
    mail.dismissed_by_id = staff.id
    record(session, "dismiss", staff=staff, object_type="inbound_mail", object_id=mail.id,
           client_address=client_address, detail={"before": before, "reason": mail.reason_code})
