"""Changing the structure of a form definition (docs/forms.md) in the back office's form editor:
pure functions that take a definition and return a changed deep copy, never touching their input.
Input that cannot be right is refused with EditRefused (`message` says why, `where` names the
input it is about); what can only be judged of the whole form (missing translations, a condition
naming a field that a later move placed after it, ...) is left to portal.forms.authoring.check,
whose problems keep a version from being published.

Conventions:
- Texts are given as German strings. Setting one replaces only "de": its translations stay and
  become outdated by themselves (texts.is_outdated compares the German text's digest). An empty
  optional text becomes null; an empty required one is refused.
- Keys and names (step key, field name, slot key, choice value) are stable identifiers: they are
  given when an item is added and never change (answers, PDFs and the e-mail intake use them).
- A field moved up past the top of its step goes to the end of the previous step; moved down past
  the bottom, to the start of the next: fields change steps with the same two buttons. Steps and
  document slots move within their list; at either end a move is refused.
- A field is not removed while another field, a step, a document slot or a rule names it (nor a
  step while something outside it names one of its fields).

Conditions and rules are set by portal.forms.authoring.rule_editing.
"""
from __future__ import annotations

import copy
from typing import Iterable, Iterator, Mapping, Sequence

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext

from portal.forms.authoring.check import (
    APPOINTMENT_MINUTES_RANGE, DISPLAYS, MAX_FILES_RANGE, MAX_LENGTH_RANGE, NAME, RESERVED_STEP_KEYS,
)
from portal.forms.definitions.conditions import fields_named
from portal.forms.definitions.rules import fields_named_by_rule
from portal.forms.definitions.texts import SOURCE
from portal.forms.fields import CHECKBOXES, CHOICE, EMAIL, KINDS, PHONE, POSTCODE, TEXT, TEXTAREA, YES_NO

FORMAT = 1
SHORT_TEXT = 300  # labels, titles, names, choices
LONG_TEXT = 5000  # hints, intros, the declaration, summaries, messages
LENGTH_KINDS = (TEXT, TEXTAREA)
CHOICE_LIST_KINDS = (CHOICE, CHECKBOXES)
AUTOCOMPLETE_KINDS = (TEXT, EMAIL, PHONE, POSTCODE)
AUTOCOMPLETE = ("name", "family-name", "given-name", "email", "tel", "street-address", "postal-code",
                "address-level2", "country-name")
MOVES = (-1, 1)
# A new service's form starts from these parts of a shipped form, translations and all.
TEMPLATE_CODE = "general-enquiry"
PERSON_STEP, PERSON_FIELDS = ("identity", ("surname", "given_names", "date_of_birth")), ("contact", ("email",))

_FIELD_KEYS = ("type", "label", "hint", "required", "max_length", "choices", "display", "district_check",
               "autocomplete")
_STEP_KEYS = ("title", "intro")
_SLOT_KEYS = ("label", "hint", "required", "max_files")
_SERVICE_KEYS = ("name_de", "title", "summary", "audience", "needs_appointment", "appointment_minutes", "position")


class EditRefused(ValueError):
    """A change refused: `message` says why (a lazy string), `where` names the input it is about
    ("label", "choices", "condition", ...; "" for the change as a whole)."""

    def __init__(self, message, where: str = ""):
        super().__init__(message)
        self.message = message
        self.where = where

    def __str__(self) -> str:
        return str(self.message)


# -- reading ------------------------------------------------------------------------------------

def steps_of(definition: Mapping) -> list:
    """The definition's list of steps (the list itself: its entries are dicts, unless the definition
    is broken, which the check reports)."""
    steps = definition.get("steps")
    return steps if isinstance(steps, list) else []


def slots_of(definition: Mapping) -> list:
    slots = definition.get("documents")
    return slots if isinstance(slots, list) else []


def _mappings(items: object) -> list:
    return [item for item in items if isinstance(item, Mapping)] if isinstance(items, list) else []


