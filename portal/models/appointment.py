"""Bookable slots at a site and the bookings that fill them."""
from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint, Date, DateTime, ForeignKey, Index, SmallInteger, String, Text, Time, UniqueConstraint,
)
from sqlalchemy.orm import Mapped, composite, mapped_column, relationship

from portal.domain.dates import PartialDate
from portal.extensions import db
from portal.models._types import created_at_column, enum_check, enum_column
from portal.models.service import Service
from portal.models.site import Site
from portal.models.submission import Submission


class SiteBookingRules(db.Model):
    """How far ahead a site's appointments can be booked; an admin sets it in the back office."""

    __tablename__ = "site_booking_rules"
    __table_args__ = (
        CheckConstraint("window_days BETWEEN 1 AND 365", name="window_days_range"),
        CheckConstraint("min_notice_days BETWEEN 0 AND 30", name="min_notice_days_range"),
    )

    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"), primary_key=True)
    window_days: Mapped[int] = mapped_column(SmallInteger, default=56)  # 8 weeks
    min_notice_days: Mapped[int] = mapped_column(SmallInteger, default=1)  # from tomorrow
    # The next day of the window opens at this time (so that all see new days at once).
    release_time: Mapped[time] = mapped_column(Time, default=time(7, 0))

    site: Mapped[Site] = relationship()


class ServiceCounters(db.Model):
    """Counters open for a service at a site: the capacity of each of its slots.
    Some of them can be kept for staff (the phone desk books into those)."""

    __tablename__ = "service_counters"
    __table_args__ = (
        UniqueConstraint("site_id", "service_id"),
        CheckConstraint("counters >= 0", name="counters_not_negative"),
        CheckConstraint("staff_counters >= 0 AND staff_counters <= counters", name="staff_within_counters"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"))
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id", ondelete="CASCADE"))
    counters: Mapped[int] = mapped_column(SmallInteger, default=1)
    staff_counters: Mapped[int] = mapped_column(SmallInteger, default=0)

    site: Mapped[Site] = relationship()
    service: Mapped[Service] = relationship()


class SiteClosure(db.Model):
    """A day a site is closed besides the public holidays (e.g. 24 December, staff training)."""

    __tablename__ = "site_closure"
    __table_args__ = (UniqueConstraint("site_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(200), default="")


class Slot(db.Model):
    """One bookable time at one site for one service; the database enforces the capacity.

    `taken` counts every booking that holds the slot; `public_taken` those made by applicants,
    who may use at most `capacity - staff_reserved` places.
    """

    __tablename__ = "slot"
    __table_args__ = (
        UniqueConstraint("site_id", "service_id", "starts_at"),
        CheckConstraint("capacity >= 0", name="capacity_not_negative"),
        CheckConstraint("taken >= 0 AND taken <= capacity", name="taken_within_capacity"),
        CheckConstraint("staff_reserved >= 0 AND staff_reserved <= capacity", name="reserved_within_capacity"),
        CheckConstraint("public_taken >= 0 AND public_taken <= taken AND public_taken <= capacity - staff_reserved",
                        name="public_within_share"),
        CheckConstraint("starts_at < ends_at", name="starts_before_end"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    capacity: Mapped[int] = mapped_column(SmallInteger)
    staff_reserved: Mapped[int] = mapped_column(SmallInteger, default=0)
    taken: Mapped[int] = mapped_column(SmallInteger, default=0)
    public_taken: Mapped[int] = mapped_column(SmallInteger, default=0)

    site: Mapped[Site] = relationship()
    service: Mapped[Service] = relationship()


class BookingStatus(StrEnum):
    HELD = "held"  # a time chosen, the form being filled in
    UNCONFIRMED = "unconfirmed"  # waiting for the click on the link in the mail
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


# Bookings that occupy their slot.
ACTIVE_BOOKING_STATUSES = (BookingStatus.HELD, BookingStatus.UNCONFIRMED, BookingStatus.CONFIRMED)


class Attendance(StrEnum):
    ARRIVED = "arrived"
    NO_SHOW = "no_show"


class Booking(db.Model):
    __tablename__ = "booking"
    __table_args__ = (
        enum_check("status", BookingStatus, "status_known"),
        CheckConstraint("attendance IS NULL OR attendance IN ('arrived', 'no_show')", name="attendance_known"),
        Index("ix_booking_person", "surname", "dob_year", "dob_month", "dob_day"),
        Index("ix_booking_open", "status", "held_until"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(24), unique=True)
    # A fresh nonce invalidates the links of earlier mails (after a reschedule, say).
    token_hash: Mapped[str] = mapped_column(String(64))
    slot_id: Mapped[int] = mapped_column(ForeignKey("slot.id"), index=True)
    status: Mapped[str] = enum_column(BookingStatus, default=BookingStatus.HELD)
    # Booked by staff into the share kept for them (phone desk).
    staff_booking: Mapped[bool] = mapped_column(default=False)
    booked_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    surname: Mapped[str] = mapped_column(String(200), default="")
    given_names: Mapped[str] = mapped_column(String(200), default="")
    # Lower-cased, accents removed: the "one open booking per person" rule compares this.
    person_key: Mapped[str] = mapped_column(String(420), default="", index=True)
    dob_year: Mapped[int | None] = mapped_column(SmallInteger)
    dob_month: Mapped[int | None] = mapped_column(SmallInteger)
    dob_day: Mapped[int | None] = mapped_column(SmallInteger)
    date_of_birth: Mapped[PartialDate] = composite(PartialDate, dob_year, dob_month, dob_day)
    email: Mapped[str] = mapped_column(String(254), default="", index=True)
    phone: Mapped[str] = mapped_column(String(40), default="")
    language: Mapped[str] = mapped_column(String(5), default="de")
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submission.id"), index=True)
    client_address: Mapped[str] = mapped_column(String(64), default="", index=True)
    held_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # How often the applicant kept the held time longer (bounded by PORTAL_BOOKING_HOLD_EXTENSIONS).
    hold_extensions: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Given by the applicant when cancelling (optional), for the office.
    cancel_reason: Mapped[str] = mapped_column(String(500), default="", server_default="")
    reminder_sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attendance: Mapped[str | None] = mapped_column(String(10))
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = created_at_column()

    slot: Mapped[Slot] = relationship()
    submission: Mapped[Submission | None] = relationship()


class ProofOfWorkRedemption(db.Model):
    """A solved anti-bot challenge, remembered until it expires so it cannot be used twice
    (in the database, so that every app node sees it)."""

    __tablename__ = "pow_redemption"

    challenge_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
