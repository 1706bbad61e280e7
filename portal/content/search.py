"""Search over what the public may read, in the visitor's language (German where an item has
no live translation).

PostgreSQL: full-text search at query time, `websearch_to_tsquery` with the language's
dictionary (stemming for German, English, Russian and Turkish; 'simple' for Ukrainian, Arabic
and Persian, which PostgreSQL has no stemmer for), ranked by ts_rank with the title weighted
highest. SQLite (single-node installations, tests): every word must occur, case-folded in
Python so that Cyrillic and Arabic fold too (SQLite's LIKE folds ASCII only); ranked by where
the words occur. The published content is a few hundred items, so this stays fast.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, cast, func, literal, literal_column, select
from sqlalchemy.dialects.postgresql import REGCONFIG
from sqlalchemy.orm import Session

from portal.content.editing import SOURCE
from portal.content.reading import Shown, live_condition, live_rows
from portal.models.content import ContentItem, ContentKind, ContentTranslation, ContentVersion

TS_CONFIG = {"de": "german", "en": "english", "ru": "russian", "tr": "turkish",
             "uk": "simple", "ar": "simple", "fa": "simple"}
SEARCHED_KINDS = (ContentKind.PAGE, ContentKind.SERVICE, ContentKind.FAQ)
MAX_QUERY = 200
LIMIT = 30


@dataclass(frozen=True)
class Hit:
    shown: Shown
    score: float

    @property
    def item(self) -> ContentItem:
        return self.shown.item


def _document(config: str):
    weighted = [(ContentVersion.title, "A"), (ContentVersion.summary, "B"), (ContentVersion.body, "C"),
                (ContentVersion.audience, "C"), (ContentVersion.documents, "C"), (ContentVersion.fees, "D"),
                (ContentVersion.processing_time, "D")]
    vector = None
    for column, weight in weighted:
        # An untyped literal: setweight takes a "char", which no bound parameter type gives.
        part = func.setweight(func.to_tsvector(cast(literal(config), REGCONFIG), func.coalesce(column, "")),
                              literal_column(f"'{weight}'"))
        vector = part if vector is None else vector.op("||")(part)
    return vector


def _words(query: str) -> list[str]:
    return [w for w in re.split(r"\W+", query.casefold()) if w]


def search(session: Session, query: str, language: str, now: datetime) -> list[Hit]:
    query = (query or "").strip()[:MAX_QUERY]
    if not _words(query):
        return []
    if session.get_bind().dialect.name == "postgresql":
        return _search_postgresql(session, query, language, now)
    return _search_simple(session, query, language, now)


def _search_postgresql(session: Session, query: str, language: str, now: datetime) -> list[Hit]:
    shown = {s.item.id: s for s in live_rows(session, language, now, ContentItem.kind.in_(SEARCHED_KINDS))}
    if not shown:
        return []
    scores: dict[int, float] = {}
    # Each language's text is matched with its own dictionary: the visitor's language, and
    # German for the items shown in German.
    for text_language in {language, SOURCE}:
        config = TS_CONFIG.get(text_language, "simple")
        ids = [i for i, s in shown.items() if s.language == text_language]
        if not ids:
            continue
        tsquery = func.websearch_to_tsquery(cast(literal(config), REGCONFIG), query)
        document = _document(config)
        rows = session.execute(
            select(ContentTranslation.item_id, func.ts_rank(document, tsquery))
            .join(ContentVersion, and_(ContentVersion.translation_id == ContentTranslation.id,
                                       ContentVersion.number == ContentTranslation.published_number))
            .where(ContentTranslation.item_id.in_(ids), ContentTranslation.language == text_language,
                   live_condition(now), document.op("@@")(tsquery))
        ).all()
        scores.update({item_id: float(rank) for item_id, rank in rows})
    hits = [Hit(shown[i], score) for i, score in scores.items()]
    return sorted(hits, key=lambda h: (-h.score, h.shown.version.title))[:LIMIT]


def _search_simple(session: Session, query: str, language: str, now: datetime) -> list[Hit]:
    words = _words(query)
    hits = []
    for shown in live_rows(session, language, now, ContentItem.kind.in_(SEARCHED_KINDS)):
        texts = shown.version.texts()
        title = texts["title"].casefold()
        summary = texts["summary"].casefold()
        rest = " ".join(texts[name] for name in ("body", "audience", "documents", "fees",
                                                 "processing_time")).casefold()
        if not all(w in title or w in summary or w in rest for w in words):
            continue
        score = sum(3 * (w in title) + 2 * (w in summary) + (w in rest) for w in words)
        hits.append(Hit(shown, float(score)))
    return sorted(hits, key=lambda h: (-h.score, h.shown.version.title))[:LIMIT]
