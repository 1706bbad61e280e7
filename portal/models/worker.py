"""What the worker last did, per job: read by /readyz ("the mailbox was polled within N
minutes"), /metrics and `flask doctor`. Workers on several nodes write the same rows; the
latest round wins, which is what the operator asks about."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db


class JobRun(db.Model):
    __tablename__ = "job_run"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)  # portal.jobs.Job.name
    last_run_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ok: Mapped[bool] = mapped_column(Boolean)  # the last round ended without an error
    last_ok_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The round's report ("2 processed, 0 duplicates …") or error: counts and codes, no personal data.
    report: Mapped[str] = mapped_column(String(500), default="")
