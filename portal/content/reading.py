"""What the public reads: live versions in the visitor's language, German as the fallback.

Decided at read time from the stored times, so scheduled publishing, expiry and notice
windows take effect on the minute without a job. Only the published version of a translation
is ever read here: private, pending and newer drafts stay in the back office.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from portal.content.editing import SOURCE
from portal.models import Service
from portal.models.content import ContentItem, ContentKind, ContentTranslation, ContentVersion


# Pages that are German by their nature, in every language: Leichte Sprache is a form of German
# (§ 3 (3) HVBIT). They never say "not yet in your language".
GERMAN_BY_NATURE = frozenset({"easy-language"})


@dataclass(frozen=True)
class Shown:
    """A text to show: in the visitor's language, or German with `fallback` set."""
    item: ContentItem
    version: ContentVersion
    language: str
    fallback: bool


def live_condition(now: datetime):
    """SQL: the translation has a published version and is inside its publication window."""
    return and_(
        ContentTranslation.published_number.is_not(None),
        or_(ContentTranslation.publish_at.is_(None), ContentTranslation.publish_at <= now),
        or_(ContentTranslation.expire_at.is_(None), ContentTranslation.expire_at > now),
    )


def live_rows(session: Session, language: str, now: datetime, *conditions) -> list[Shown]:
    """Live versions of the items matching `conditions`, in `language` where it exists and is
    live, otherwise in German; items with neither are left out."""
    languages = {language, SOURCE}
    rows = session.execute(
        select(ContentItem, ContentTranslation, ContentVersion)
        .join(ContentTranslation, ContentTranslation.item_id == ContentItem.id)
        .join(ContentVersion, and_(ContentVersion.translation_id == ContentTranslation.id,
                                   ContentVersion.number == ContentTranslation.published_number))
        .where(ContentTranslation.language.in_(languages), live_condition(now), *conditions)
    ).all()
    chosen: dict[int, Shown] = {}
    for item, translation, version in rows:
        shown = Shown(item, version, translation.language, fallback=translation.language != language)
        if item.id not in chosen or not shown.fallback:
            chosen[item.id] = shown
    return list(chosen.values())


def page(session: Session, slug: str, language: str, now: datetime) -> Shown | None:
    found = live_rows(session, language, now, ContentItem.kind == ContentKind.PAGE, ContentItem.slug == slug)
    return found[0] if found else None


def menu(session: Session, language: str, now: datetime) -> list[Shown]:
    found = live_rows(session, language, now, ContentItem.kind == ContentKind.PAGE,
                      ContentItem.menu_position.is_not(None))
    return sorted(found, key=lambda s: (s.item.menu_position, s.item.id))


def service_description(session: Session, code: str, language: str, now: datetime) -> Shown | None:
    found = live_rows(session, language, now, ContentItem.kind == ContentKind.SERVICE, ContentItem.slug == code)
    return found[0] if found else None


def service_descriptions(session: Session, language: str, now: datetime) -> dict[str, Shown]:
    """By service code, for the service list."""
    return {s.item.slug: s for s in live_rows(session, language, now, ContentItem.kind == ContentKind.SERVICE)}


def faq(session: Session, code: str, language: str, now: datetime) -> list[Shown]:
    service_id = select(Service.id).where(Service.code == code).scalar_subquery()
    found = live_rows(session, language, now, ContentItem.kind == ContentKind.FAQ,
                      ContentItem.service_id == service_id)
    return sorted(found, key=lambda s: (s.item.position, s.item.id))


def notices(session: Session, language: str, now: datetime) -> list[Shown]:
    """Notices inside their window now (starts_at inclusive, ends_at exclusive)."""
    found = live_rows(
        session, language, now, ContentItem.kind == ContentKind.NOTICE,
        or_(ContentItem.starts_at.is_(None), ContentItem.starts_at <= now),
        or_(ContentItem.ends_at.is_(None), ContentItem.ends_at > now),
    )
    return sorted(found, key=lambda s: s.item.id)


__all__ = ["GERMAN_BY_NATURE", "Shown", "faq", "live_condition", "live_rows", "menu", "notices", "page",
           "service_description", "service_descriptions"]
