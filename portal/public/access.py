"""Which submissions this browser may see: the ones it submitted or unlocked with the
reference and status code. Kept in the signed session cookie, nothing on the server."""
from __future__ import annotations

from flask import session

_ACCESS = "status_access"
_CODES = "status_codes"
_KEEP = 20


def grant_status_access(reference: str) -> None:
    known = [r for r in session.get(_ACCESS, []) if r != reference]
    session[_ACCESS] = (known + [reference])[-_KEEP:]


def has_status_access(reference: str) -> bool:
    return reference in session.get(_ACCESS, [])


def remember_status_code(reference: str, status_code: str) -> None:
    """Shown once more on the confirmation page; the applicant's own browser only."""
    codes = dict(session.get(_CODES, {}))
    codes[reference] = status_code
    session[_CODES] = dict(list(codes.items())[-_KEEP:])


def known_status_code(reference: str) -> str | None:
    return session.get(_CODES, {}).get(reference)
