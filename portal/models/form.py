"""The office's versions of the online forms (docs/forms.md).

Version 1 of each service the product comes with is its shipped file (portal/forms/seed/), never
a row; the office's versions are numbered on from the service's newest version and move through
the content's workflow (private → pending → published). A published version never changes: a
change is a new version. The newest published version is the one applicants start.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models._types import created_at_column, enum_column, utcnow
from portal.models.content import WorkflowState
from portal.models.staff import StaffUser

# The states a form version can be in (a form is superseded by a newer one, never taken offline).
FORM_STATES = (WorkflowState.PRIVATE, WorkflowState.PENDING, WorkflowState.PUBLISHED)


class FormVersion(db.Model):
    __tablename__ = "form_version"
    __table_args__ = (
        UniqueConstraint("service_code", "number"),
        CheckConstraint("number >= 1", name="number_positive"),
        CheckConstraint("state IN ({})".format(", ".join(f"'{state.value}'" for state in FORM_STATES)),
                        name="state_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    service_code: Mapped[str] = mapped_column(String(60), index=True)
    number: Mapped[int] = mapped_column(Integer)
    definition: Mapped[dict] = mapped_column(JSON)
    state: Mapped[str] = enum_column(WorkflowState, default=WorkflowState.PRIVATE)
    based_on: Mapped[int | None] = mapped_column(Integer)  # the version it was made from
    note: Mapped[str] = mapped_column(Text, default="")  # the editor's note on the change
    created_at: Mapped[datetime] = created_at_column()
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    # When the definition (or note) last changed: its making, or a change while a draft.
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))

    created_by: Mapped[StaffUser | None] = relationship(foreign_keys=[created_by_id])
    published_by: Mapped[StaffUser | None] = relationship(foreign_keys=[published_by_id])

    def __repr__(self) -> str:
        return f"<FormVersion {self.service_code} {self.number} {self.state}>"
