"""Conditions of a form definition (a `show_if`, a rule's `when`): data read here, never an
expression evaluated (docs/forms.md). An editor's form can only ask what these operators ask."""
from __future__ import annotations

import re
from datetime import date
from typing import Iterator, Mapping

from portal.forms.fields import as_date

COMBINATORS = ("all", "any", "not")
OPERATORS = ("equals", "not_equals", "in", "filled", "contains", "on_or_after", "before")
DATE_OPERATORS = ("on_or_after", "before")
_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def operator(condition: Mapping) -> str:
    """The one combinator or operator of a (non-empty) condition; ValueError for anything else,
    so that a condition the code does not know never silently holds (check.py refuses it first)."""
    keys = set(condition)
    if len(keys) == 1 and next(iter(keys)) in COMBINATORS:
        return next(iter(keys))
    if "field" in keys and len(keys) == 2:
        (name,) = keys - {"field"}
        if name in OPERATORS:
            return name
    raise ValueError(f"not a condition of docs/forms.md: keys {sorted(map(str, keys))}")


def fixed_date(text: object) -> date:
    """The fixed date of `on_or_after` / `before` (`YYYY-MM-DD`); ValueError if it is not one."""
    if not isinstance(text, str) or not _ISO_DATE.match(text):
        raise ValueError(f"not a date YYYY-MM-DD: {text!r}")
    return date.fromisoformat(text)


def holds(condition: Mapping | None, values: Mapping[str, str]) -> bool:
    """Whether the condition holds for these (cleaned) values; no condition always holds. A field
    without a value (not yet asked, or hidden and so not stored) counts as empty."""
    if not condition:
        return True
    kind = operator(condition)
    if kind == "all":
        return all(holds(part, values) for part in condition["all"])
    if kind == "any":
        return any(holds(part, values) for part in condition["any"])
    if kind == "not":
        return not holds(condition["not"], values)
    value = str(values.get(condition["field"]) or "")
    operand = condition[kind]
    if kind == "equals":
        return value == operand
    if kind == "not_equals":
        return value != operand
    if kind == "in":
        if not isinstance(operand, (list, tuple)):  # a text would test for a part of itself
            raise ValueError(f"'in' needs a list: {operand!r}")
        return value in operand
    if kind == "filled":
        return bool(value) == bool(operand)
    if kind == "contains":  # checkboxes: the chosen values joined by ","
        return operand in value.split(",") if value else False
    # A date compared with a fixed one: an empty, partial or unreadable date is neither on/after nor before.
    fixed, day = fixed_date(operand), as_date(value)
    if day is None:
        return False
    return day >= fixed if kind == "on_or_after" else day < fixed


def parts(condition: Mapping | None) -> Iterator[Mapping]:
    """Every field condition inside (depth first), for the names they mention."""
    if not isinstance(condition, Mapping) or not condition:
        return
    for key in ("all", "any"):
        if isinstance(condition.get(key), list):
            for part in condition[key]:
                yield from parts(part)
    if isinstance(condition.get("not"), Mapping):
        yield from parts(condition["not"])
    if "field" in condition:
        yield condition


def fields_named(condition: Mapping | None) -> set[str]:
    """Every field name the condition mentions, at any depth."""
    return {part["field"] for part in parts(condition) if isinstance(part["field"], str)}
