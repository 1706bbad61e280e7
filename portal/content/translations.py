"""Which languages an item has, which are missing and which are outdated.

A translation records the German version it was made from (`source_number`). It is *outdated*
when German has moved on since: when the German version applicants read now (the published
one; the newest one while German was never published) is newer than that source. A German
draft that is still under review does not make translations outdated — translators follow
what is live, and a draft may still be rejected.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from portal.config import LANGUAGES
from portal.content import workflow
from portal.content.editing import SOURCE
from portal.models.content import ContentItem, ContentTranslation


@dataclass(frozen=True)
class LanguageStatus:
    language: str
    translation: ContentTranslation | None
    outdated: bool
    public_state: str  # published, scheduled, expired, unpublished (see workflow.public_state)

    @property
    def present(self) -> bool:
        return self.translation is not None

    @property
    def state(self) -> str | None:
        return self.translation.state if self.translation else None


def german_reference(item: ContentItem) -> int | None:
    german = item.translation(SOURCE)
    if german is None or german.latest is None:
        return None
    return german.published_number or german.latest.number


def is_outdated(item: ContentItem, translation: ContentTranslation) -> bool:
    if translation.language == SOURCE or translation.latest is None:
        return False
    reference = german_reference(item)
    made_from = translation.latest.source_number
    if reference is None:
        return False
    return made_from is None or made_from < reference  # unknown origin counts as outdated


def language_statuses(item: ContentItem, now: datetime) -> list[LanguageStatus]:
    """One row per portal language, German first."""
    rows = []
    for language in LANGUAGES:
        translation = item.translation(language)
        rows.append(LanguageStatus(
            language=language, translation=translation,
            outdated=bool(translation) and is_outdated(item, translation),
            public_state=workflow.public_state(translation, now) if translation else "unpublished",
        ))
    return rows
