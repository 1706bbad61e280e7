"""What changed between two versions of a form definition, in terms an editor understands: steps,
fields and document slots added, removed or moved; per item the settings that changed (type,
required, choices, condition, rules, limits) and its German texts (old → new); the service's
settings; translations only counted, per language.

Pure: the two definitions in, a list of differences out. Values are plain text (escaped where shown)."""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Callable, Mapping

from flask_babel import lazy_gettext as _l

from portal.forms.authoring import describe
from portal.forms.authoring.translating import TRANSLATED_LANGUAGES, TextEntry, texts_of
from portal.forms.definitions.texts import MADE_FROM

ADDED, REMOVED, MOVED, CHANGED, TEXT, TRANSLATIONS = "added", "removed", "moved", "changed", "text", "translations"


@dataclass(frozen=True)
class Difference:
    kind: str  # ADDED, REMOVED, MOVED, CHANGED, TEXT, TRANSLATIONS
    subject: object  # the item, for the editor: "Field surname" (lazy string)
    label: str = ""  # its German label or title, to recognise it
    detail: object = ""  # what about it: "Type", "moved from step a to step b" (lazy string)
    old: object = None  # before (None: nothing)
    new: object = None  # after
    language: str = ""  # TRANSLATIONS: of which language
    count: int = 0  # TRANSLATIONS: how many texts


def _entries(value: object) -> list[Mapping]:
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []


def _german(text: object) -> str:
    return text.get("de") if isinstance(text, Mapping) and isinstance(text.get("de"), str) else ""


def _by(items: list[Mapping], key: str) -> dict[str, Mapping]:
    found: dict[str, Mapping] = {}
    for item in items:
        if isinstance(item.get(key), str):
            found.setdefault(item[key], item)
    return found


def _yes_no(value: object):
    return _l("yes") if value else _l("no")


def _moved(old: list[str], new: list[str]) -> list[str]:
    """Of the items in both orders, those not in their longest common order: the ones moved."""
    shared = set(old) & set(new)
    a, b = [k for k in old if k in shared], [k for k in new if k in shared]
    kept = {a[block.a + i] for block in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_matching_blocks()
            for i in range(block.size)}
    return [key for key in b if key not in kept]


class _Side:
    """One definition, read for comparing."""

    def __init__(self, definition: Mapping):
        self.definition = definition if isinstance(definition, Mapping) else {}
        self.steps = _entries(self.definition.get("steps"))
        self.step_keys = [s["key"] for s in self.steps if isinstance(s.get("key"), str)]
        self.step_by_key = _by(self.steps, "key")
        self.fields: dict[str, tuple[str, Mapping]] = {}  # name → (its step's key, the field)
        self.field_order: dict[str, list[str]] = {}  # step key → field names
        for step in self.steps:
            for item in _entries(step.get("fields")):
                if isinstance(item.get("name"), str) and item["name"] not in self.fields:
                    self.fields[item["name"]] = (str(step.get("key")), item)
                    self.field_order.setdefault(str(step.get("key")), []).append(item["name"])
        self.slots = _entries(self.definition.get("documents"))
        self.slot_keys = [s["key"] for s in self.slots if isinstance(s.get("key"), str)]
        self.slot_by_key = _by(self.slots, "key")
        self.texts = {}
        for entry in texts_of(self.definition):
            self.texts.setdefault(entry.key, entry)

    def owners(self) -> set[str]:
        return ({"service", "declaration"} | {f"step:{k}" for k in self.step_by_key}
                | {f"field:{n}" for n in self.fields} | {f"slot:{k}" for k in self.slot_by_key})

    def condition(self, value: object):
        return describe.condition_text(self.definition, value) if value else _l("always")

    def rules(self, value: object):
        rules = value if isinstance(value, list) else []
        return "; ".join(describe.rule_text(self.definition, rule) for rule in rules) if rules else _l("none")


def _plain(value: object):
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _yes_no(value)
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "—"
    return value


