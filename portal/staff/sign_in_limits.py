"""Failed staff sign-ins per account, counted in the rate-limit storage (Redis when several
nodes serve), never in process memory.

Past FAILURES failed sign-ins to one account within the window, a sign-in to it needs a solved
proof of work (portal.appointments.pow) as well as the password. A lockout would let anyone who
knows an address lock its owner out; the proof of work makes guessing slow and costly instead,
and the owner still gets in. Accounts are counted by the address typed, whether or not there is
such an account, so the answer does not tell which accounts exist. The limit per client address
(portal.backoffice.auth) holds besides.
"""
from __future__ import annotations

from limits import parse

from portal.staff.accounts import AccountError, normalise_email
from portal.extensions import limiter

FAILURES = parse("5 per 15 minutes")
_SCOPE = "staff-sign-in-failures"


def _account(email: str) -> str:
    # "Name@Office.example " and "name@office.example" are one account, one count.
    try:
        return normalise_email(email)
    except AccountError:
        return email.strip().lower()[:254]


def needs_human_check(email: str) -> bool:
    """Has this account had FAILURES failed sign-ins within the window?"""
    if not limiter.enabled:  # switched off for load tests from one address
        return False
    return not limiter.limiter.test(FAILURES, _SCOPE, _account(email))


def count_failure(email: str) -> None:
    """A wrong password (or code) for this account."""
    if limiter.enabled:
        limiter.limiter.hit(FAILURES, _SCOPE, _account(email))
