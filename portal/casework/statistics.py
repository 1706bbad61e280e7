"""Figures for team leads: queue size over time, items closed per day, age of the open queue."""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from statistics import median

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.domain.office_time import local_date, working_days_between
from portal.models import Service, Site, Submission, SubmissionStatusChange
from portal.models.submission import OPEN_STATUSES

FINISHED = ("attached", "rejected", "closed")


def _finished_at(session: Session):
    """Subquery: when each submission left the queue (its first final status)."""
    return (select(SubmissionStatusChange.submission_id, func.min(SubmissionStatusChange.at).label("at"))
            .where(SubmissionStatusChange.status.in_(FINISHED))
            .group_by(SubmissionStatusChange.submission_id).subquery())


def queue_size_by_day(session: Session, today: date, days: int = 28) -> dict[str, list[tuple[date, int]]]:
    """Per site: how many submissions were open at the end of each of the last `days` days."""
    first = today - timedelta(days=days - 1)
    finished = _finished_at(session)
    rows = session.execute(
        select(Submission.received_at, finished.c.at, Site.name)
        .outerjoin(finished, finished.c.submission_id == Submission.id)
        .outerjoin(Site, Site.id == Submission.site_id)
        .where((finished.c.at.is_(None)) | (finished.c.at >= datetime.combine(first, datetime.min.time(),
                                                                                 tzinfo=timezone.utc)))
    ).all()
    series: dict[str, list[int]] = defaultdict(lambda: [0] * days)
    for received, left, site in rows:
        opened, closed = local_date(received), local_date(left) if left else None
        for index in range(days):
            day = first + timedelta(days=index)
            if opened <= day and (closed is None or closed > day):
                series[site or "–"][index] += 1
    return {site: [(first + timedelta(days=i), n) for i, n in enumerate(counts)]
            for site, counts in sorted(series.items())}


def finished_per_day(session: Session, today: date, days: int = 28) -> list[tuple[date, int]]:
    first = today - timedelta(days=days - 1)
    moments = session.scalars(select(SubmissionStatusChange.at).where(
        SubmissionStatusChange.status.in_(FINISHED),
        SubmissionStatusChange.at >= datetime.combine(first, datetime.min.time(), tzinfo=timezone.utc)))
    counts = Counter(local_date(moment) for moment in moments)
    return [(first + timedelta(days=i), counts.get(first + timedelta(days=i), 0)) for i in range(days)]


@dataclass
class QueueAge:
    site: str
    service: str
    open_items: int
    median_days: float
    oldest_days: int
    overdue: int


def queue_age(session: Session, today: date, target_days: int) -> list[QueueAge]:
    """The open queue per site and service: size, median and oldest age in working days."""
    rows = session.execute(
        select(Site.name, Service.name_de, Submission.received_at)
        .join(Service, Service.id == Submission.service_id)
        .outerjoin(Site, Site.id == Submission.site_id)
        .where(Submission.status.in_([s.value for s in OPEN_STATUSES]))).all()
    ages: dict[tuple[str, str], list[int]] = defaultdict(list)
    for site, service, received in rows:
        ages[(site or "–", service)].append(working_days_between(local_date(received), today))
    return [QueueAge(site, service, len(values), median(values), max(values),
                     sum(1 for v in values if v > target_days))
            for (site, service), values in sorted(ages.items())]