def fields_in_order(definition: Mapping) -> Iterator[tuple[int, int, dict]]:
    """(step index, place on the step, field) of every field, in the order they are asked."""
    for step_index, step in enumerate(steps_of(definition)):
        fields = step.get("fields") if isinstance(step, Mapping) else None
        for place, field in enumerate(fields if isinstance(fields, list) else []):
            if isinstance(field, Mapping):
                yield step_index, place, field


def step_index(definition: Mapping, key: str) -> int:
    for index, step in enumerate(steps_of(definition)):
        if isinstance(step, Mapping) and step.get("key") == key:
            return index
    raise EditRefused(_l("There is no step “%(name)s” in this form.", name=key))


def field_place(definition: Mapping, name: str) -> tuple[int, int]:
    """(step index, place on the step) of the field."""
    for step_at, place, field in fields_in_order(definition):
        if field.get("name") == name:
            return step_at, place
    raise EditRefused(_l("There is no field named “%(name)s” in this form.", name=name))


def slot_index(definition: Mapping, key: str) -> int:
    for index, slot in enumerate(slots_of(definition)):
        if isinstance(slot, Mapping) and slot.get("key") == key:
            return index
    raise EditRefused(_l("There is no document slot “%(name)s” in this form.", name=key))


def field_of(definition: Mapping, name: str) -> dict:
    step_at, place = field_place(definition, name)
    return steps_of(definition)[step_at]["fields"][place]


def nameable_fields(definition: Mapping, kind: str, key: str | None) -> list[dict]:
    """The fields a condition of this item may name (docs/forms.md): for a field those asked before
    it, for a step those of earlier steps, for a document slot (or a new item at the end) any."""
    if kind == "field" and key is not None:
        here = field_place(definition, key)
        return [field for step_at, place, field in fields_in_order(definition) if (step_at, place) < here]
    if kind == "step" and key is not None:
        here = step_index(definition, key)
        return [field for step_at, _place, field in fields_in_order(definition) if step_at < here]
    return [field for _step, _place, field in fields_in_order(definition)]


def choice_values(field: Mapping) -> tuple[str, ...] | None:
    """The values a choice field can have (None: any)."""
    if field.get("type") == YES_NO:
        return ("yes", "no")
    if field.get("type") in CHOICE_LIST_KINDS:
        return tuple(str(choice.get("value")) for choice in _mappings(field.get("choices")))
    return None


# -- building blocks ----------------------------------------------------------------------------

def copied(definition: Mapping) -> dict:
    if not isinstance(definition, Mapping):
        raise EditRefused(_l("A form definition is a JSON object."))
    return copy.deepcopy(dict(definition))


def identifier(value: object, where: str, taken: Iterable[str] = ()) -> str:
    value = value.strip() if isinstance(value, str) else ""
    if not value:
        raise EditRefused(_l("The key is missing."), where)
    if not NAME.fullmatch(value):
        raise EditRefused(_l("“%(name)s” is not a valid key: use lower-case letters, digits, _ and -, start with a "
                             "letter, at most 60 characters.", name=value), where)
    if value in taken:
        raise EditRefused(_l("“%(name)s” is already used.", name=value), where)
    return value


def plain_text(value: object, where: str, limit: int, *, required: bool) -> str:
    text = value.replace("\r\n", "\n").replace("\r", "\n").strip() if isinstance(value, str) else ""
    if required and not text:
        raise EditRefused(_l("The German text is missing."), where)
    if len(text) > limit:
        raise EditRefused(lazy_ngettext("The text is too long: at most %(num)s character.",
                                        "The text is too long: at most %(num)s characters.", limit), where)
    return text


def german(text: object, value: object, where: str, limit: int = SHORT_TEXT, *, required: bool = True) -> dict | None:
    """`text` (a text object or None) with `value` as its German text; translations kept (outdated
    once the German differs from what they were made from); None for an empty optional text."""
    value = plain_text(value, where, limit, required=required)
    if not value:
        return None
    existing = dict(text) if isinstance(text, Mapping) else {}
    if existing.get(SOURCE) == value:
        return existing
    return {**existing, SOURCE: value}


