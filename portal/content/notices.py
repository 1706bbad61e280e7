"""Where a notice shows, and the office's wall-clock times of its window.

Editors enter the window in office time (Europe/Berlin); it is stored in UTC. The start is
inclusive, the end exclusive: "closed on 24 December" runs from 24 December 00:00 to
25 December 00:00. On the autumn night when 02:00–03:00 happens twice, a time in that hour
means its first occurrence (summer time); a time that does not exist in spring (02:30 on the
last Sunday in March) is read as the same time in winter time, i.e. one hour later in summer
time (03:30) — zoneinfo's rule for `fold=0`.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from portal.domain.office_time import to_office_time
from portal.models.content import ContentItem, NoticePlacement


@dataclass(frozen=True)
class Where:
    """The public page being shown: 'start', 'service', 'page', 'booking' or 'other', and its key
    (service code or page slug)."""
    kind: str
    key: str = ""


def in_window(item: ContentItem, now: datetime) -> bool:
    start, end = to_office_time(item.starts_at), to_office_time(item.ends_at)
    return (start is None or start <= now) and (end is None or now < end)


def shows_on(item: ContentItem, where: Where) -> bool:
    placement = item.placement or NoticePlacement.ALL
    targets = set(item.targets or ())
    if placement == NoticePlacement.ALL:
        return True
    if placement == NoticePlacement.START:
        return where.kind == "start"
    if placement == NoticePlacement.BOOKING:
        return where.kind == "booking"
    if placement == NoticePlacement.SERVICES:
        return where.kind == "service" and (not targets or where.key in targets)
    if placement == NoticePlacement.PAGES:
        return where.kind == "page" and (not targets or where.key in targets)
    return False


def where_from_endpoint(endpoint: str | None, view_args: dict | None) -> Where:
    """Which kind of page a public endpoint is (the booking pages all start with 'appointment')."""
    name = (endpoint or "").rpartition(".")[2]
    args = view_args or {}
    if name == "index":
        return Where("start")
    if name in ("service", "start_application", "fillable_form"):
        return Where("service", args.get("code", ""))
    if name == "content_page":
        return Where("page", args.get("slug", ""))
    if name.startswith("appointment") or name == "hold_appointment":
        return Where("booking")
    return Where("other")
