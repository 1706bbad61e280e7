"""Changing content: create items, save versions, move through the workflow, restore, settings
and the menu.

Every function takes the staff member and the time from the caller, writes the audit entry of a
change by staff ("content_<action>") and leaves the commit to the caller. The shipped content
loaded by the seed (staff None) is no one's change and is not recorded. Nothing is
overwritten: every save and every restore is a new version.
"""
from __future__ import annotations

import re
from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.audit import record
from portal.config import DEFAULT_LANGUAGE, LANGUAGES
from portal.content import workflow
from portal.content.workflow import WorkflowRefused
from portal.models import Service, StaffUser
from portal.models.content import (
    ContentItem, ContentKind, ContentTranslation, ContentVersion, NoticePlacement, WorkflowState,
)

SOURCE = DEFAULT_LANGUAGE  # German is the source of every item
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
LIMITS = {"title": 200, "summary": 1000, "body": 50_000, "audience": 5000, "documents": 5000,
          "fees": 5000, "processing_time": 1000, "note": 300}
# Which texts each kind of item has (the others stay empty).
FIELDS = {
    ContentKind.PAGE: ("title", "summary", "body"),
    ContentKind.SERVICE: ("title", "summary", "body", "audience", "documents", "fees", "processing_time"),
    ContentKind.FAQ: ("title", "body"),  # question, answer
    ContentKind.NOTICE: ("title", "body"),
}

ContentRefused = WorkflowRefused  # one exception for every refusal, with a code


def _audit(session: Session, action: str, item: ContentItem, language: str, staff: StaffUser | None,
           client_address: str, **detail) -> None:
    if staff is None:
        return
    record(session, f"content_{action}", staff=staff, object_type="content",
           object_id=f"{item.id}/{language}" if language else item.id, client_address=client_address,
           detail={"kind": item.kind, "slug": item.slug, **detail})


def utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("naive datetime: say which zone it is in")
    return value.astimezone(timezone.utc)


def _clean_texts(kind: str, texts: dict) -> dict[str, str]:
    wanted = FIELDS[ContentKind(kind)]
    cleaned = {}
    for name in ContentVersion.TEXT_FIELDS:
        value = (texts.get(name) or "").replace("\r\n", "\n").strip() if name in wanted else ""
        if len(value) > LIMITS[name]:
            raise ContentRefused(f"too_long:{name}")
        cleaned[name] = value
    if not cleaned["title"]:
        raise ContentRefused("title_missing")
    return cleaned


def check_slug(session: Session, kind: str, slug: str, *, item_id: int | None = None) -> str:
    slug = (slug or "").strip().lower()
    if not SLUG.fullmatch(slug) or len(slug) > 80:
        raise ContentRefused("slug_invalid")
    clash = session.scalar(select(ContentItem.id).where(ContentItem.kind == kind, ContentItem.slug == slug))
    if clash is not None and clash != item_id:
        raise ContentRefused("slug_taken")
    return slug


def create_item(session: Session, *, kind: str, slug: str, texts: dict, staff: StaffUser | None,
                now: datetime, service_code: str | None = None, note: str = "",
                client_address: str = "") -> ContentItem:
    """A new item with its German translation as version 1 (private)."""
    if staff is not None and not workflow.can_edit(staff.role):
        raise ContentRefused("not_allowed")
    if kind not in {k.value for k in ContentKind}:
        raise ContentRefused("kind_unknown")
    service = None
    if kind in (ContentKind.SERVICE, ContentKind.FAQ):
        service = session.scalar(select(Service).where(Service.code == (service_code or "")))
        if service is None:
            raise ContentRefused("service_missing")
        if kind == ContentKind.SERVICE:
            slug = service.code  # one description per service, found by its code
    slug = check_slug(session, kind, slug)
    item = ContentItem(kind=kind, slug=slug, service=service, created_at=now,
                       created_by_id=staff.id if staff else None, targets=[],
                       placement=NoticePlacement.ALL.value if kind == ContentKind.NOTICE else None)
    session.add(item)
    _new_version(session, item, SOURCE, texts, staff=staff, now=now, note=note)
    _audit(session, "create", item, SOURCE, staff, client_address)
    return item