def flag(value: object, where: str) -> bool:
    if not isinstance(value, bool):
        raise EditRefused(_l("“%(name)s” must be true or false.", name=where), where)
    return value


def whole_number(value: object, where: str, bounds: tuple[int, int] | None = None) -> int:
    if isinstance(value, str) and len(value.strip()) <= 9 and value.strip().lstrip("-").isdigit():
        value = int(value.strip())
    if not isinstance(value, int) or isinstance(value, bool):
        raise EditRefused(_l("Enter a whole number."), where)
    if bounds is not None and not bounds[0] <= value <= bounds[1]:
        raise EditRefused(_l("Enter a whole number from %(min)s to %(max)s.", min=bounds[0], max=bounds[1]), where)
    return value


def _unknown_keys(changes: Mapping, allowed: Sequence[str], stable: str, current: str | None) -> None:
    if stable in changes and changes[stable] != current:
        raise EditRefused(_l("Keys and names are stable identifiers and are not changed: remove the item and add a "
                             "new one instead."), stable)
    unknown = sorted(str(key) for key in changes if key not in allowed and key != stable)
    if unknown:
        raise EditRefused(_l("Unknown setting “%(name)s”.", name=", ".join(unknown)), unknown[0])


def _moved(items: list, index: int, offset: int) -> None:
    if offset not in MOVES:
        raise EditRefused(_l("An item moves one place up or down."))
    target = index + offset
    if not 0 <= target < len(items):
        raise EditRefused(_l("It is already first.") if offset < 0 else _l("It is already last."))
    items[index], items[target] = items[target], items[index]


def names_used(definition: Mapping) -> set[str]:
    return {str(field.get("name")) for _step, _place, field in fields_in_order(definition)}


def _namers(definition: Mapping, names: set[str], *, skip_step: int | None = None) -> list[str]:
    """Where a condition or rule names one of `names`, in words (the fields of `names` themselves,
    and the step `skip_step`, are not counted: they go with them)."""
    found: list[str] = []
    for index, step in enumerate(steps_of(definition)):
        if not isinstance(step, Mapping):
            continue
        if index != skip_step and fields_named(step.get("show_if")) & names:
            found.append(str(_l("the condition of the step “%(name)s”", name=step.get("key"))))
        for field in _mappings(step.get("fields")):
            if index == skip_step or field.get("name") in names:
                continue
            if fields_named(field.get("show_if")) & names:
                found.append(str(_l("the condition of the field “%(name)s”", name=field.get("name"))))
            if any(fields_named_by_rule(rule) & names for rule in _mappings(field.get("rules"))):
                found.append(str(_l("a rule of the field “%(name)s”", name=field.get("name"))))
    for slot in _mappings(slots_of(definition)):
        if fields_named(slot.get("show_if")) & names:
            found.append(str(_l("the condition of the document “%(name)s”", name=slot.get("key"))))
    return found


# -- a new form ---------------------------------------------------------------------------------

def new_definition(code: str, name_de: str, title_de: str | None = None) -> dict:
    """The form of a new service: its German name and title (the name when not given: check.py
    wants them alike, so the list, the booking and the back office name the service as its
    form does), no appointment, the declaration and a
    first step asking who the applicant is (surname, given names, date of birth, e-mail address:
    what the intake reads to match and answer an application), copied with their translations
    from the shipped general enquiry. Everything else is added in the editor."""
    from portal.forms.definitions.shipped import shipped

    code = identifier(code, "code")
    template = shipped()[TEMPLATE_CODE]
    by_key = {step["key"]: step for step in template["steps"]}
    person = copy.deepcopy(by_key[PERSON_STEP[0]])
    fields = [copy.deepcopy(field) for key, names in (PERSON_STEP, PERSON_FIELDS)
              for field in by_key[key]["fields"] if field["name"] in names]
    person.update({"key": "person", "show_if": None, "fields": fields})
    for field in fields:
        field["show_if"], field["rules"] = None, []
    return {
        "format": FORMAT,
        "code": code,
        "service": {"name_de": plain_text(name_de, "name_de", SHORT_TEXT, required=True),
                    "title": german(None, name_de if title_de is None else title_de, "title"), "summary": None,
                    "audience": None,
                    "needs_appointment": False, "appointment_minutes": 20, "position": 50},
        "declaration": copy.deepcopy(template["declaration"]),
        "steps": [person],
        "documents": [],
    }


