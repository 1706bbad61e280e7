"""Public references (ABH-2026-004711-3) and status codes (K7QF-9XMA-2PLD).

The last digit of a reference is a Damm check digit over year and number: it catches every
single wrong digit and every swap of two neighbouring digits, the usual slips when a
reference is read out on the phone. The status code is a secret that only the applicant has;
only its hash is stored.
"""
from __future__ import annotations

import hashlib
import re
import secrets

from sqlalchemy.orm import Session
from stdnum import damm

from portal.domain.digits import western_digits
from portal.models import ReferenceCounter

PREFIX = "ABH"
_REFERENCE = re.compile(r"^\s*ABH[\s-]*(\d{4})[\s-]*(\d{6,})[\s-]*(\d)\s*$", re.IGNORECASE)
# Crockford's base 32: no I, L, O, U, so nothing is misread.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1"})
STATUS_CODE_LENGTH = 12


class InvalidReference(ValueError):
    """Not a reference of ours, or a typo that the check digit caught."""


def format_reference(year: int, number: int) -> str:
    body = f"{year:04d}{number:06d}"
    return f"{PREFIX}-{year:04d}-{number:06d}-{damm.calc_check_digit(body)}"


def parse_reference(text: str) -> str:
    """The canonical form of a typed reference (digits of any script); InvalidReference when it
    cannot be one."""
    match = _REFERENCE.match(western_digits(text or ""))
    if not match:
        raise InvalidReference("not in the form ABH-YYYY-NNNNNN-C")
    year, number, check = match.groups()
    if not damm.is_valid(year + number + check):
        raise InvalidReference("the check digit does not match")
    return f"{PREFIX}-{year}-{number}-{check}"


def next_reference(session: Session, year: int) -> str:
    """Allocate the next number of the year.

    On PostgreSQL in a short transaction of its own: the counter row's lock lasts a moment, not
    the whole submission (documents, receipt PDF, outbox), so parallel submissions and a scan
    import do not queue behind each other. A submission that is rolled back afterwards leaves a
    gap in the year's numbers: references name submissions, they are not a gapless register.
    SQLite has one writer at a time anyway, and a second connection would wait for the caller's
    own transaction, so there the number is drawn inside it.
    """
    bind = session.get_bind()
    dialect = bind.dialect.name
    if dialect != "postgresql":
        return format_reference(year, _draw(session, dialect, year))
    with bind.engine.connect() as own:
        number = _draw(own, dialect, year)
        own.commit()
    return format_reference(year, number)


def _draw(connection, dialect: str, year: int) -> int:
    # One statement (a round trip fewer than insert-then-update): the year's first number makes
    # the row, every later one counts it up under the row lock.
    statement = _insert(dialect, ReferenceCounter).values(year=year, last_value=1)
    return connection.execute(
        statement.on_conflict_do_update(index_elements=[ReferenceCounter.year],
                                        set_={"last_value": ReferenceCounter.last_value + 1})
        .returning(ReferenceCounter.last_value)
    ).scalar_one()


def _insert(dialect: str, target):
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:
        raise NotImplementedError(f"no INSERT … ON CONFLICT DO UPDATE for {dialect}")
    return insert(target)


def new_status_code() -> str:
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(STATUS_CODE_LENGTH))
    return "-".join(raw[i:i + 4] for i in range(0, STATUS_CODE_LENGTH, 4))


def normalise_status_code(text: str) -> str:
    return re.sub(r"[\s-]", "", western_digits(text or "").upper()).translate(_CONFUSABLE)


def hash_secret(text: str) -> str:
    return hashlib.sha256(normalise_status_code(text).encode()).hexdigest()


def status_code_matches(text: str, stored_hash: str) -> bool:
    return secrets.compare_digest(hash_secret(text), stored_hash)
