"""Sites of the office and their opening hours."""
from __future__ import annotations

from datetime import time

from sqlalchemy import CheckConstraint, ForeignKey, SmallInteger, String, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db


class Site(db.Model):
    __tablename__ = "site"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    street: Mapped[str] = mapped_column(String(120))
    postcode: Mapped[str] = mapped_column(String(10))
    city: Mapped[str] = mapped_column(String(80))
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    is_active: Mapped[bool] = mapped_column(default=True)

    opening_hours: Mapped[list[OpeningHours]] = relationship(
        back_populates="site",
        order_by="(OpeningHours.weekday, OpeningHours.opens_at)",
        cascade="all, delete-orphan",
    )

    def __repr__(self) -> str:
        return f"<Site {self.code}>"


class OpeningHours(db.Model):
    """One opening period on one weekday (0 = Monday); a day may have two periods."""

    __tablename__ = "opening_hours"
    __table_args__ = (
        UniqueConstraint("site_id", "weekday", "opens_at"),
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        CheckConstraint("opens_at < closes_at", name="opens_before_closing"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int] = mapped_column(SmallInteger)
    opens_at: Mapped[time] = mapped_column(Time)
    closes_at: Mapped[time] = mapped_column(Time)

    site: Mapped[Site] = relationship(back_populates="opening_hours")