# -- the service and its texts ------------------------------------------------------------------

def update_service(definition: Mapping, changes: Mapping) -> dict:
    """The service's settings: name_de (also the German title, unless `title` is given: the check
    wants them alike), title, summary and audience (German), needs_appointment,
    appointment_minutes, position."""
    _unknown_keys(changes, _SERVICE_KEYS, "code", definition.get("code"))
    changed = copied(definition)
    service = changed.setdefault("service", {})
    for key, value in changes.items():
        if key == "name_de":
            service[key] = plain_text(value, key, SHORT_TEXT, required=True)
            if "title" not in changes:
                service["title"] = german(service.get("title"), service[key], key)
        elif key == "title":
            service[key] = german(service.get(key), value, key)
        elif key in ("summary", "audience"):
            service[key] = german(service.get(key), value, key, LONG_TEXT, required=False)
        elif key == "needs_appointment":
            service[key] = flag(value, key)
        elif key == "appointment_minutes":
            service[key] = whole_number(value, key, APPOINTMENT_MINUTES_RANGE)
        else:
            service[key] = whole_number(value, key, (0, 9999))
    return changed


def set_german_text(definition: Mapping, path: Sequence[str | int], value: str, *, required: bool = True,
                    limit: int = LONG_TEXT) -> dict:
    """The German text at `path` (keys and list indexes: ("declaration",), ("steps", 0, "title"))
    set to `value`, its translations kept (and so outdated)."""
    if not path:
        raise EditRefused(_l("There is no such text in this form."))
    changed = copied(definition)
    parent = changed
    try:
        for part in path[:-1]:
            parent = parent[part]
        current = parent.get(path[-1]) if isinstance(parent, dict) else None
    except (KeyError, IndexError, TypeError) as missing:
        raise EditRefused(_l("There is no such text in this form.")) from missing
    if not isinstance(parent, dict) or (current is not None and not isinstance(current, Mapping)):
        raise EditRefused(_l("There is no such text in this form."))
    parent[path[-1]] = german(current, value, str(path[-1]), limit, required=required)
    return changed


# -- steps --------------------------------------------------------------------------------------

def add_step(definition: Mapping, step: Mapping) -> dict:
    """A new step (key, title, optional intro) at the end of the form, without fields yet."""
    changed = copied(definition)
    taken = {str(s.get("key")) for s in steps_of(changed) if isinstance(s, Mapping)}
    key = identifier(step.get("key"), "key", taken)
    if key in RESERVED_STEP_KEYS:
        raise EditRefused(_l("The step key “%(name)s” is reserved: every form ends with the steps documents, review "
                             "and declaration.", name=key), "key")
    _unknown_keys({k: v for k, v in step.items() if k != "key"}, _STEP_KEYS, "key", None)
    changed.setdefault("steps", []).append({
        "key": key, "title": german(None, step.get("title"), "title"),
        "intro": german(None, step.get("intro", ""), "intro", LONG_TEXT, required=False),
        "show_if": None, "fields": []})
    return changed


def update_step(definition: Mapping, key: str, changes: Mapping) -> dict:
    changed = copied(definition)
    step = steps_of(changed)[step_index(changed, key)]
    _unknown_keys(changes, _STEP_KEYS, "key", key)
    if "title" in changes:
        step["title"] = german(step.get("title"), changes["title"], "title")
    if "intro" in changes:
        step["intro"] = german(step.get("intro"), changes["intro"], "intro", LONG_TEXT, required=False)
    return changed


def move_step(definition: Mapping, key: str, offset: int) -> dict:
    changed = copied(definition)
    _moved(steps_of(changed), step_index(changed, key), offset)
    return changed


