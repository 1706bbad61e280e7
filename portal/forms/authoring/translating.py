"""A definition's texts for translating (docs/forms.md): every text in the order of the document,
with a stable path, what it is, the German source and the state of each translation; and
translations set from the editor's page, each recording the German text it was made from.

Pure: no database, no request. German is changed in the structure editor, never here.
"""
from __future__ import annotations

import copy
import unicodedata
from dataclasses import dataclass, field
from typing import Iterator, Mapping

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext

from portal.config import LANGUAGES
from portal.forms.definitions.texts import MADE_FROM, SOURCE, is_outdated, translated

TRANSLATED_LANGUAGES = tuple(language for language in LANGUAGES if language != SOURCE)
TEXT_LIMIT = 10_000
_KEPT_CONTROLS = frozenset("\n\t")


class TranslationRefused(ValueError):
    """Translations that cannot be set: `code` names why, `message` says it (a lazy string)."""

    def __init__(self, code: str, message):
        super().__init__(code)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


@dataclass(frozen=True)
class Translation:
    text: str  # "" when there is none
    outdated: bool  # made from another German text than the current one
    missing: bool  # none, where the applicant must read it (check.py refuses to publish)


@dataclass(frozen=True)
class TextEntry:
    path: str  # where in the definition: "steps[1].fields[0].label"
    key: str  # the same text after items moved: "field:surname.label"
    owner: str  # the item it belongs to: "field:surname", "step:identity", "slot:passport", "service", ...
    what: object  # what it is, for the editor (lazy string)
    german: str
    required: bool  # an applicant must read it: check.py requires every translation
    texts: Mapping = field(compare=False, repr=False)

    def translation(self, language: str) -> Translation:
        value = self.texts.get(language)
        text = value if isinstance(value, str) else ""
        present = bool(text.strip())
        return Translation(text=text, outdated=present and is_outdated(self.texts, language),
                           missing=self.required and not present)

    @property
    def translations(self) -> dict[str, Translation]:
        return {language: self.translation(language) for language in TRANSLATED_LANGUAGES}


@dataclass(frozen=True)
class _Place:
    path: str
    key: str
    owner: str
    what: object
    required: bool
    parent: dict
    attribute: str


def _items(value: object) -> Iterator[tuple[int, Mapping]]:
    for index, item in enumerate(value if isinstance(value, list) else ()):
        if isinstance(item, Mapping):
            yield index, item


def _name(item: Mapping, key: str, index: int) -> str:
    value = item.get(key)
    return value if isinstance(value, str) and value else f"#{index + 1}"


def _field_places(where: str, index: int, item: Mapping) -> Iterator[_Place]:
    name = _name(item, "name", index)
    owner = f"field:{name}"
    yield _Place(f"{where}.label", f"{owner}.label", owner, _l("Label of field %(name)s", name=name), True,
                 item, "label")
    yield _Place(f"{where}.hint", f"{owner}.hint", owner, _l("Hint of field %(name)s", name=name), False, item, "hint")
    for place, choice in _items(item.get("choices")):
        value = _name(choice, "value", place)
        yield _Place(f"{where}.choices[{place}].label", f"{owner}.choice:{value}.label", owner,
                     _l("Choice %(value)s of field %(name)s", value=value, name=name), True, choice, "label")
    for place, rule in _items(item.get("rules")):
        yield _Place(f"{where}.rules[{place}].message", f"{owner}.rules[{place}].message", owner,
                     _l("Message of rule %(kind)s of field %(name)s", kind=str(rule.get("kind")), name=name), True,
                     rule, "message")


