"""Sign-in and the end of a session as the audit trail has them: signed in, a failed attempt,
a session that ran out, a cookie of an ended session. The caller commits (and handles the
browser's session). No Flask request in here."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from portal.audit import record
from portal.models import StaffUser


def signed_in(session: Session, user: StaffUser, *, now: datetime, client_address: str = "") -> None:
    user.last_login_at = now
    record(session, "login", staff=user, object_type="staff_user", object_id=user.id,
           client_address=client_address)


def sign_in_failed(session: Session, email: str, *, client_address: str = "", **detail) -> None:
    """A wrong password or code for `email` (as typed: no account may exist), or a proof of
    work not solved; `detail` says which."""
    record(session, "login_failed", staff=None, object_type="staff_user", client_address=client_address,
           detail={"email": email.strip().lower()[:254], **detail})


def session_expired(session: Session, user: StaffUser, reason: str, *, client_address: str = "") -> None:
    """Signed out for being idle too long or signed in too long (`reason`)."""
    record(session, "session_expired", staff=user, object_type="staff_user", object_id=user.id,
           client_address=client_address, detail={"reason": reason})


def ended_session_refused(session: Session, user: StaffUser, *, client_address: str = "") -> None:
    """A cookie of a session that was ended (sign-out, new password, ...), perhaps a copy."""
    record(session, "ended_session_refused", staff=user, object_type="staff_user", object_id=user.id,
           client_address=client_address)
