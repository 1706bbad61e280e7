"""Content waiting for review: translations an editor submitted (state "pending"), for the team
lead's overview. Few at any time; the newest version of each says who wrote it and when."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import ContentItem, ContentTranslation, ContentVersion, StaffUser, WorkflowState


@dataclass(frozen=True)
class Waiting:
    item_id: int
    kind: str
    slug: str
    language: str
    title: str
    changed_at: datetime  # the version waiting for review
    changed_by: str  # the editor's name, "" when unknown


def waiting_for_review(session: Session, limit: int = 50) -> list[Waiting]:
    """Pending translations, the longest waiting first."""
    waiting = []
    translations = session.execute(
        select(ContentTranslation, ContentItem).join(ContentItem, ContentTranslation.item_id == ContentItem.id)
        .where(ContentTranslation.state == WorkflowState.PENDING)).all()
    for translation, item in translations:  # a handful: one query each for the newest version
        version = session.scalar(select(ContentVersion).where(ContentVersion.translation_id == translation.id)
                                 .order_by(ContentVersion.number.desc()).limit(1))
        if version is None:
            continue
        editor = session.get(StaffUser, version.created_by_id) if version.created_by_id else None
        waiting.append(Waiting(item.id, item.kind, item.slug, translation.language, version.title,
                               version.created_at, editor.full_name if editor else ""))
    waiting.sort(key=lambda w: w.changed_at)
    return waiting[:limit]
