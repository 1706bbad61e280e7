"""Staff accounts: password hashing, account creation, and the changes to an account: those that
end its sessions (sign-out, new password, second factor reset, new role, deactivation), turning
the second factor on, activation; each with its audit entry. No Flask request in here."""
from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.staff import totp
from portal.audit import record
from portal.models import Role, Site, StaffUser

MIN_PASSWORD_LENGTH = 12
_AROUND = re.compile(r"^[\W\d_]+|[\W\d_]+$")
_hasher = PasswordHasher()
# Verifying against this keeps the timing of unknown and known e-mail addresses alike.
_DUMMY_HASH = _hasher.hash("not-a-real-password-0000")


class AccountError(ValueError):
    pass


def hash_password(password: str) -> str:
    return _hasher.hash(password)


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The 30,000 most common passwords of the leaked-password corpus that zxcvbn ships
    (a maintained package; lower case), loaded once on first use."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(word.lower() for word in FREQUENCY_LISTS["passwords"])


def _letters(text: str) -> str:
    """Only the letters, lower case: "Thomas.Weber-2026" and "thomasweber" compare equal."""
    return "".join(ch for ch in text.casefold() if ch.isalpha())


def check_password_strength(password: str, *, email: str = "", full_name: str = "", office_name: str = "") -> None:
    """Refuse short passwords, common ones (also with digits or symbols around them) and the
    person's own e-mail name, name or the office's name. Case does not matter."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    if len(set(password)) < 5:
        raise AccountError("the password repeats too few different characters")
    lowered = password.casefold()
    # "Password2026!" is "password" with a year and a symbol: as easy to guess.
    core = _AROUND.sub("", lowered)
    common = common_passwords()
    if lowered in common or (len(core) >= 4 and core in common):
        raise AccountError("the password is one of the most common passwords; choose another")
    letters = _letters(password)
    names = [email.split("@", 1)[0], full_name, " ".join(reversed(full_name.split())), office_name]
    if letters and any(letters == _letters(name) for name in names if _letters(name)):
        raise AccountError("the password must not be the e-mail address, the person's name or the office's name")


def end_sessions(user: StaffUser) -> None:
    """End every session of the account on every node: their cookies name the old generation.
    Counted up in the database (one UPDATE), so two changes at once both count."""
    user.session_generation = StaffUser.session_generation + 1


def _changed(session: Session, action: str, user: StaffUser, by: StaffUser | None, client_address: str,
             **detail) -> None:
    """The audit entry of a change to an account; by=None: made on the command line."""
    detail = {"email": user.email, **detail}
    if by is None:
        detail["by"] = "command line"
    record(session, action, staff=by, object_type="staff_user", object_id=user.id, client_address=client_address,
           detail=detail)


def sign_out(session: Session, user: StaffUser, *, client_address: str = "") -> None:
    """Signing out ends the account's sessions everywhere, also copies of the cookie."""
    end_sessions(user)
    record(session, "logout", staff=user, object_type="staff_user", object_id=user.id,
           client_address=client_address)


def change_password(session: Session, user: StaffUser, password: str, *, by: StaffUser | None = None,
                    office_name: str = "", client_address: str = "") -> None:
    check_password_strength(password, email=user.email, full_name=user.full_name, office_name=office_name)
    user.password_hash = hash_password(password)
    end_sessions(user)
    _changed(session, "password_changed", user, by, client_address)


def enrol_second_factor(session: Session, user: StaffUser, secret: str, code: str, *, now: datetime,
                        keys: totp.Keys, client_address: str = "") -> bool:
    """Switch the second factor on once the person proved their app has the secret (False:
    the code does not match, nothing changes)."""
    if not totp.enrol(session, user, secret, code, now, keys):
        return False
    record(session, "totp_enrol", staff=user, object_type="staff_user", object_id=user.id,
           client_address=client_address)
    return True


def reset_second_factor(session: Session, user: StaffUser, *, by: StaffUser | None = None,
                        client_address: str = "") -> None:
    """A lost phone: the second factor is switched off and whoever holds a session of the
    account (perhaps with the phone) is signed out."""
    totp.reset(user)
    end_sessions(user)
    _changed(session, "totp_reset", user, by, client_address)


def change_role(session: Session, user: StaffUser, role: str, *, by: StaffUser | None = None,
                client_address: str = "") -> bool:
    """False when the account has that role already (nothing changes, nobody is signed out)."""
    if role not in {r.value for r in Role}:
        raise AccountError(f"unknown role {role!r}; choose one of {', '.join(r.value for r in Role)}")
    if user.role == role:
        return False
    previous, user.role = user.role, role
    end_sessions(user)
    _changed(session, "role_changed", user, by, client_address, previous=previous, role=role)
    return True


def deactivate(session: Session, user: StaffUser, *, by: StaffUser | None = None, client_address: str = "") -> None:
    """The account can no longer sign in, and its sessions end (also if it is activated again)."""
    user.is_active_account = False
    end_sessions(user)
    _changed(session, "account_deactivated", user, by, client_address)


def activate(session: Session, user: StaffUser, *, by: StaffUser | None = None, client_address: str = "") -> None:
    user.is_active_account = True
    _changed(session, "account_activated", user, by, client_address)


def normalise_email(email: str) -> str:
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise AccountError(str(exc)) from exc


def find_by_email(session: Session, email: str) -> StaffUser | None:
    """The account of this e-mail address (any case); AccountError when it is no address."""
    email = normalise_email(email)
    return session.scalar(select(StaffUser).where(func.lower(StaffUser.email) == email))


def create_staff_user(
    session: Session, *, email: str, full_name: str, role: str, site_code: str, password: str,
    office_name: str = "",
) -> StaffUser:
    if role not in {r.value for r in Role}:
        raise AccountError(f"unknown role {role!r}; choose one of {', '.join(r.value for r in Role)}")
    email = normalise_email(email)
    site = session.scalar(select(Site).where(Site.code == site_code))
    if site is None:
        known = ", ".join(session.scalars(select(Site.code).order_by(Site.code)))
        raise AccountError(f"unknown site {site_code!r}; known sites: {known or 'none'}")
    if session.scalar(select(StaffUser.id).where(func.lower(StaffUser.email) == email)):
        raise AccountError(f"a staff account for {email} exists already")
    check_password_strength(password, email=email, full_name=full_name, office_name=office_name)
    user = StaffUser(
        email=email, full_name=full_name.strip() or email, role=role, site=site,
        password_hash=hash_password(password),
    )
    session.add(user)
    return user


def authenticate(session: Session, email: str, password: str) -> StaffUser | None:
    """The active account with this e-mail and password, else None."""
    try:
        email = normalise_email(email)
    except AccountError:
        email = ""
    user = session.scalar(select(StaffUser).where(func.lower(StaffUser.email) == email)) if email else None
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.is_active_account:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user
