"""The proof of work (ALTCHA) that a browser solves before an appointment time is reserved.

Booking bots reserve times by the hundred to resell them; each reservation here costs
the client some seconds of hashing, which a person does not notice while choosing a time
but which adds up for a bot. Everything runs on our own servers: no external service.

Protocol: ALTCHA v1 ("classic" proof of work), as spoken by the npm widget altcha 2.x
(pinned in package.json) and by the Python package's ``*_v1`` functions (altcha 2.x). The
npm widget 3.x speaks only the newer key-derivation protocol (v2) and does not fit.

- The server sends ``{algorithm, challenge, maxNumber, salt, signature}`` where
  ``challenge = SHA-256(salt + number)`` for a secret random ``number <= maxNumber`` and
  ``signature = HMAC-SHA-256(key, challenge)``. The salt ends in ``?expires=<unix time>&``,
  so the signature covers the expiry too. Nothing is stored for an issued challenge.
- The browser tries numbers until the hash matches and sends back, in the form field
  ``altcha``, base64(JSON ``{algorithm, challenge, number, salt, signature}``).
- The server checks hash and signature, the expiry, and that the challenge was not used
  before: a used one is remembered in ``pow_redemption`` (shared by every app node) until
  it expires, in the transaction that reserves the time.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import re
import secrets
import urllib.parse
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import altcha
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.config import HumanCheckSettings
from portal.db_insert import DIALECTS, dialect_of, insert_unless_present
from portal.models import ProofOfWorkRedemption
from portal.models._types import utcnow

log = logging.getLogger(__name__)

FIELD = "altcha"  # the form field the widget fills in
ALGORITHM = "SHA-256"  # the only one we issue, so the only one we accept
MAX_PAYLOAD_CHARS = 2048  # a real payload is about 400
CLEANUP_ONE_IN = 50  # every so many redemptions also delete the expired ones

NOT_SOLVED = _l("Please wait until the check below is finished, then try again.")
EXPIRED = _l("The check has expired. Please try again.")
ALREADY_USED = _l("This check has already been used. Please try again.")

_HEX64 = re.compile(r"[0-9a-f]{64}")


def hmac_key(secret_key: str) -> str:
    """The key that signs challenges: derived from SECRET_KEY rather than SECRET_KEY itself,
    so that one key never serves two purposes (session cookies and these signatures)."""
    return hmac.new(secret_key.encode(), b"altcha", hashlib.sha256).hexdigest()


def create_challenge(secret_key: str, *, max_number: int, expiry_minutes: int,
                     now: datetime | None = None) -> dict:
    """A fresh signed challenge as the widget expects it (JSON-ready)."""
    now = now or utcnow()
    challenge = altcha.create_challenge_v1(altcha.ChallengeOptionsV1(
        algorithm=ALGORITHM, max_number=max_number, hmac_key=hmac_key(secret_key),
        expires=now + timedelta(minutes=expiry_minutes)))
    return challenge.to_dict()


@dataclass(frozen=True)
class Verdict:
    """The outcome of checking a submitted solution (without looking at the database).

    reason: "ok", "missing" (no solution sent), "invalid" (malformed, tampered or not ours)
    or "expired"."""

    reason: str
    challenge: str = ""
    expires_at: datetime | None = None

    @property
    def ok(self) -> bool:
        return self.reason == "ok"


def _decode(payload: str) -> dict | None:
    try:
        data = json.loads(base64.b64decode(payload, validate=True))
    except (ValueError, TypeError):  # bad base64, bad UTF-8, bad JSON
        return None
    return data if isinstance(data, dict) else None


def _expiry(salt: str) -> datetime | None:
    values = urllib.parse.parse_qs(salt.partition("?")[2]).get("expires", [])
    if len(values) != 1 or not values[0].isdigit():
        return None
    try:
        return datetime.fromtimestamp(int(values[0]), tz=timezone.utc)
    except (OverflowError, ValueError, OSError):
        return None


def check_solution(payload: str | None, secret_key: str, now: datetime | None = None) -> Verdict:
    """Is this a solution of a challenge we signed, and not expired? (Replays: see redeem.)"""
    if not payload:
        return Verdict("missing")
    data = _decode(payload) if len(payload) <= MAX_PAYLOAD_CHARS else None
    if data is None:
        return Verdict("invalid")
    challenge, number, salt, signature = (data.get(k) for k in ("challenge", "number", "salt", "signature"))
    if (data.get("algorithm") != ALGORITHM or type(number) is not int or number < 0
            or not isinstance(salt, str) or not salt.isascii()
            or not isinstance(challenge, str) or not _HEX64.fullmatch(challenge)
            or not isinstance(signature, str) or not _HEX64.fullmatch(signature)):
        return Verdict("invalid")
    # As altcha.verify_solution_v1 computes it, with constant-time comparisons.
    salted = salt if salt.endswith("&") else salt + "&"
    expected = altcha.hash_hex(ALGORITHM, (salted + str(number)).encode())
    expected_signature = altcha.hmac_hex(ALGORITHM, expected.encode(), hmac_key(secret_key))
    if not (hmac.compare_digest(expected, challenge) and hmac.compare_digest(expected_signature, signature)):
        return Verdict("invalid")
    expires_at = _expiry(salt)  # trustworthy now: the signature covers the salt
    if expires_at is None:
        return Verdict("invalid")  # we sign only challenges that expire
    if expires_at <= (now or utcnow()):
        return Verdict("expired")
    return Verdict("ok", challenge=challenge, expires_at=expires_at)


def redeem(session: Session, challenge: str, expires_at: datetime) -> bool:
    """Remember a solved challenge in the session's transaction; False if it was used before.

    An INSERT that ignores a conflict instead of failing, so that the transaction goes on
    either way; on PostgreSQL a second node inserting the same challenge at the same moment
    waits for the first one's transaction and then inserts nothing. Whether a row went in is
    read from RETURNING (psycopg 3 reports no rowcount for it)."""
    values = {"challenge_hash": challenge, "expires_at": expires_at}
    if dialect_of(session) in DIALECTS:
        statement = (insert_unless_present(session, ProofOfWorkRedemption, conflict_on=["challenge_hash"])
                     .values(**values).returning(ProofOfWorkRedemption.challenge_hash))
        return session.execute(statement).first() is not None
    try:  # other databases: a savepoint catches the duplicate key
        with session.begin_nested():
            session.execute(insert(ProofOfWorkRedemption).values(**values))
    except IntegrityError:
        return False
    return True


def forget_expired(session: Session, now: datetime | None = None) -> int:
    """Delete remembered challenges that have expired (they fail the expiry check anyway)."""
    result = session.execute(delete(ProofOfWorkRedemption)
                             .where(ProofOfWorkRedemption.expires_at < (now or utcnow()))
                             .execution_options(synchronize_session=False))
    return result.rowcount


def human_check_failed(session: Session, form, check: HumanCheckSettings, secret_key: str):
    """None when form["altcha"] holds a valid, unexpired, unused solution (and marks it used
    in the session's transaction); otherwise the message to show. None when the check is off."""
    if not check.enabled:
        return None
    now = utcnow()
    verdict = check_solution(form.get(FIELD), secret_key, now)
    if verdict.reason == "expired":
        return EXPIRED
    if not verdict.ok:
        if verdict.reason == "invalid":
            log.info("human check: an invalid solution was sent")
        return NOT_SOLVED
    if secrets.randbelow(CLEANUP_ONE_IN) == 0:
        forget_expired(session, now)
    if not redeem(session, verdict.challenge, verdict.expires_at):
        log.info("human check: a solution was sent again")
        return ALREADY_USED
    return None
