"""What is wrong with a form definition (docs/forms.md, "Checked before publishing"), in words an
editor can act on: a definition with any problem is neither published nor imported as published,
so that the code reading definitions (conditions, rules, compile) may trust what it reads.

Each problem says where (a path into the definition, "steps[2].fields[0].label.en") and what."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Iterable, Mapping, NamedTuple

from flask_babel import lazy_gettext as _l

from portal.config import LANGUAGES
from portal.forms.definitions.conditions import COMBINATORS, DATE_OPERATORS, OPERATORS, fixed_date
from portal.forms.definitions.rules import DATE_RULE_KINDS, PATTERNS, RULE_KINDS, TODAY
from portal.forms.definitions.texts import MADE_FROM, SOURCE
from portal.forms.fields import BIRTH_DATE, CHECKBOXES, CHOICE, DATE, KINDS, NUMBER, YES_NO, YES_NO_CHOICES
from portal.forms.spec import DECLARATION, DOCUMENTS, REVIEW

FORMAT = 1
NAME = re.compile(r"^[a-z][a-z0-9_-]{0,59}$")
RESERVED_STEP_KEYS = (DOCUMENTS, REVIEW, DECLARATION)
DATE_KINDS = (DATE, BIRTH_DATE)
DISPLAYS = ("radio", "select")
MAX_LENGTH_RANGE = (1, 10000)
MAX_FILES_RANGE = (1, 20)
APPOINTMENT_MINUTES_RANGE = (5, 480)
# "<" and a letter or "/" starts an HTML tag; "a < b" or "<3" does not.
_HTML = re.compile(r"<(?:/|[^\W\d_])[^<>\s]{0,20}>?")

NO_KEY = _l("The key is missing.")
NOT_AN_ENTRY = _l("This entry cannot be read: it must be an object of keys and values.")
NOT_A_LIST = _l("This must be a list.")
NOT_A_TEXT = _l("This must be a text by language, with the German text under de.")
NO_GERMAN = _l("The German text is missing.")
NOT_A_CONDITION = _l("This is not a condition.")
NO_CONDITION_FIELD = _l("The condition needs the name of a field.")


@dataclass(frozen=True)
class Problem:
    where: str  # a path into the definition: "steps[2].fields[0].label.en"
    message: object  # lazy string, for the editor


class _Field(NamedTuple):
    step: int
    place: int  # on its step
    type: object
    values: tuple[str, ...] | None  # the values a choice field can have (None: any)


# Which fields a condition or rule may name, and what it says when one is named too early.
MayName = Callable[[_Field], bool]
Later = Callable[[str], object]


def _asked_before(name: str):
    return _l("The field “%(name)s” is not asked before this one: a condition may only name fields of earlier "
              "steps or fields placed before it on the same step.", name=name)


def _not_on_earlier_step(name: str):
    return _l("The field “%(name)s” is not on an earlier step: a step's condition may only name fields of earlier "
              "steps.", name=name)


def _on_later_step(name: str):
    return _l("The field “%(name)s” is on a later step: a rule may only name fields of its own step or an earlier "
              "one.", name=name)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _within(value: object, bounds: tuple[int, int]) -> bool:
    return _is_int(value) and bounds[0] <= value <= bounds[1]


def _entries(value: object) -> Iterable[tuple[int, object]]:
    return enumerate(value) if isinstance(value, list) else ()


def _choice_values(field: Mapping) -> tuple[str, ...] | None:
    if field.get("type") == YES_NO:
        return tuple(value for value, _ in YES_NO_CHOICES)
    if field.get("type") in (CHOICE, CHECKBOXES):
        return tuple(choice["value"] for _, choice in _entries(field.get("choices"))
                     if isinstance(choice, Mapping) and isinstance(choice.get("value"), str))
    return None


class _Check:
    def __init__(self, definition: Mapping, languages: Iterable[str]):
        self.definition = definition
        self.translations = tuple(language for language in languages if language != SOURCE)
        self.found: list[Problem] = []
        self.fields: dict[str, _Field] = {}

    def add(self, where: str, message) -> None:
        self.found.append(Problem(where, message))

    # -- building blocks ----------------------------------------------------------------

    def name(self, where: str, value: object) -> bool:
        """A stable identifier (code, key, name, choice value); True if it is one."""
        if value is None or value == "":
            self.add(where, NO_KEY)
            return False
        if not isinstance(value, str) or not NAME.match(value):
            self.add(where, _l("“%(name)s” is not a valid key: use lower-case letters, digits, _ and -, start with a "
                               "letter, at most 60 characters.", name=str(value)))
            return False
        return True

    def flag(self, where: str, value: object, key: str) -> None:
        if not isinstance(value, bool):
            self.add(where, _l("“%(name)s” must be true or false.", name=key))

    def text(self, where: str, text: object, *, required: bool = False, translated: bool = False) -> None:
        """German wherever a text exists; a translation into each language where the applicant must
        read it (elsewhere the German is shown, as for hints and intros); never HTML."""
        if text is None:
            if required:
                self.add(where, NO_GERMAN)
            return
        if not isinstance(text, Mapping):
            self.add(where, NOT_A_TEXT)
            return
        if not isinstance(text.get(SOURCE), str) or not text[SOURCE].strip():
            self.add(f"{where}.{SOURCE}", NO_GERMAN)
        for language in self.translations if translated else ():
            if not isinstance(text.get(language), str) or not text[language].strip():
                self.add(f"{where}.{language}", _l("The translation into %(language)s is missing.", language=language))
        for language, value in text.items():
            if language == MADE_FROM or value is None:
                continue
            if isinstance(value, str):
                self.plain(f"{where}.{language}", value)
            else:
                self.add(f"{where}.{language}", NOT_A_TEXT)

    def plain(self, where: str, value: str) -> None:
        if tag := _HTML.search(value):
            self.add(where, _l("The text contains HTML (%(name)s). Write plain text: hints, intros and the declaration "
                               "may use Markdown.", name=tag.group(0)))

    def named_field(self, where: str, name: object, may_name: MayName, later: Later) -> _Field | None:
        """The field a condition or rule names, if it exists and may be named there."""
        if not isinstance(name, str) or not name:
            self.add(where, NO_CONDITION_FIELD)
            return None
        field = self.fields.get(name)
        if field is None:
            self.add(where, _l("There is no field named “%(name)s” in this form.", name=name))
        elif not may_name(field):
            self.add(where, later(name))
            return None
        return field

    def condition(self, where: str, condition: object, may_name: MayName, later: Later) -> None:
        if condition is None or condition == {}:
            return
        if not isinstance(condition, Mapping):
            self.add(where, NOT_A_CONDITION)
            return
        keys = set(condition)
        unknown = sorted(str(key) for key in keys - {"field", *OPERATORS, *COMBINATORS})
        if unknown:
            self.add(where, _l("Unknown condition operator “%(name)s”.", name=", ".join(unknown)))
            return
        single = next(iter(keys)) if len(keys) == 1 else None
        if single in ("all", "any"):
            if not isinstance(condition[single], list):
                self.add(f"{where}.{single}", NOT_A_LIST)
            for index, part in _entries(condition[single]):
                self.condition(f"{where}.{single}[{index}]", part, may_name, later)
        elif single == "not":
            if not condition["not"]:
                self.add(f"{where}.not", NOT_A_CONDITION)
            self.condition(f"{where}.not", condition["not"], may_name, later)
        elif "field" not in keys or len(keys) != 2:
            self.add(where, _l("A condition needs a field and one operator, or one of all, any and not (found: "
                               "%(name)s).", name=", ".join(sorted(keys))))
        else:
            (operator,) = keys - {"field"}
            field = self.named_field(f"{where}.field", condition["field"], may_name, later)
            self.operand(f"{where}.{operator}", operator, condition[operator], str(condition["field"]), field)

    def operand(self, where: str, operator: str, operand: object, name: str, field: _Field | None) -> None:
        if operator == "filled":
            self.flag(where, operand, "filled")
        elif operator in DATE_OPERATORS:
            try:
                fixed_date(operand)
            except ValueError:
                self.add(where, _l("“%(name)s” is not a date written YYYY-MM-DD.", name=str(operand)))
            if field is not None and field.type not in DATE_KINDS:
                self.add(where, _l("The field “%(name)s” is not a date field: only a date can be compared with a "
                                   "date.", name=name))
        elif operator == "in" and not isinstance(operand, list):
            self.add(where, _l("“in” needs a list of values."))
        else:  # equals, not_equals, contains, in: a value the field can have
            for value in operand if operator == "in" else [operand]:
                if not isinstance(value, str):
                    self.add(where, _l("The value to compare with (%(name)s) must be a text.", name=str(value)))
                elif field is not None and field.values is not None and value not in field.values:
                    self.add(where, _l("“%(name)s” is not one of the choices of the field “%(field)s”.",
                                       name=value, field=name))

    # -- the definition -----------------------------------------------------------------

    def run(self) -> list[Problem]:
        definition = self.definition
        if not isinstance(definition, Mapping):
            self.add("", NOT_AN_ENTRY)
            return self.found
        if definition.get("format") != FORMAT or isinstance(definition.get("format"), bool):
            self.add("format", _l("Unknown format %(name)s: this portal reads definitions of format 1.",
                                  name=str(definition.get("format"))))
        self.name("code", definition.get("code"))
        self.service(definition.get("service"))
        self.text("declaration", definition.get("declaration"), required=True, translated=True)
        steps = definition.get("steps")
        if not isinstance(steps, list) or not steps:
            self.add("steps", _l("The form needs at least one step."))
        self.index(steps)
        keys: set[str] = set()
        for index, step in _entries(steps):
            self.step(index, step, keys)
        documents = definition.get("documents")
        if documents is not None and not isinstance(documents, list):
            self.add("documents", NOT_A_LIST)
        keys = set()
        for index, slot in _entries(documents):
            self.slot(index, slot, keys)
        return self.found

    def service(self, service: object) -> None:
        if not isinstance(service, Mapping):
            self.add("service", _l("The service section is missing."))
            return
        name_de = service.get("name_de")
        if isinstance(name_de, str) and name_de.strip():
            self.plain("service.name_de", name_de)
        else:
            self.add("service.name_de", _l("The service needs its German name (name_de)."))
        self.text("service.title", service.get("title"), required=True, translated=True)
        title = service.get("title")
        if isinstance(name_de, str) and isinstance(title, Mapping) and title.get("de") not in (None, name_de):
            # The list, the service page, the booking and the back office name a service alike.
            self.add("service.title.de", _l("The German title must be the service's German name (name_de)."))
        self.text("service.summary", service.get("summary"))
        self.text("service.audience", service.get("audience"))
        self.flag("service.needs_appointment", service.get("needs_appointment"), "needs_appointment")
        if not _within(service.get("appointment_minutes"), APPOINTMENT_MINUTES_RANGE):
            self.add("service.appointment_minutes",
                     _l("The appointment length must be a whole number of minutes from 5 to 480."))

    def index(self, steps: object) -> None:
        """Where each field is asked (its first place, if named twice), for conditions and rules."""
        for step_index, step in _entries(steps):
            for place, field in _entries(step.get("fields") if isinstance(step, Mapping) else None):
                if isinstance(field, Mapping) and isinstance(field.get("name"), str):
                    self.fields.setdefault(field["name"],
                                           _Field(step_index, place, field.get("type"), _choice_values(field)))

    def step(self, index: int, step: object, keys: set[str]) -> None:
        where = f"steps[{index}]"
        if not isinstance(step, Mapping):
            self.add(where, NOT_AN_ENTRY)
            return
        key = step.get("key")
        if self.name(f"{where}.key", key):
            if key in RESERVED_STEP_KEYS:
                self.add(f"{where}.key", _l("The step key “%(name)s” is reserved: every form ends with the steps "
                                            "documents, review and declaration.", name=key))
            elif key in keys:
                self.add(f"{where}.key", _l("There is already a step with the key “%(name)s”.", name=key))
            keys.add(key)
        self.text(f"{where}.title", step.get("title"), required=True, translated=True)
        self.text(f"{where}.intro", step.get("intro"))
        self.condition(f"{where}.show_if", step.get("show_if"), lambda f: f.step < index, _not_on_earlier_step)
        fields = step.get("fields")
        if not isinstance(fields, list) or not fields:
            self.add(f"{where}.fields", _l("The step “%(name)s” needs at least one field.", name=str(key or index)))
        for place, field in _entries(fields):
            self.field(f"{where}.fields[{place}]", index, place, field)

    def field(self, where: str, step: int, place: int, field: object) -> None:
        if not isinstance(field, Mapping):
            self.add(where, NOT_AN_ENTRY)
            return
        name, kind = field.get("name"), field.get("type")
        if self.name(f"{where}.name", name) and self.fields[name][:2] != (step, place):
            self.add(f"{where}.name", _l("There is already a field named “%(name)s” in this form.", name=name))
        if kind not in KINDS:
            self.add(f"{where}.type", _l("Unknown field type “%(name)s”.", name=str(kind)))
        self.text(f"{where}.label", field.get("label"), required=True, translated=True)
        self.text(f"{where}.hint", field.get("hint"))
        if "required" in field:
            self.flag(f"{where}.required", field["required"], "required")
        if kind in (CHOICE, CHECKBOXES):
            self.choices(where, str(name), field.get("choices"))
        if kind == CHOICE and "display" in field and field["display"] not in DISPLAYS:
            self.add(f"{where}.display", _l("Show the choices as radio or select, not “%(name)s”.",
                                            name=str(field["display"])))
        if "max_length" in field and not _within(field["max_length"], MAX_LENGTH_RANGE):
            self.add(f"{where}.max_length", _l("The maximum length must be a whole number from 1 to 10000."))
        self.condition(f"{where}.show_if", field.get("show_if"), lambda f: (f.step, f.place) < (step, place),
                       _asked_before)
        rules = field.get("rules")
        if rules is not None and not isinstance(rules, list):
            self.add(f"{where}.rules", NOT_A_LIST)
        for index, rule in _entries(rules):
            self.rule(f"{where}.rules[{index}]", step, kind, rule)

    def choices(self, where: str, name: str, choices: object) -> None:
        if not isinstance(choices, list) or not choices:
            self.add(f"{where}.choices", _l("The field “%(name)s” needs at least one choice.", name=name))
            return
        seen: set[str] = set()
        for index, choice in _entries(choices):
            here = f"{where}.choices[{index}]"
            if not isinstance(choice, Mapping):
                self.add(here, NOT_AN_ENTRY)
                continue
            value = choice.get("value")
            if self.name(f"{here}.value", value):
                if value in seen:
                    self.add(f"{here}.value", _l("There is already a choice with the value “%(name)s” in this field.",
                                                 name=value))
                seen.add(value)
            self.text(f"{here}.label", choice.get("label"), required=True, translated=True)

    def rule(self, where: str, step: int, field_kind: object, rule: object) -> None:
        if not isinstance(rule, Mapping):
            self.add(where, NOT_AN_ENTRY)
            return
        kind = rule.get("kind")
        if kind not in RULE_KINDS:
            self.add(f"{where}.kind", _l("Unknown rule kind “%(name)s”.", name=str(kind)))
            return
        self.text(f"{where}.message", rule.get("message"), translated=True)
        if kind == "required_if":
            self.required_if(where, step, rule)
        elif kind in DATE_RULE_KINDS or kind == "max_days_between":
            self.date_rule(where, step, field_kind, rule)
        elif kind == "number_range":
            self.number_range(where, field_kind, rule)
        elif rule.get("pattern") not in PATTERNS:
            self.add(f"{where}.pattern", _l("Unknown pattern “%(name)s”: choose one of %(names)s.",
                                            name=str(rule.get("pattern")), names=", ".join(PATTERNS)))

    def required_if(self, where: str, step: int, rule: Mapping) -> None:
        def may_name(field: _Field) -> bool:
            return field.step <= step

        if not rule.get("when"):
            self.add(f"{where}.when", _l("The rule required_if needs a condition (when)."))
        self.condition(f"{where}.when", rule.get("when"), may_name, _on_later_step)
        if rule.get("field") is not None:
            self.named_field(f"{where}.field", rule["field"], may_name, _on_later_step)

    def date_rule(self, where: str, step: int, field_kind: object, rule: Mapping) -> None:
        kind = rule["kind"]
        if field_kind not in DATE_KINDS:
            self.add(f"{where}.kind", _l("A %(name)s rule needs a date field; this field is of type %(type)s.",
                                         name=kind, type=str(field_kind)))
        if kind == "max_days_between":
            key, other = "from", rule.get("from")
            if not _is_int(rule.get("days")) or rule["days"] < 1:
                self.add(f"{where}.days", _l("The number of days must be a whole number of at least 1."))
        else:
            key, other = "other", rule.get("other")
            if other == TODAY:
                return
        if not isinstance(other, str) or not other:
            self.add(f"{where}.{key}", _l("The rule %(name)s needs the date field to compare with.", name=kind)
                     if key == "from" else
                     _l("The rule %(name)s needs the date to compare with: today or the name of a date field.",
                        name=kind))
            return
        field = self.named_field(f"{where}.{key}", other, lambda f: f.step <= step, _on_later_step)
        if field is not None and field.type not in DATE_KINDS:
            self.add(f"{where}.{key}", _l("The field “%(name)s” is not a date field: only a date can be compared "
                                          "with a date.", name=other))

    def number_range(self, where: str, field_kind: object, rule: Mapping) -> None:
        if field_kind != NUMBER:
            self.add(f"{where}.kind", _l("A number_range rule needs a number field; this field is of type "
                                         "%(type)s.", type=str(field_kind)))
        low, high = rule.get("min"), rule.get("max")
        for bound, value in (("min", low), ("max", high)):
            if value is not None and not _is_int(value):
                self.add(f"{where}.{bound}", _l("The %(name)s of a number_range must be a whole number.", name=bound))
        if _is_int(low) and _is_int(high) and low > high:
            self.add(f"{where}.min", _l("The minimum (%(min)s) is above the maximum (%(max)s).", min=low, max=high))

    def slot(self, index: int, slot: object, keys: set[str]) -> None:
        where = f"documents[{index}]"
        if not isinstance(slot, Mapping):
            self.add(where, NOT_AN_ENTRY)
            return
        key = slot.get("key")
        if self.name(f"{where}.key", key):
            if key in keys:
                self.add(f"{where}.key", _l("There is already a document slot with the key “%(name)s”.", name=key))
            keys.add(key)
        self.text(f"{where}.label", slot.get("label"), required=True, translated=True)
        self.text(f"{where}.hint", slot.get("hint"))
        if "required" in slot:
            self.flag(f"{where}.required", slot["required"], "required")
        if "max_files" in slot and not _within(slot["max_files"], MAX_FILES_RANGE):
            self.add(f"{where}.max_files", _l("The number of files must be a whole number from 1 to 20."))
        # A slot is asked for after every step: it may depend on any field.
        self.condition(f"{where}.show_if", slot.get("show_if"), lambda f: True, _asked_before)


def problems(definition: Mapping, languages: Iterable[str] = LANGUAGES) -> list[Problem]:
    """Everything wrong with the definition, in the order of the document (none: publishable)."""
    return _Check(definition, languages).run()


def is_publishable(definition: Mapping) -> bool:
    return not problems(definition)