def save_version(session: Session, item: ContentItem, language: str, texts: dict, *,
                 staff: StaffUser | None, now: datetime, note: str = "",
                 source_number: int | None = None, client_address: str = "") -> ContentVersion:
    """A new version of one translation; the translation becomes (or stays) a private draft.
    For a translation, `source_number` is the German version the translator worked from
    (default: the German version applicants currently read)."""
    version = _new_version(session, item, language, texts, staff=staff, now=now, note=note,
                           source_number=source_number)
    _audit(session, "edit", item, language, staff, client_address, version=version.number)
    return version


def _new_version(session: Session, item: ContentItem, language: str, texts: dict, *,
                 staff: StaffUser | None, now: datetime, note: str = "",
                 source_number: int | None = None) -> ContentVersion:
    if staff is not None and not workflow.can_edit(staff.role):
        raise ContentRefused("not_allowed")
    if language not in LANGUAGES:
        raise ContentRefused("language_unknown")
    cleaned = _clean_texts(item.kind, texts)
    note = (note or "").strip()
    if len(note) > LIMITS["note"]:
        raise ContentRefused("too_long:note")
    if language != SOURCE:
        german = item.translation(SOURCE)
        if german is None or german.latest is None:
            raise ContentRefused("german_first")
        known = {v.number for v in german.versions}
        if source_number is None or source_number not in known:
            source_number = german.published_number or german.latest.number
    else:
        source_number = None
    translation = item.translation(language)
    if translation is None:
        translation = ContentTranslation(language=language, state=WorkflowState.PRIVATE.value)
        item.translations.append(translation)
    latest = translation.latest
    if latest is not None and latest.texts() == cleaned and latest.source_number == source_number:
        raise ContentRefused("unchanged")
    version = ContentVersion(number=(latest.number + 1) if latest else 1, note=note, source_number=source_number,
                             created_at=now, created_by_id=staff.id if staff else None, **cleaned)
    translation.versions.append(version)
    # A newer draft: the published version (if any) stays what the public reads.
    translation.state = WorkflowState.PRIVATE.value
    session.flush()
    return version


def apply_transition(session: Session, translation: ContentTranslation, action: str, *,
                     staff: StaffUser, now: datetime, publish_at: datetime | None = None,
                     expire_at: datetime | None = None, client_address: str = "") -> workflow.Transition:
    """Submit, retract, publish, reject or expire; publish takes the newest version live
    (optionally from `publish_at`, until `expire_at`)."""
    live = workflow.public_state(translation, now) in ("published", "scheduled")
    transition = workflow.check(action, translation.state, staff.role, live=live)
    latest = translation.latest
    if latest is None:
        raise ContentRefused("wrong_state")
    if action == "publish":
        publish_at, expire_at = utc(publish_at), utc(expire_at)
        if expire_at is not None and expire_at <= (publish_at or now):
            raise ContentRefused("expiry_before_start")
        translation.published_number = latest.number
        translation.publish_at = publish_at
        translation.expire_at = expire_at
        latest.published_at = now
        latest.published_by_id = staff.id
        translation.state = transition.target.value
    elif action == "expire":
        translation.expire_at = now
        if translation.state == WorkflowState.PUBLISHED:
            translation.state = transition.target.value
        # else: a newer draft waits beside the expired text and keeps its state
    else:
        translation.state = transition.target.value
    session.flush()
    _audit(session, action, translation.item, translation.language, staff, client_address,
           state=translation.state, version=latest.number, published=translation.published_number)
    return transition


