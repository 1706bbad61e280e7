"""Bookable slots at a site and the bookings that fill them."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, composite, mapped_column, relationship

from portal.domain.dates import PartialDate
from portal.extensions import db
from portal.models._types import created_at_column, enum_check, enum_column
from portal.models.service import Service
from portal.models.site import Site
from portal.models.submission import Submission


class Slot(db.Model):
    """One bookable time at one site for one service; the database enforces the capacity."""

    __tablename__ = "slot"
    __table_args__ = (
        UniqueConstraint("site_id", "service_id", "starts_at"),
        CheckConstraint("capacity >= 0", name="capacity_not_negative"),
        CheckConstraint("taken >= 0 AND taken <= capacity", name="taken_within_capacity"),
        CheckConstraint("starts_at < ends_at", name="starts_before_end"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    capacity: Mapped[int] = mapped_column(SmallInteger)
    taken: Mapped[int] = mapped_column(SmallInteger, default=0)

    site: Mapped[Site] = relationship()
    service: Mapped[Service] = relationship()


class BookingStatus(StrEnum):
    HELD = "held"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


class Booking(db.Model):
    __tablename__ = "booking"
    __table_args__ = (
        enum_check("status", BookingStatus, "status_known"),
        Index("ix_booking_person", "surname", "dob_year", "dob_month", "dob_day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(24), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    slot_id: Mapped[int] = mapped_column(ForeignKey("slot.id"), index=True)
    status: Mapped[str] = enum_column(BookingStatus, default=BookingStatus.HELD)
    surname: Mapped[str] = mapped_column(String(200))
    given_names: Mapped[str] = mapped_column(String(200), default="")
    dob_year: Mapped[int | None] = mapped_column(SmallInteger)
    dob_month: Mapped[int | None] = mapped_column(SmallInteger)
    dob_day: Mapped[int | None] = mapped_column(SmallInteger)
    date_of_birth: Mapped[PartialDate] = composite(PartialDate, dob_year, dob_month, dob_day)
    email: Mapped[str] = mapped_column(String(254), index=True)
    language: Mapped[str] = mapped_column(String(5), default="de")
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submission.id"), index=True)
    client_address: Mapped[str] = mapped_column(String(64), default="")
    held_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at_column()

    slot: Mapped[Slot] = relationship()
    submission: Mapped[Submission | None] = relationship()