# (property, its label, its value as the definition reads it: defaults applied)
Reader = Callable[[Mapping], object]
FIELD_PROPERTIES: tuple[tuple[str, object, Reader], ...] = (
    ("type", _l("Type"), lambda f: f.get("type")),
    ("required", _l("Required"), lambda f: f.get("required", True)),
    ("display", _l("Display of the choices"),
     lambda f: f.get("display", "radio") if f.get("type") == "choice" else None),
    ("choices", _l("Choices"), lambda f: [c.get("value") for c in _entries(f.get("choices"))]),
    ("max_length", _l("Maximum length"), lambda f: f.get("max_length", 2000 if f.get("type") == "textarea" else 200)),
    ("autocomplete", _l("Autocomplete"), lambda f: f.get("autocomplete")),
    ("district_check", _l("Postcode must be in the district"), lambda f: bool(f.get("district_check"))),
)
SLOT_PROPERTIES: tuple[tuple[str, object, Reader], ...] = (
    ("required", _l("Required"), lambda s: s.get("required", True)),
    ("max_files", _l("Maximum number of files"), lambda s: s.get("max_files", 3)),
)
SERVICE_PROPERTIES: tuple[tuple[str, object, Reader], ...] = (
    ("name_de", _l("German name"), lambda s: s.get("name_de")),
    ("needs_appointment", _l("Needs an appointment"), lambda s: s.get("needs_appointment")),
    ("appointment_minutes", _l("Appointment length in minutes"), lambda s: s.get("appointment_minutes")),
    ("position", _l("Position in the list of services"), lambda s: s.get("position", 50)),
)


def _rules_without_messages(item: Mapping) -> list:
    return [{k: v for k, v in rule.items() if k != "message"} for rule in _entries(item.get("rules"))]


def _properties(subject, label: str, old: Mapping, new: Mapping, properties, before: _Side, after: _Side,
                ) -> list[Difference]:
    found = []
    for _name, title, read in properties:
        if read(old) != read(new):
            found.append(Difference(CHANGED, subject, label, title, _plain(read(old)), _plain(read(new))))
    if (old.get("show_if") or None) != (new.get("show_if") or None):
        found.append(Difference(CHANGED, subject, label, _l("Condition"), before.condition(old.get("show_if")),
                                after.condition(new.get("show_if"))))
    return found


def _steps(before: _Side, after: _Side) -> list[Difference]:
    found = []
    moved = _moved(before.step_keys, after.step_keys)
    for key in after.step_keys:
        step, subject = after.step_by_key[key], _l("Step %(name)s", name=key)
        label = _german(step.get("title"))
        if key not in before.step_by_key:
            found.append(Difference(ADDED, subject, label, _l("added at position %(number)s",
                                                              number=after.step_keys.index(key) + 1)))
            continue
        if key in moved:
            found.append(Difference(MOVED, subject, label, _l(
                "moved from position %(old)s to position %(new)s", old=before.step_keys.index(key) + 1,
                new=after.step_keys.index(key) + 1)))
        found.extend(_properties(subject, label, before.step_by_key[key], step, (), before, after))
    for key in before.step_keys:
        if key not in after.step_by_key:
            found.append(Difference(REMOVED, _l("Step %(name)s", name=key),
                                    _german(before.step_by_key[key].get("title"))))
    return found


def _field(name: str, before: _Side, after: _Side, moved: set[str]) -> list[Difference]:
    step, item = after.fields[name]
    subject, label = _l("Field %(name)s", name=name), _german(item.get("label"))
    if name not in before.fields:
        return [Difference(ADDED, subject, label, _l("added to step %(step)s", step=step))]
    old_step, old = before.fields[name]
    found = []
    if old_step != step:
        found.append(Difference(MOVED, subject, label, _l("moved from step %(old)s to step %(new)s", old=old_step,
                                                          new=step)))
    elif name in moved:
        found.append(Difference(MOVED, subject, label, _l(
            "moved within step %(step)s from position %(old)s to position %(new)s", step=step,
            old=before.field_order[step].index(name) + 1, new=after.field_order[step].index(name) + 1)))
    found.extend(_properties(subject, label, old, item, FIELD_PROPERTIES, before, after))
    if _rules_without_messages(old) != _rules_without_messages(item):
        found.append(Difference(CHANGED, subject, label, _l("Rules"), before.rules(old.get("rules")),
                                after.rules(item.get("rules"))))
    return found


