"""Loading the demo content from portal/content/seed/<lang>/*.yaml, idempotently.

One YAML file per item (or per service's FAQ) and language, so that translators work on one
language at a time. The German file is the source and also holds the settings (menu place,
service, notice placement and window in office time); the other languages' files hold texts
only, under the same file name. Every language's text is loaded as a published translation
made from the current German version. Items that exist already are left as editors made them;
only missing translations are added.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.config import LANGUAGES
from portal.content.editing import SOURCE, create_item, save_version
from portal.domain.office_time import from_office_time
from portal.models import Service
from portal.models.content import ContentItem, ContentKind, ContentTranslation, WorkflowState

SEED_DIR = Path(__file__).resolve().parent / "seed"
TEXT_KEYS = ("title", "summary", "body", "audience", "documents", "fees", "processing_time")


@dataclass(frozen=True)
class SeedEntry:
    kind: str
    slug: str
    settings: dict
    texts: dict[str, dict]  # language → texts


def _read(path: Path) -> dict:
    with path.open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping")
    return data


def _texts(data: dict) -> dict:
    return {key: str(data[key]) for key in TEXT_KEYS if data.get(key) is not None}


def entries(root: Path = SEED_DIR) -> list[SeedEntry]:
    """Every item of the seed files, with the texts of each language that has a file."""
    found = []
    for source in sorted((root / SOURCE).glob("*.yaml")):
        german = _read(source)
        others = {lang: _read(root / lang / source.name) for lang in LANGUAGES
                  if lang != SOURCE and (root / lang / source.name).is_file()}
        if german.get("kind") == ContentKind.FAQ:
            for position, entry in enumerate(german.get("entries") or [], start=1):
                texts = {SOURCE: _texts(entry)}
                for lang, data in others.items():
                    match = next((e for e in data.get("entries") or [] if e.get("slug") == entry["slug"]), None)
                    if match:
                        texts[lang] = _texts(match)
                found.append(SeedEntry(ContentKind.FAQ.value, entry["slug"],
                                       {"service": german["service"], "position": position}, texts))
            continue
        settings = {k: v for k, v in german.items() if k not in TEXT_KEYS}
        texts = {SOURCE: _texts(german), **{lang: _texts(data) for lang, data in others.items()}}
        found.append(SeedEntry(german["kind"], german["slug"], settings, texts))
    return found


def _publish_seeded(translation: ContentTranslation, now: datetime) -> None:
    latest = translation.latest
    latest.published_at = now
    translation.published_number = latest.number
    translation.state = WorkflowState.PUBLISHED.value


def _apply_settings(item: ContentItem, settings: dict) -> None:
    if item.kind == ContentKind.PAGE:
        item.menu_position = settings.get("menu_position")
    elif item.kind == ContentKind.FAQ:
        item.position = settings.get("position", 0)
    elif item.kind == ContentKind.NOTICE:
        item.placement = settings.get("placement", "all")
        item.targets = list(settings.get("targets") or [])
        item.starts_at = from_office_time(_local(settings["starts"])) if settings.get("starts") else None
        item.ends_at = from_office_time(_local(settings["ends"])) if settings.get("ends") else None


def _local(value) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def load_seed_content(session: Session, now: datetime, root: Path = SEED_DIR) -> int:
    """Create the seed items that are missing and their missing translations; returns how many
    translations were added. Services that are not in the database are skipped."""
    known_services = set(session.scalars(select(Service.code)))
    added = 0
    for entry in entries(root):
        service_code = entry.slug if entry.kind == ContentKind.SERVICE else entry.settings.get("service")
        if entry.kind in (ContentKind.SERVICE, ContentKind.FAQ) and service_code not in known_services:
            continue
        item = session.scalar(select(ContentItem).where(ContentItem.kind == entry.kind,
                                                        ContentItem.slug == entry.slug))
        if item is None:
            item = create_item(session, kind=entry.kind, slug=entry.slug, texts=entry.texts[SOURCE], staff=None,
                               now=now, service_code=service_code)
            _apply_settings(item, entry.settings)
            _publish_seeded(item.translation(SOURCE), now)
            added += 1
        german = item.translation(SOURCE)
        for lang, texts in entry.texts.items():
            if lang == SOURCE or item.translation(lang) is not None:
                continue
            save_version(session, item, lang, texts, staff=None, now=now,
                         source_number=german.published_number or german.latest.number)
            _publish_seeded(item.translation(lang), now)
            added += 1
    session.flush()
    return added
