"""Digital case files: one per person known to the office."""
from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, DateTime, ForeignKey, Index, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, composite, mapped_column, relationship

from portal.domain.dates import PartialDate
from portal.extensions import db
from portal.models._types import created_at_column, enum_check, enum_column, utcnow
from portal.models.site import Site


class CaseFileStatus(StrEnum):
    ACTIVE = "active"
    MOVED_AWAY = "moved_away"
    CLOSED = "closed"


class CaseFile(db.Model):
    __tablename__ = "case_file"
    __table_args__ = (
        enum_check("status", CaseFileStatus, "status_known"),
        # The matching's date search reads the ids (and the site rule) from the index alone.
        Index("ix_case_file_birth", "dob_year", "dob_month", "dob_day", "site_id", "id"),
        Index("ix_case_file_surname", "surname"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    file_number: Mapped[str] = mapped_column(String(40), unique=True)
    surname: Mapped[str] = mapped_column(String(200))
    given_names: Mapped[str] = mapped_column(String(200), default="")
    birth_name: Mapped[str] = mapped_column(String(200), default="")
    # Date of birth in three parts: day and month may be unknown (00.03.1987).
    dob_year: Mapped[int | None] = mapped_column(SmallInteger)
    dob_month: Mapped[int | None] = mapped_column(SmallInteger)
    dob_day: Mapped[int | None] = mapped_column(SmallInteger)
    date_of_birth: Mapped[PartialDate] = composite(PartialDate, dob_year, dob_month, dob_day)
    place_of_birth: Mapped[str] = mapped_column(String(200), default="")
    nationality: Mapped[str] = mapped_column(String(3), default="")  # ISO 3166-1 alpha-3
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), index=True)
    status: Mapped[str] = enum_column(CaseFileStatus, default=CaseFileStatus.ACTIVE)
    # Retention: the rule names how long the file is kept, e.g. ten years after moving away.
    retention_rule: Mapped[str] = mapped_column(String(40), default="standard")
    moved_away_on: Mapped[date | None] = mapped_column(Date)
    retention_until: Mapped[date | None] = mapped_column(Date, index=True)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    site: Mapped[Site] = relationship()
    aliases: Mapped[list[CaseFileAlias]] = relationship(
        back_populates="case_file", cascade="all, delete-orphan", order_by="CaseFileAlias.id"
    )

    def __repr__(self) -> str:
        return f"<CaseFile {self.file_number}>"


class SpellingKind(StrEnum):
    """What a known spelling of the person's name is (each one is used by the matching)."""
    PASSPORT = "passport"                  # the Latin spelling of the current passport
    EARLIER_PASSPORT = "earlier_passport"  # of an earlier passport or travel document
    BIRTH_NAME = "birth_name"              # the name at birth (before a marriage)
    SCRIPT_ORIGINAL = "script_original"    # the name in its own script (Arabic, Cyrillic …)
    OTHER = "other"                        # seen elsewhere: a submission, an import, an old file


class CaseFileAlias(db.Model):
    """A known spelling of the person's name (other script, other transliteration, an earlier
    passport), with its kind."""

    __tablename__ = "case_file_alias"
    __table_args__ = (enum_check("kind", SpellingKind, "kind_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_file_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"), index=True)
    surname: Mapped[str] = mapped_column(String(200))
    given_names: Mapped[str] = mapped_column(String(200), default="")
    kind: Mapped[str] = mapped_column(String(16), default=SpellingKind.OTHER, server_default=SpellingKind.OTHER.value)
    source: Mapped[str] = mapped_column(String(40), default="")
    created_at: Mapped[datetime] = created_at_column()

    case_file: Mapped[CaseFile] = relationship(back_populates="aliases")


class CaseFileNameKey(db.Model):
    """A searchable form of one of the person's names: Latin, lower case, accents folded and
    other scripts transliterated (Шевченко → shevchenko). One row per name and variant, from the
    file's names, birth name and known spellings; kept up to date by portal.matching, with the
    file's year of birth beside each key."""

    __tablename__ = "case_file_name_key"
    __table_args__ = (
        # A common name has thousands of files; by key and year of birth the phone desk and the
        # matching read only those of the years in question, from the index alone.
        Index("ix_case_file_name_key_key_year", "key", "dob_year", "case_file_id", "kind"),
        UniqueConstraint("case_file_id", "kind", "key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_file_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # "surname" or "given"
    key: Mapped[str] = mapped_column(String(120))
    dob_year: Mapped[int | None] = mapped_column(SmallInteger)  # the case file's (a copy, for the index)


class CaseFileNote(db.Model):
    """A caseworker's note in the case file's timeline."""

    __tablename__ = "case_file_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_file_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"), index=True)
    staff_user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at_column()
