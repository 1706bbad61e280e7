"""Conditions and rules of a form definition in German words, for the editor's preview and the
comparison of versions: „Wird nur gezeigt, wenn bei „Familienstand“ „verheiratet“ gewählt ist.“

German because the definition's source texts (the labels named) are German. Pure: reads what it
is given, never refuses; a part it cannot read is said to be unreadable."""
from __future__ import annotations

from typing import Mapping

from portal.forms.definitions.conditions import operator
from portal.forms.definitions.texts import SOURCE

YES_NO = {"yes": "Ja", "no": "Nein"}
UNREADABLE = "(unlesbare Bedingung)"
_DATE_RULES = {"date_after": "nach", "date_on_or_after": "am oder nach", "date_before": "vor",
               "date_on_or_before": "am oder vor"}
_PATTERNS = {"letters": "nur Buchstaben, Leerzeichen, Bindestriche und Apostrophe", "digits": "nur Ziffern",
             "iban": "eine gültige IBAN", "file_number": "ein Aktenzeichen"}


def _german(text: object) -> str:
    return text.get(SOURCE) if isinstance(text, Mapping) and isinstance(text.get(SOURCE), str) else ""


def _quoted(text: object) -> str:
    return f"„{text}“"


def _listed(parts: list[str], last: str) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return f"{', '.join(parts[:-1])} {last} {parts[-1]}"


def _day(text: object) -> str:
    if isinstance(text, str) and len(text) == 10 and text[4] == text[7] == "-":
        return f"{text[8:10]}.{text[5:7]}.{text[:4]}"
    return str(text)


class Names:
    """The German labels of a definition's fields and of their choices."""

    def __init__(self, definition: Mapping | None):
        self.labels: dict[str, str] = {}
        self.choices: dict[str, dict[str, str]] = {}
        steps = definition.get("steps") if isinstance(definition, Mapping) else None
        for step in steps if isinstance(steps, list) else ():
            fields = step.get("fields") if isinstance(step, Mapping) else None
            for item in fields if isinstance(fields, list) else ():
                if isinstance(item, Mapping) and isinstance(item.get("name"), str):
                    self._add(item)

    def _add(self, item: Mapping) -> None:
        name = item["name"]
        self.labels.setdefault(name, _german(item.get("label")) or name)
        if item.get("type") == "yes_no":
            self.choices.setdefault(name, dict(YES_NO))
        elif isinstance(item.get("choices"), list):
            self.choices.setdefault(name, {choice["value"]: _german(choice.get("label")) or choice["value"]
                                           for choice in item["choices"]
                                           if isinstance(choice, Mapping) and isinstance(choice.get("value"), str)})

    def field(self, name: object) -> str:
        return _quoted(self.labels.get(name, name) if isinstance(name, str) else name)

    def value(self, name: object, value: object) -> str:
        known = self.choices.get(name, {}) if isinstance(name, str) else {}
        return _quoted(known.get(value, value) if isinstance(value, str) else value)


def _field_clause(names: Names, condition: Mapping, kind: str) -> str:
    name, operand = condition["field"], condition[kind]
    field, choice = names.field(name), isinstance(name, str) and name in names.choices
    if kind in ("equals", "not_equals"):
        value, negated = names.value(name, operand), "nicht " if kind == "not_equals" else ""
        return f"bei {field} {negated}{value} gewählt ist" if choice else f"{field} {negated}gleich {value} ist"
    if kind == "in":
        values = _listed([names.value(name, value) for value in operand], "oder") if isinstance(operand, list) \
            else UNREADABLE
        return f"bei {field} {values} gewählt ist" if choice else f"{field} gleich {values} ist"
    if kind == "filled":
        return f"{field} ausgefüllt ist" if operand else f"{field} nicht ausgefüllt ist"
    if kind == "contains":
        return f"bei {field} {names.value(name, operand)} angekreuzt ist"
    return f"{field} {'am oder nach dem' if kind == 'on_or_after' else 'vor dem'} {_day(operand)} liegt"


def _clause(names: Names, condition: object, nested: bool = False) -> str:
    if not isinstance(condition, Mapping) or not condition:
        return UNREADABLE
    try:
        kind = operator(condition)
    except ValueError:
        return UNREADABLE
    if kind in ("all", "any"):
        parts = condition[kind] if isinstance(condition[kind], list) else []
        if not parts:
            return UNREADABLE
        joined = _listed([_clause(names, part, nested=True) for part in parts], "und" if kind == "all" else "oder")
        return f"({joined})" if nested and len(parts) > 1 else joined
    if kind == "not":
        negated = f"nicht zutrifft, dass {_clause(names, condition['not'], nested=True)}"
        return f"({negated})" if nested else negated
    return _field_clause(names, condition, kind)


def condition_text(definition: Mapping | None, condition: object) -> str:
    """The condition as a German clause, verb last ("bei „Familienstand“ „verheiratet“ gewählt ist")."""
    return _clause(Names(definition), condition)


def shown_when(definition: Mapping | None, condition: object) -> str:
    """The note on an item shown only when its condition holds ("" for an item always shown)."""
    if not condition:
        return ""
    return f"Wird nur gezeigt, wenn {condition_text(definition, condition)}."


def rule_text(definition: Mapping | None, rule: object) -> str:
    """A rule of a field in German words ("Datum am oder vor heute"), without its message."""
    if not isinstance(rule, Mapping):
        return UNREADABLE
    names, kind = Names(definition), rule.get("kind")
    if kind == "required_if":
        when = _clause(names, rule.get("when"))
        if rule.get("field"):
            return f"{names.field(rule['field'])} muss ausgefüllt sein, wenn {when}"
        return f"Pflichtangabe, wenn {when}"
    if kind in _DATE_RULES:
        other = rule.get("other")
        compared = "heute" if other == "today" else f"dem Datum in {names.field(other)}"
        return f"Datum {_DATE_RULES[kind]} {compared}"
    if kind == "max_days_between":
        return f"höchstens {rule.get('days')} Tage nach dem Datum in {names.field(rule.get('from'))}"
    if kind == "number_range":
        low, high = rule.get("min"), rule.get("max")
        if low is not None and high is not None:
            return f"Zahl von {low} bis {high}"
        return f"Zahl von mindestens {low}" if low is not None else f"Zahl von höchstens {high}"
    if kind == "pattern":
        return _PATTERNS.get(rule.get("pattern"), f"Muster {_quoted(rule.get('pattern'))}")
    return f"Regel {_quoted(kind)}"


def shown_when_notes(definition: Mapping) -> dict[str, str]:
    """The note of every item shown only under a condition: "step:<key>", "field:<name>", "slot:<key>"."""
    names, notes = Names(definition), {}

    def note(owner: str, condition: object) -> None:
        if condition and owner not in notes:
            notes[owner] = f"Wird nur gezeigt, wenn {_clause(names, condition)}."

    steps = definition.get("steps") if isinstance(definition.get("steps"), list) else []
    for step in (s for s in steps if isinstance(s, Mapping)):
        note(f"step:{step.get('key')}", step.get("show_if"))
        for item in step.get("fields") if isinstance(step.get("fields"), list) else ():
            if isinstance(item, Mapping):
                note(f"field:{item.get('name')}", item.get("show_if"))
    documents = definition.get("documents") if isinstance(definition.get("documents"), list) else []
    for slot in (d for d in documents if isinstance(d, Mapping)):
        note(f"slot:{slot.get('key')}", slot.get("show_if"))
    return notes
