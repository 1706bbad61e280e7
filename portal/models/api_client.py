"""Systems that use the API (the specialist application, a reporting tool): one row each, with
the hash of its bearer token, what it may do (scopes) and the site it is limited to."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models._types import created_at_column
from portal.models.site import Site


class ApiClient(db.Model):
    __tablename__ = "api_client"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    # SHA-256 of the token (hex): the token itself is shown once, when the client is made.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The token's first characters, so that an admin can tell which token a system holds.
    token_hint: Mapped[str] = mapped_column(String(16), default="")
    scopes: Mapped[str] = mapped_column(String(300), default="")  # space-separated, as in OAuth
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id"), index=True)  # None: both sites
    created_at: Mapped[datetime] = created_at_column()
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    site: Mapped[Site | None] = relationship()

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(self.scopes.split())

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def __repr__(self) -> str:
        return f"<ApiClient {self.name}>"