def _fields(before: _Side, after: _Side) -> list[Difference]:
    moved: set[str] = set()
    for step, names in after.field_order.items():
        stayed = [n for n in names if before.fields.get(n, ("",))[0] == step]
        moved.update(_moved([n for n in before.field_order.get(step, []) if n in stayed], stayed))
    found = []
    for name in after.fields:
        found.extend(_field(name, before, after, moved))
    for name, (step, item) in before.fields.items():
        if name not in after.fields:
            found.append(Difference(REMOVED, _l("Field %(name)s", name=name), _german(item.get("label")),
                                    _l("removed from step %(step)s", step=step)))
    return found


def _slots(before: _Side, after: _Side) -> list[Difference]:
    found = []
    moved = _moved(before.slot_keys, after.slot_keys)
    for key in after.slot_keys:
        slot, subject = after.slot_by_key[key], _l("Document slot %(name)s", name=key)
        label = _german(slot.get("label"))
        if key not in before.slot_by_key:
            found.append(Difference(ADDED, subject, label))
            continue
        if key in moved:
            found.append(Difference(MOVED, subject, label, _l(
                "moved from position %(old)s to position %(new)s", old=before.slot_keys.index(key) + 1,
                new=after.slot_keys.index(key) + 1)))
        found.extend(_properties(subject, label, before.slot_by_key[key], slot, SLOT_PROPERTIES, before, after))
    for key in before.slot_keys:
        if key not in after.slot_by_key:
            found.append(Difference(REMOVED, _l("Document slot %(name)s", name=key),
                                    _german(before.slot_by_key[key].get("label"))))
    return found


def _service(before: _Side, after: _Side) -> list[Difference]:
    old, new = before.definition.get("service"), after.definition.get("service")
    old, new = (old if isinstance(old, Mapping) else {}), (new if isinstance(new, Mapping) else {})
    return _properties(_l("Service"), _german(new.get("title")), old, new, SERVICE_PROPERTIES, before, after)


def _translation(entry: TextEntry | None, language: str) -> tuple:
    if entry is None:
        return None, None
    return entry.texts.get(language) or None, (entry.texts.get(MADE_FROM) or {}).get(language)


def _texts(before: _Side, after: _Side) -> list[Difference]:
    """German texts changed, then per language the number of translations changed (of the texts in
    both versions), of the items in both versions (an item added or removed is one difference)."""
    owners = before.owners() & after.owners()
    keys = [k for k in after.texts if after.texts[k].owner in owners]
    keys += [k for k in before.texts if k not in after.texts and before.texts[k].owner in owners]
    found, counts = [], dict.fromkeys(TRANSLATED_LANGUAGES, 0)
    for key in keys:
        old, new = before.texts.get(key), after.texts.get(key)
        if (old.german if old else None) != (new.german if new else None):
            found.append(Difference(TEXT, (new or old).what, "", "", old.german if old else None,
                                    new.german if new else None))
        for language in counts if old and new else ():
            counts[language] += _translation(old, language) != _translation(new, language)
    found.extend(Difference(TRANSLATIONS, _l("Translations"), language=language, count=count)
                 for language, count in counts.items() if count)
    return found


def differences(old: Mapping, new: Mapping) -> list[Difference]:
    """What changed from `old` to `new`: service settings, steps, fields, document slots, German
    texts, then the number of translations changed per language (none: the same form)."""
    before, after = _Side(old), _Side(new)
    return [*_service(before, after), *_steps(before, after), *_fields(before, after), *_slots(before, after),
            *_texts(before, after)]