def restore(session: Session, translation: ContentTranslation, number: int, *, staff: StaffUser,
            now: datetime, client_address: str = "") -> ContentVersion:
    """An earlier version's text as a new version (a private draft, to be published)."""
    if not workflow.can_publish(staff.role):
        raise ContentRefused("not_allowed")
    old = translation.version(number)
    if old is None:
        raise ContentRefused("version_unknown")
    if translation.latest is not None and old.number == translation.latest.number:
        raise ContentRefused("unchanged")
    version = ContentVersion(number=translation.latest.number + 1, source_number=old.source_number,
                             restored_from=old.number, note=f"← {old.number}", created_at=now,
                             created_by_id=staff.id, **old.texts())
    translation.versions.append(version)
    translation.state = WorkflowState.PRIVATE.value
    session.flush()
    _audit(session, "restore", translation.item, translation.language, staff, client_address,
           version=version.number, restored_from=version.restored_from)
    return version


def change_settings(session: Session, item: ContentItem, staff: StaffUser, *, slug: str = "",
                    placement: str = "", targets: list[str] | None = None, starts_at: datetime | None = None,
                    ends_at: datetime | None = None, in_menu: bool = False, position: int | None = None,
                    client_address: str = "") -> None:
    """An item's settings, as far as its kind has them: the address (pages, notices), where and
    when a notice shows, whether a page is in the menu, an FAQ entry's position."""
    if item.kind in (ContentKind.PAGE, ContentKind.NOTICE) and slug:
        item.slug = check_slug(session, item.kind, slug, item_id=item.id)
    if item.kind == ContentKind.NOTICE:
        update_notice(item, placement=placement or item.placement or "all", targets=targets or [],
                      starts_at=starts_at, ends_at=ends_at)
    if item.kind == ContentKind.PAGE:
        set_in_menu(session, item, in_menu)
    if item.kind == ContentKind.FAQ and position is not None:
        item.position = position
    _audit(session, "settings", item, "", staff, client_address, placement=item.placement, targets=item.targets,
           menu_position=item.menu_position)


def update_notice(item: ContentItem, *, placement: str, targets: list[str], starts_at: datetime | None,
                  ends_at: datetime | None) -> None:
    """Where and when a notice shows; times are aware (the view converts from office time)."""
    if placement not in {p.value for p in NoticePlacement}:
        raise ContentRefused("placement_unknown")
    starts_at, ends_at = utc(starts_at), utc(ends_at)
    if starts_at is not None and ends_at is not None and ends_at <= starts_at:
        raise ContentRefused("window_invalid")
    item.placement = placement
    item.targets = sorted({t.strip() for t in targets if t and t.strip()})
    item.starts_at, item.ends_at = starts_at, ends_at


def move_in_menu(session: Session, item: ContentItem, direction: int, staff: StaffUser, *,
                 client_address: str = "") -> None:
    """Swap a page with its neighbour in the menu (direction -1 up, +1 down)."""
    pages = list(session.scalars(select(ContentItem).where(
        ContentItem.kind == ContentKind.PAGE, ContentItem.menu_position.is_not(None))
        .order_by(ContentItem.menu_position, ContentItem.id)))
    if item in pages:
        index = pages.index(item)
        other = index + direction
        if 0 <= other < len(pages):
            pages[index], pages[other] = pages[other], pages[index]
        for position, page in enumerate(pages, start=1):
            page.menu_position = position  # renumbered, so gaps and ties never build up
    _audit(session, "menu", item, "", staff, client_address, menu_position=item.menu_position)


def set_in_menu(session: Session, item: ContentItem, shown: bool) -> None:
    if item.kind != ContentKind.PAGE:
        raise ContentRefused("not_a_page")
    if not shown:
        item.menu_position = None
    elif item.menu_position is None:
        last = session.scalar(select(ContentItem.menu_position).where(ContentItem.menu_position.is_not(None))
                              .order_by(ContentItem.menu_position.desc()).limit(1))
        item.menu_position = (last or 0) + 1