def remove_step(definition: Mapping, key: str) -> dict:
    """The step and its fields, unless something outside the step names one of them."""
    changed = copied(definition)
    index = step_index(changed, key)
    names = {str(field.get("name")) for field in _mappings(steps_of(changed)[index].get("fields"))}
    users = _namers(changed, names, skip_step=index)
    if users:
        raise EditRefused(_l("The step “%(name)s” cannot be removed: its fields are named by %(places)s. Change "
                             "those first.", name=key, places=", ".join(users)))
    del changed["steps"][index]
    return changed


# -- fields -------------------------------------------------------------------------------------

def _choices(field: Mapping, value: object) -> list[dict]:
    """Choices given as [{"value", "label" (German)}]; a choice kept keeps its translations."""
    if not isinstance(value, (list, tuple)) or not value:
        raise EditRefused(_l("Give at least one choice, one per line: value = label."), "choices")
    before = {str(choice.get("value")): choice for choice in _mappings(field.get("choices"))}
    made, seen = [], set()
    for choice in value:
        if not isinstance(choice, Mapping):
            raise EditRefused(_l("Give at least one choice, one per line: value = label."), "choices")
        key = identifier(choice.get("value"), "choices", seen)
        seen.add(key)
        old = before.get(key, {})
        made.append({**old, "value": key, "label": german(old.get("label"), choice.get("label"), "choices")})
    return made


def _field_settings(field: dict, changes: Mapping) -> dict:
    """`field` (a copy) with `changes` applied; settings that do not fit its type dropped."""
    if "type" in changes:
        if changes["type"] not in KINDS:
            raise EditRefused(_l("Unknown field type “%(name)s”.", name=str(changes["type"])), "type")
        field["type"] = changes["type"]
    kind = field.get("type")
    if "label" in changes:
        field["label"] = german(field.get("label"), changes["label"], "label")
    if "hint" in changes:
        field["hint"] = german(field.get("hint"), changes["hint"], "hint", LONG_TEXT, required=False)
    if "required" in changes:
        field["required"] = flag(changes["required"], "required")
    if changes.get("max_length") not in (None, ""):
        field["max_length"] = whole_number(changes["max_length"], "max_length", MAX_LENGTH_RANGE)
    elif "max_length" in changes:
        field.pop("max_length", None)
    if kind in CHOICE_LIST_KINDS and ("choices" in changes or not field.get("choices")):
        field["choices"] = _choices(field, changes.get("choices"))
    if changes.get("display") not in (None, ""):
        if changes["display"] not in DISPLAYS:
            raise EditRefused(_l("Show the choices as radio or select, not “%(name)s”.", name=str(changes["display"])),
                              "display")
        field["display"] = changes["display"]
    if "district_check" in changes:
        field["district_check"] = flag(changes["district_check"], "district_check")
    if changes.get("autocomplete") not in (None, ""):
        if changes["autocomplete"] not in AUTOCOMPLETE:
            raise EditRefused(_l("Unknown autocomplete value “%(name)s”.", name=str(changes["autocomplete"])),
                              "autocomplete")
        field["autocomplete"] = changes["autocomplete"]
    elif "autocomplete" in changes:
        field.pop("autocomplete", None)
    # What does not fit the type goes.
    for key, kinds in (("max_length", LENGTH_KINDS), ("choices", CHOICE_LIST_KINDS), ("display", (CHOICE,)),
                       ("district_check", (POSTCODE,)), ("autocomplete", AUTOCOMPLETE_KINDS)):
        if kind not in kinds:
            field.pop(key, None)
    if not field.get("district_check"):
        field.pop("district_check", None)
    return field


def add_field(definition: Mapping, step_key: str, field: Mapping) -> dict:
    """A new field (name, type, label and the settings of update_field) at the end of the step."""
    changed = copied(definition)
    step = steps_of(changed)[step_index(changed, step_key)]
    name = identifier(field.get("name"), "name", names_used(changed))
    settings = {key: value for key, value in field.items() if key != "name"}
    _unknown_keys(settings, _FIELD_KEYS, "name", None)
    if "type" not in settings:
        raise EditRefused(_l("Choose the type of the field."), "type")
    made = _field_settings({"name": name, "type": None, "label": None, "hint": None, "required": True},
                           {"label": "", **settings})
    made.update({"show_if": None, "rules": []})
    if not isinstance(step.get("fields"), list):
        step["fields"] = []
    step["fields"].append(made)
    return changed


