"""Column helpers shared by the model modules."""
from __future__ import annotations

from datetime import datetime, timezone
from enum import StrEnum

from sqlalchemy import CheckConstraint, DateTime, String
from sqlalchemy.orm import mapped_column


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def created_at_column():
    return mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)


def enum_column(enum: type[StrEnum], *, default=None, nullable=False, index=False):
    """A plain string column; the allowed values are checked by the database too."""
    length = max(len(member.value) for member in enum)
    return mapped_column(String(length), default=default, nullable=nullable, index=index)


def enum_check(column: str, enum: type[StrEnum], name: str) -> CheckConstraint:
    values = ", ".join(f"'{member.value}'" for member in enum)
    return CheckConstraint(f"{column} IN ({values})", name=name)
