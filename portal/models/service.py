"""Services the office offers (what an applicant applies for or books)."""
from __future__ import annotations

from sqlalchemy import CheckConstraint, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db


class Service(db.Model):
    __tablename__ = "service"
    __table_args__ = (
        CheckConstraint("appointment_minutes > 0", name="appointment_minutes_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The code ties the row to its entry in the service catalogue (portal.services).
    code: Mapped[str] = mapped_column(String(60), unique=True)
    name_de: Mapped[str] = mapped_column(String(200))
    appointment_minutes: Mapped[int] = mapped_column(SmallInteger, default=20)
    needs_appointment: Mapped[bool] = mapped_column(default=False)
    has_online_form: Mapped[bool] = mapped_column(default=False)
    form_version: Mapped[int | None] = mapped_column(SmallInteger)
    is_active: Mapped[bool] = mapped_column(default=True)

    def __repr__(self) -> str:
        return f"<Service {self.code}>"
