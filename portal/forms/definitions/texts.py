"""A definition's texts: one per language, German the source, each translation knowing which
German text it was made from (so that a changed German text marks it outdated)."""
from __future__ import annotations

import hashlib
from typing import Mapping

from flask_babel import get_locale

SOURCE = "de"
MADE_FROM = "made_from"


def digest(german: str) -> str:
    """What a translation records of the German text it was made from."""
    return hashlib.sha256(german.encode("utf-8")).hexdigest()[:12]


def in_language(text: Mapping | None, language: str) -> str:
    """The text in `language`, else the German source ("" for no text)."""
    if not text:
        return ""
    return str(text.get(language) or text.get(SOURCE) or "")


def is_outdated(text: Mapping, language: str) -> bool:
    """A translation made from another German text than the current one (or not recorded)."""
    if language == SOURCE or not text.get(language):
        return False
    return (text.get(MADE_FROM) or {}).get(language) != digest(str(text.get(SOURCE) or ""))


def translated(text: Mapping, language: str, value: str) -> dict:
    """A copy of `text` with the translation into `language`, made from the current German."""
    made_from = dict(text.get(MADE_FROM) or {})
    updated = {**text, language: value}
    if language != SOURCE:
        made_from[language] = digest(str(text.get(SOURCE) or ""))
    updated[MADE_FROM] = made_from
    return updated


class LocalisedText:
    """A definition's text where the code had a lazy gettext string: str() gives it in the current
    locale (force_locale works as for gettext), so templates, PDFs and mails need no change."""

    __slots__ = ("texts",)

    def __init__(self, texts: Mapping):
        self.texts = texts

    def __str__(self) -> str:
        locale = get_locale()
        return in_language(self.texts, str(locale) if locale else SOURCE)

    def __html__(self) -> str:
        from markupsafe import escape

        return str(escape(str(self)))

    def __eq__(self, other) -> bool:
        return isinstance(other, LocalisedText) and dict(self.texts) == dict(other.texts)

    def __hash__(self) -> int:
        return hash(self.texts.get(SOURCE))

    def __bool__(self) -> bool:
        return bool(self.texts and self.texts.get(SOURCE))

    def __repr__(self) -> str:
        return f"LocalisedText({self.texts.get(SOURCE)!r})"


def localised(text: Mapping | None) -> LocalisedText | None:
    return LocalisedText(text) if text else None
