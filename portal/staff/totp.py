"""Second factor for staff: time-based one-time codes (RFC 6238, as authenticator apps make them).

No Flask request in here. A code is accepted within one 30-second step either side of now
(clocks drift) and only once: the last accepted step is kept per account, and a step is taken
with a conditional UPDATE, so two requests with the same code cannot both pass.

Secrets are stored sealed (Fernet, with a key derived from the installation's secret key), so
that a copy of the database alone does not give anyone the second factor. The functions take the
installation's keys, current last (`portal.config.secret_keys`): a secret sealed with a key that
was rotated out (PORTAL_SECRET_KEY_FALLBACKS) still opens and is sealed again with the current
key at its next use or by `flask users reseal-totp`; one sealed with a key no longer configured
cannot be opened, and the person enrols again (`flask users reset-totp`). A secret stored before
sealing existed is read as it is and sealed at its next successful use.
"""
from __future__ import annotations

import base64
import hmac
import time
from collections.abc import Sequence
from datetime import datetime

import pyotp
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from reportlab.graphics import renderSVG
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from portal.models import Role, StaffUser

STEP_SECONDS = 30
VALID_WINDOW = 1  # steps either side of the current one
CODE_DIGITS = 6


_SEALED_PREFIX = "gAAAAA"  # every Fernet token starts so (version byte and timestamp)


class UnreadableSecret(ValueError):
    """The sealed secret does not open with this installation's key (the secret key changed)."""


Keys = str | Sequence[str]


def _fernet(key: str) -> Fernet:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"portal staff totp").derive(key.encode())
    return Fernet(base64.urlsafe_b64encode(derived))


def _keys(keys: Keys) -> list[str]:
    return [keys] if isinstance(keys, str) else list(keys)


def seal(secret: str, keys: Keys) -> str:
    """Sealed with the current key (the last)."""
    return _fernet(_keys(keys)[-1]).encrypt(secret.encode()).decode("ascii")


def unseal(stored: str, keys: Keys) -> str:
    if not stored.startswith(_SEALED_PREFIX):
        return stored  # stored before sealing existed
    # MultiFernet tries its keys in order: the current one first.
    opener = MultiFernet([_fernet(k) for k in reversed(_keys(keys))])
    try:
        return opener.decrypt(stored.encode()).decode()
    except InvalidToken as exc:
        raise UnreadableSecret("the second factor was sealed with a secret key no longer configured") from exc


def sealed_with_current_key(stored: str, keys: Keys) -> bool:
    if not stored.startswith(_SEALED_PREFIX):
        return False
    try:
        _fernet(_keys(keys)[-1]).decrypt(stored.encode())
    except InvalidToken:
        return False
    return True


def reseal(user: StaffUser, keys: Keys) -> bool:
    """Seal the account's secret with the current key if it is not already; True if it changed.
    Raises UnreadableSecret when none of the keys opens it."""
    if not user.has_totp or sealed_with_current_key(user.totp_secret, keys):
        return False
    user.totp_secret = seal(unseal(user.totp_secret, keys), keys)
    return True


def reseal_all(session: Session, keys: Keys) -> tuple[int, list[str]]:
    """Seal every second factor with the current key (after a key rotation); returns how many
    changed and the e-mail addresses of accounts whose secret no configured key opens."""
    resealed, unreadable = 0, []
    for user in session.scalars(select(StaffUser).where(StaffUser.totp_secret.is_not(None))):
        try:
            resealed += reseal(user, keys)
        except UnreadableSecret:
            unreadable.append(user.email)
    return resealed, unreadable


def new_secret() -> str:
    return pyotp.random_base32()  # 32 base32 characters: 160 bits, as RFC 4226 recommends


def current_step(now: float | None = None) -> int:
    return int((time.time() if now is None else now) // STEP_SECONDS)


def code_at(secret: str, step: int) -> str:
    return pyotp.TOTP(secret, digits=CODE_DIGITS, interval=STEP_SECONDS).at(step * STEP_SECONDS)


def _normalise(code: str) -> str:
    # Apps show "123 456"; people type what they see.
    return "".join((code or "").split())


def matching_step(secret: str, code: str, now: float | None = None, after: int | None = None) -> int | None:
    """The time step within the window whose code this is (and later than `after`), else None."""
    code = _normalise(code)
    if len(code) != CODE_DIGITS or not code.isascii() or not code.isdigit():
        return None
    here = current_step(now)
    found = None
    for step in range(here - VALID_WINDOW, here + VALID_WINDOW + 1):
        # Compare every step in constant time, so timing does not tell which step matched.
        if hmac.compare_digest(code_at(secret, step), code) and (after is None or step > after):
            found = step
    return found


def _take_step(session: Session, user: StaffUser, step: int) -> bool:
    """Record `step` as used unless this or a later one was used already (single use)."""
    result = session.execute(
        update(StaffUser)
        .where(StaffUser.id == user.id,
               or_(StaffUser.totp_last_step.is_(None), StaffUser.totp_last_step < step))
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        return False
    user.totp_last_step = step
    return True


def verify(session: Session, user: StaffUser, code: str, keys: Keys, now: float | None = None) -> bool:
    """Is this the account's current code, not used before? Uses it up when it is."""
    if not user.has_totp:
        return False
    try:
        secret = unseal(user.totp_secret, keys)
    except UnreadableSecret:
        return False  # an admin resets it; the person enrols again
    step = matching_step(secret, code, now, after=user.totp_last_step)
    if step is None or not _take_step(session, user, step):
        return False
    reseal(user, keys)  # stored plain, or with a key since rotated out
    return True


def enrol(session: Session, user: StaffUser, secret: str, code: str, when: datetime, keys: Keys,
          now: float | None = None) -> bool:
    """Switch the second factor on once the person proved their app has the secret."""
    step = matching_step(secret, code, now)
    if step is None:
        return False
    user.totp_secret = seal(secret, keys)
    user.totp_enrolled_at = when
    user.totp_last_step = step  # the code just typed must not sign anyone in again
    session.flush()
    return True


def reset(user: StaffUser) -> None:
    """Switch the second factor off (lost phone); the person enrols again at the next sign-in
    (admins must) or when they choose. Callers go through portal.staff.accounts.reset_second_factor,
    which also ends the account's sessions and writes the audit entry."""
    user.totp_secret = None
    user.totp_enrolled_at = None
    user.totp_last_step = None


def must_enrol(user: StaffUser) -> bool:
    """Admins may not work without a second factor."""
    return user.has_role(Role.ADMIN) and not user.has_totp


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    return pyotp.TOTP(secret, digits=CODE_DIGITS, interval=STEP_SECONDS).provisioning_uri(
        name=account, issuer_name=issuer)


def grouped(secret: str) -> str:
    """The secret in groups of four, for typing it into an app by hand."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def qr_data_uri(text: str, size: int = 200) -> str:
    """A QR code as an SVG data: URI for an <img> (the CSP allows data: images, no inline script)."""
    widget = QrCodeWidget(text, barLevel="M")
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    svg = renderSVG.drawToString(drawing)
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")
