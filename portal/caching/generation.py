"""The public content's generation and the moments it changes by itself.

A cached public page is valid for one generation: every committed change to a table the public
pages read (content, services, sites, opening hours, booking rules) moves the generation on, in
this process and, through Redis, in every other. Content also changes without a write: a
translation is published or expires at a set time, a notice starts or ends. The next such moment
is part of a page's key, so the page made before it is not asked for after it.

The free times are judged more finely than by table: the month calendar shows only which days
have a free time, so a place taken in a slot changes it only when it was a day's last one
(`check_after_commit`); a booking's own row (details given, confirmed) changes no free time."""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import event, func, select, union_all
from sqlalchemy.orm import Session

from portal.models.content import ContentItem, ContentTranslation

# What the cached pages read, by topic: the public content (pages, notices, services, sites),
# and the free times of the appointment calendar. A commit that touches none of these tables
# (applications, audit, mail, …) leaves the cached pages as they are.
PUBLIC_TABLES = frozenset({
    "content_item", "content_translation", "content_version", "content_media", "service",
    "service_counters", "site", "opening_hours", "site_closure", "site_booking_rules", "form_version",
})
AVAILABILITY_TABLES = frozenset({
    "slot", "service_counters", "site_closure", "site_booking_rules", "opening_hours", "service", "site",
})
AVAILABILITY = "availability"
# The online forms' definitions (portal.forms.registry keeps the published ones per generation).
FORMS = "forms"
TOPICS = {"content": PUBLIC_TABLES, AVAILABILITY: AVAILABILITY_TABLES, FORMS: frozenset({"form_version"})}
_CHANGED = "portal_cached_topics_changed"
_CHECKS = "portal_cached_topics_checks"
# An execution option: the watch does not judge this statement by its table; its author tells
# what it changed through check_after_commit (a place taken in a slot).
JUDGED_BY_AUTHOR = "portal_cache_judged_by_author"
log = logging.getLogger(__name__)


def next_content_moment(session: Session, now: datetime) -> datetime | None:
    """The next time after `now` at which what the public reads changes by the clock alone."""
    moments = union_all(
        select(func.min(ContentTranslation.publish_at)).where(ContentTranslation.publish_at > now),
        select(func.min(ContentTranslation.expire_at)).where(ContentTranslation.expire_at > now),
        select(func.min(ContentItem.starts_at)).where(ContentItem.starts_at > now),
        select(func.min(ContentItem.ends_at)).where(ContentItem.ends_at > now),
    ).subquery()
    moment = session.scalar(select(func.min(moments.c[0])))
    if isinstance(moment, str):  # SQLite hands an aggregate of a union back as text
        moment = datetime.fromisoformat(moment)
    if moment is not None and moment.tzinfo is None:  # SQLite keeps no time zone: stored as UTC
        moment = moment.replace(tzinfo=timezone.utc)
    return moment


@dataclass(frozen=True)
class _Window:
    computed_at: datetime
    until: datetime | None  # the next moment; None: no change by the clock is scheduled


class ContentClock:
    """next_content_moment, asked again only when the clock has passed it (or gone back), or
    the generation moved on."""

    def __init__(self):
        self._lock = threading.Lock()
        self._window: tuple[int, _Window] | None = None

    def until(self, session: Session, generation: int, now: datetime) -> datetime | None:
        with self._lock:
            known = self._window
        if known is not None:
            known_generation, window = known
            if (known_generation == generation and window.computed_at <= now
                    and (window.until is None or now < window.until)):
                return window.until
        window = _Window(now, next_content_moment(session, now))
        with self._lock:
            self._window = (generation, window)
        return window.until


def check_after_commit(session: Session, topic: str, changed) -> None:
    """After the session's next commit, `changed(connection)` says whether `topic` changed. For
    what only the committed state tells: two bookings taking a day's last two times at once each
    see the other's time still free before they commit; after its commit, the later one sees both."""
    session.info.setdefault(_CHECKS, []).append((topic, changed))


def _changed_after_commit(session: Session, changed) -> bool:
    try:
        with session.get_bind().connect() as connection:
            return changed(connection)
    except Exception as exc:  # noqa: BLE001 - cannot tell: as if it changed (pages are made anew)
        log.warning("page cache: a change could not be checked after the commit (%s)", type(exc).__name__)
        return True


def _topics_of(table_name: str | None) -> set[str]:
    return {topic for topic, tables in TOPICS.items() if table_name in tables}


def watch(session_factory, on_change) -> None:
    """Call `on_change(topics)` after every commit that changed a table of those topics through
    `session_factory` (flushed objects, or ORM UPDATE/DELETE/INSERT statements)."""

    @event.listens_for(session_factory, "after_flush")
    def _flushed(session, _context):
        for obj in (*session.new, *session.dirty, *session.deleted):
            found = _topics_of(getattr(getattr(obj, "__table__", None), "name", None))
            if found:
                session.info.setdefault(_CHANGED, set()).update(found)

    @event.listens_for(session_factory, "do_orm_execute")
    def _executed(state):
        if (state.is_update or state.is_delete or state.is_insert) and \
                not state.execution_options.get(JUDGED_BY_AUTHOR):
            found = _topics_of(getattr(getattr(state.statement, "table", None), "name", None))
            if found:
                state.session.info.setdefault(_CHANGED, set()).update(found)

    @event.listens_for(session_factory, "after_commit")
    def _committed(session):
        topics = session.info.pop(_CHANGED, None) or set()
        for topic, changed in session.info.pop(_CHECKS, ()):
            if topic not in topics and _changed_after_commit(session, changed):
                topics.add(topic)
        if topics:
            on_change(topics)

    @event.listens_for(session_factory, "after_rollback")
    def _rolled_back(session):
        session.info.pop(_CHANGED, None)
        session.info.pop(_CHECKS, None)
