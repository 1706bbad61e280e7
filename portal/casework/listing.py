"""Submissions as another system lists them (GET /api/v1/submissions): by status, service,
site and day received, oldest first, paged by keyset on the id ("after this one"), so that
submissions arriving meanwhile are neither repeated nor push others to the next page. A new
one appears at the end; what happened to older ones meanwhile is in the change feed
(portal.change_feed)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from portal.domain.office_time import start_of_day
from portal.models import Service, Site, Submission


@dataclass(frozen=True)
class SubmissionFilter:
    status: str | None = None
    service_code: str | None = None
    site_code: str | None = None
    received_from: date | None = None


def list_submissions(session: Session, wanted: SubmissionFilter, *, where=None, after_id: int = 0,
                     limit: int = 50) -> tuple[list[Submission], bool]:
    """Up to `limit` submissions after the id `after_id`, and whether more follow; `where`: a
    condition on Submission (the client's site)."""
    query = (select(Submission).where(Submission.id > after_id)
             .options(selectinload(Submission.service), selectinload(Submission.site),
                      selectinload(Submission.case_file)))
    if where is not None:
        query = query.where(where)
    if wanted.status:
        query = query.where(Submission.status == wanted.status)
    if wanted.service_code:
        query = query.where(Submission.service_id.in_(select(Service.id).where(Service.code == wanted.service_code)))
    if wanted.site_code:
        query = query.where(Submission.site_id.in_(select(Site.id).where(Site.code == wanted.site_code.upper())))
    if wanted.received_from:
        query = query.where(Submission.received_at >= start_of_day(wanted.received_from))
    rows = list(session.scalars(query.order_by(Submission.id).limit(limit + 1)))
    return rows[:limit], len(rows) > limit
