"""Where a service's definitions are read from: the shipped file (version 1 of each service the
product comes with) and the office's versions in the database (form_version), numbered on from it.

Read side only: no messages, no request. Definitions are returned as stored; treat them as
read-only (a shipped one is shared by the whole process).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from portal.forms.definitions.shipped import SHIPPED_VERSION, shipped
from portal.models.content import WorkflowState
from portal.models.form import FormVersion

__all__ = ["SHIPPED_VERSION", "VersionInfo", "definition_of", "every_service", "newest_number",
           "published_definitions", "row_of", "service_codes", "versions_of"]

PUBLISHED = WorkflowState.PUBLISHED.value


@dataclass(frozen=True)
class VersionInfo:
    """One version of a service's form, for lists (the shipped one has no person and no times)."""
    number: int
    state: str
    shipped: bool
    created_by: str | None = None  # the staff member's e-mail address
    created_at: datetime | None = None
    published_by: str | None = None
    published_at: datetime | None = None
    note: str = ""
    based_on: int | None = None


def row_of(session: Session, code: str, number: int) -> FormVersion | None:
    """The database row of that version (None for the shipped version 1, or no such version)."""
    return session.scalar(select(FormVersion).where(FormVersion.service_code == code,
                                                    FormVersion.number == number))


def definition_of(session: Session, code: str, number: int) -> dict | None:
    """The definition of that version: a row of that number, else the shipped file when the
    number is the shipped version's, else None."""
    row = row_of(session, code, number)
    if row is not None:
        return row.definition
    if number == SHIPPED_VERSION:
        return shipped().get(code)
    return None


def published_definitions(session: Session) -> dict[str, tuple[int, dict]]:
    """code → (number, definition) of every service's newest published version: the newest
    published row, else the shipped file. A service with only unpublished rows is absent."""
    found = {code: (SHIPPED_VERSION, definition) for code, definition in shipped().items()}
    newest = (select(FormVersion.service_code, func.max(FormVersion.number).label("number"))
              .where(FormVersion.state == PUBLISHED).group_by(FormVersion.service_code).subquery())
    rows = session.execute(
        select(FormVersion.service_code, FormVersion.number, FormVersion.definition)
        .join(newest, (FormVersion.service_code == newest.c.service_code) & (FormVersion.number == newest.c.number)))
    for code, number, definition in rows:
        found[code] = (number, definition)
    return dict(sorted(found.items()))


def _info(row: FormVersion) -> VersionInfo:
    return VersionInfo(number=row.number, state=row.state, shipped=False,
                       created_by=row.created_by.email if row.created_by else None, created_at=row.created_at,
                       published_by=row.published_by.email if row.published_by else None,
                       published_at=row.published_at, note=row.note or "", based_on=row.based_on)


def _rows(session: Session, *conditions) -> list[FormVersion]:
    return list(session.scalars(select(FormVersion).where(*conditions)
                                .options(selectinload(FormVersion.created_by), selectinload(FormVersion.published_by))
                                .order_by(FormVersion.service_code, FormVersion.number.desc())))


def _with_shipped(code: str, versions: list[VersionInfo]) -> list[VersionInfo]:
    if code in shipped() and not any(v.number == SHIPPED_VERSION for v in versions):
        versions.append(VersionInfo(number=SHIPPED_VERSION, state=PUBLISHED, shipped=True))
    return versions


def versions_of(session: Session, code: str) -> list[VersionInfo]:
    """Every version of the service, newest first; the shipped file is version 1."""
    return _with_shipped(code, [_info(row) for row in _rows(session, FormVersion.service_code == code)])


def every_service(session: Session) -> dict[str, tuple[list[VersionInfo], dict]]:
    """Every service with a form (shipped, or with a version in the database): its versions newest
    first and its newest version's definition, read in one go for the list of forms."""
    found: dict[str, tuple[list[VersionInfo], dict]] = {}
    for row in _rows(session):
        versions, newest = found.setdefault(row.service_code, ([], row.definition))
        versions.append(_info(row))
    for code, definition in shipped().items():
        found.setdefault(code, ([], definition))
    return {code: (_with_shipped(code, versions), newest) for code, (versions, newest) in sorted(found.items())}


def newest_number(session: Session, code: str) -> int:
    """The number of the service's newest version, published or not (0: none at all)."""
    newest = session.scalar(select(func.max(FormVersion.number)).where(FormVersion.service_code == code)) or 0
    return max(newest, SHIPPED_VERSION if code in shipped() else 0)


def service_codes(session: Session) -> list[str]:
    """Every service with a form: shipped, or with a version in the database."""
    codes = set(shipped()) | set(session.scalars(select(FormVersion.service_code).distinct()))
    return sorted(codes)