def update_field(definition: Mapping, name: str, changes: Mapping) -> dict:
    """The field's settings: type, label, hint (German), required, max_length, choices
    ([{"value", "label"}]), display, district_check, autocomplete. The name never changes."""
    changed = copied(definition)
    step_at, place = field_place(changed, name)
    _unknown_keys(changes, _FIELD_KEYS, "name", name)
    fields = changed["steps"][step_at]["fields"]
    fields[place] = _field_settings(fields[place], changes)
    return changed


def move_field(definition: Mapping, name: str, offset: int) -> dict:
    """One place up or down on its step; past the step's top or bottom, onto the neighbouring step."""
    if offset not in MOVES:
        raise EditRefused(_l("An item moves one place up or down."))
    changed = copied(definition)
    step_at, place = field_place(changed, name)
    steps = steps_of(changed)
    fields = steps[step_at]["fields"]
    if 0 <= place + offset < len(fields):
        _moved(fields, place, offset)
        return changed
    neighbour = step_at + offset
    if not 0 <= neighbour < len(steps):
        raise EditRefused(_l("It is already first.") if offset < 0 else _l("It is already last."))
    field = fields.pop(place)
    other = steps[neighbour].setdefault("fields", [])
    if offset < 0:
        other.append(field)
    else:
        other.insert(0, field)
    return changed


def remove_field(definition: Mapping, name: str) -> dict:
    changed = copied(definition)
    step_at, place = field_place(changed, name)
    users = _namers(changed, {name})
    if users:
        raise EditRefused(_l("The field “%(name)s” cannot be removed: it is named by %(places)s. Change those first.",
                             name=name, places=", ".join(users)))
    del changed["steps"][step_at]["fields"][place]
    return changed


# -- document slots -----------------------------------------------------------------------------

def _slot_settings(slot: dict, changes: Mapping) -> dict:
    if "label" in changes:
        slot["label"] = german(slot.get("label"), changes["label"], "label")
    if "hint" in changes:
        slot["hint"] = german(slot.get("hint"), changes["hint"], "hint", LONG_TEXT, required=False)
    if "required" in changes:
        slot["required"] = flag(changes["required"], "required")
    if "max_files" in changes:
        slot["max_files"] = whole_number(changes["max_files"], "max_files", MAX_FILES_RANGE)
    return slot


def add_slot(definition: Mapping, slot: Mapping) -> dict:
    """A new document slot (key, label, hint, required, max_files) at the end of the list."""
    changed = copied(definition)
    key = identifier(slot.get("key"), "key", {str(s.get("key")) for s in slots_of(changed)})
    settings = {k: v for k, v in slot.items() if k != "key"}
    _unknown_keys(settings, _SLOT_KEYS, "key", None)
    made = _slot_settings({"key": key, "label": None, "hint": None, "required": True, "max_files": 3},
                          {"label": "", **settings})
    made["show_if"] = None
    if not isinstance(changed.get("documents"), list):
        changed["documents"] = []
    changed["documents"].append(made)
    return changed


def update_slot(definition: Mapping, key: str, changes: Mapping) -> dict:
    changed = copied(definition)
    index = slot_index(changed, key)
    _unknown_keys(changes, _SLOT_KEYS, "key", key)
    _slot_settings(changed["documents"][index], changes)
    return changed


def move_slot(definition: Mapping, key: str, offset: int) -> dict:
    changed = copied(definition)
    _moved(slots_of(changed), slot_index(changed, key), offset)
    return changed


def remove_slot(definition: Mapping, key: str) -> dict:
    changed = copied(definition)
    del changed["documents"][slot_index(changed, key)]
    return changed
