"""Staff accounts of the back office."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import BigInteger, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models._types import created_at_column, enum_check, enum_column
from portal.models.site import Site


class Role(StrEnum):
    CASEWORKER = "caseworker"
    TEAM_LEAD = "team_lead"
    ADMIN = "admin"
    # The data-protection officer reads the audit trail and nothing of the casework.
    DATA_PROTECTION = "dpo"
    # Editors write the portal's pages and notices and submit them; a team lead or admin publishes.
    EDITOR = "editor"


class StaffUser(UserMixin, db.Model):
    __tablename__ = "staff_user"
    __table_args__ = (enum_check("role", Role, "role_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = enum_column(Role)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), index=True)
    preferred_language: Mapped[str] = mapped_column(String(5), default="de")
    is_active_account: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = created_at_column()
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Second factor (portal.staff.totp): the base32 secret is never shown again after enrolment;
    # the last accepted time step makes every code single-use.
    totp_secret: Mapped[str | None] = mapped_column(String(255))  # sealed (portal.staff.totp.seal)
    totp_enrolled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    # Raised by every change that must end the account's sessions (portal.staff.accounts.end_sessions):
    # a session cookie names the generation it was opened in, and each request compares it with
    # this row, so every node sees the end at once.
    session_generation: Mapped[int] = mapped_column(default=0, server_default="0")

    site: Mapped[Site] = relationship()

    def get_id(self) -> str:
        """What Flask-Login keeps in the session cookie: id and session generation (its
        "alternative token"), so that a cookie of an ended session no longer loads the account."""
        return f"{self.id}:{self.session_generation}"

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.is_active_account

    @property
    def has_totp(self) -> bool:
        return self.totp_secret is not None and self.totp_enrolled_at is not None

    def has_role(self, *roles: Role) -> bool:
        return self.role in {str(r) for r in roles}

    def __repr__(self) -> str:
        return f"<StaffUser {self.email} {self.role}>"