def _places(definition: Mapping) -> Iterator[_Place]:
    """Every place a text may be, in the order of the document (a place may hold no text)."""
    service = definition.get("service")
    if isinstance(service, Mapping):
        yield _Place("service.title", "service.title", "service", _l("Title of the service"), True, service, "title")
        yield _Place("service.summary", "service.summary", "service", _l("Summary of the service"), False, service,
                     "summary")
        yield _Place("service.audience", "service.audience", "service", _l("Who the service is for"), False,
                     service, "audience")
    yield _Place("declaration", "declaration", "declaration", _l("Declaration"), True, definition, "declaration")
    for index, step in _items(definition.get("steps")):
        key = _name(step, "key", index)
        where, owner = f"steps[{index}]", f"step:{key}"
        yield _Place(f"{where}.title", f"{owner}.title", owner, _l("Title of step %(name)s", name=key), True, step,
                     "title")
        yield _Place(f"{where}.intro", f"{owner}.intro", owner, _l("Introduction of step %(name)s", name=key), False,
                     step, "intro")
        for place, item in _items(step.get("fields")):
            yield from _field_places(f"{where}.fields[{place}]", place, item)
    for index, slot in _items(definition.get("documents")):
        key = _name(slot, "key", index)
        where, owner = f"documents[{index}]", f"slot:{key}"
        yield _Place(f"{where}.label", f"{owner}.label", owner, _l("Label of document slot %(name)s", name=key), True,
                     slot, "label")
        yield _Place(f"{where}.hint", f"{owner}.hint", owner, _l("Hint of document slot %(name)s", name=key), False,
                     slot, "hint")


def _present(definition: Mapping) -> Iterator[tuple[_Place, Mapping]]:
    for place in _places(definition):
        text = place.parent.get(place.attribute)
        if isinstance(text, Mapping):
            yield place, text


def texts_of(definition: Mapping) -> list[TextEntry]:
    """Every text of the definition, in the order of the document."""
    return [TextEntry(path=place.path, key=place.key, owner=place.owner, what=place.what,
                      german=text[SOURCE] if isinstance(text.get(SOURCE), str) else "", required=place.required,
                      texts=text)
            for place, text in _present(definition)]


def summary(definition: Mapping, language: str) -> tuple[int, int]:
    """(missing, outdated): texts an applicant must read without a translation into `language`,
    and translations made from another German text than the current one."""
    missing = outdated = 0
    for entry in texts_of(definition):
        state = entry.translation(language)
        missing += state.missing
        outdated += state.outdated
    return missing, outdated


def normalised(text: str) -> str:
    """A translation as it is kept: line ends as "\\n", no space around it."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def _checked(path: str, value: object) -> str:
    if not isinstance(value, str):
        raise TranslationRefused("not_a_text", _l("The translation of %(path)s is not a text.", path=path))
    value = normalised(value)
    if len(value) > TEXT_LIMIT:
        raise TranslationRefused("too_long", lazy_ngettext(
            "The translation of %(path)s is longer than %(num)s character.",
            "The translation of %(path)s is longer than %(num)s characters.", TEXT_LIMIT, path=path))
    if any(unicodedata.category(ch) == "Cc" and ch not in _KEPT_CONTROLS for ch in value):
        raise TranslationRefused("control_characters", _l(
            "The translation of %(path)s contains control characters; please type it again.", path=path))
    return value


def _without(text: Mapping, language: str) -> dict:
    updated = {key: value for key, value in text.items() if key != language}
    made_from = {key: value for key, value in (text.get(MADE_FROM) or {}).items() if key != language}
    if made_from:
        updated[MADE_FROM] = made_from
    else:
        updated.pop(MADE_FROM, None)
    return updated


def set_translations(definition: Mapping, language: str, changes: Mapping[str, str]) -> dict:
    """A copy of the definition with these translations into `language` ({path: text}): each
    records the current German text as the one it was made from (so it is no longer outdated);
    an empty text removes the translation. German, an unknown language or path: refused."""
    if language == SOURCE:
        raise TranslationRefused("german", _l("German is the source: change it in the form's structure editor."))
    if language not in TRANSLATED_LANGUAGES:
        raise TranslationRefused("language_unknown", _l("Unknown language."))
    updated = copy.deepcopy(dict(definition))
    places = {place.path: (place, text) for place, text in _present(updated)}
    unknown = sorted(path for path in changes if path not in places)
    if unknown:
        raise TranslationRefused("path_unknown", _l("The form has no text at %(path)s.", path=", ".join(unknown[:3])))
    for path, value in changes.items():
        place, text = places[path]
        value = _checked(path, value)
        place.parent[place.attribute] = translated(text, language, value) if value else _without(text, language)
    return updated
