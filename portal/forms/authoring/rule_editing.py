"""Conditions and rules of a form definition as the form editor sets them (docs/forms.md): a
condition as up to a few rows combined by "all" or "any", one row a field, an operator of
CONDITION_OPERATORS and a value; a rule as its kind, its settings and an optional German message,
removed by its place in the field's list. Pure functions returning a changed deep copy, as in
portal.forms.authoring.editing, whose refusals (EditRefused) they share."""
from __future__ import annotations

from typing import Iterable, Mapping, Sequence

from flask_babel import lazy_gettext as _l

from portal.forms.authoring.check import DATE_KINDS
from portal.forms.authoring.editing import (
    LONG_TEXT, EditRefused, choice_values, copied, field_of, field_place, fields_in_order, german, nameable_fields,
    names_used, slot_index, step_index, whole_number,
)
from portal.forms.definitions.conditions import fixed_date
from portal.forms.definitions.rules import DATE_RULE_KINDS, PATTERNS, RULE_KINDS, TODAY
from portal.forms.fields import NUMBER

CONDITION_OPERATORS = ("equals", "not_equals", "filled", "not_filled", "contains", "on_or_after", "before")
VALUE_OPERATORS = ("equals", "not_equals", "contains")
DATE_OPERATORS = ("on_or_after", "before")
COMBINE = ("all", "any")


# -- conditions ---------------------------------------------------------------------------------

def simple_condition(definition: Mapping, row: Mapping, allowed: Iterable[Mapping], where: str = "condition") -> dict:
    """One row (field, operator, value) as a condition of docs/forms.md; the field must be one of
    `allowed` (those the condition may name)."""
    name, operator = str(row.get("field") or ""), str(row.get("operator") or "")
    value = row.get("value")
    value = value.strip() if isinstance(value, str) else ""
    by_name = {str(field.get("name")): field for field in allowed}
    if name not in by_name:
        if name in names_used(definition):
            raise EditRefused(_l("The field “%(name)s” is not asked before this one: a condition may only name fields "
                                 "asked before it.", name=name), where)
        raise EditRefused(_l("Choose the field of the condition."), where)
    if operator not in CONDITION_OPERATORS:
        raise EditRefused(_l("Choose how the condition compares."), where)
    if operator in ("filled", "not_filled"):
        return {"field": name, "filled": operator == "filled"}
    if not value:
        raise EditRefused(_l("Enter the value to compare with."), where)
    field = by_name[name]
    if operator in DATE_OPERATORS:
        if field.get("type") not in DATE_KINDS:
            raise EditRefused(_l("The field “%(name)s” is not a date field: only a date can be compared with a date.",
                                 name=name), where)
        try:
            fixed_date(value)
        except ValueError as wrong:
            raise EditRefused(_l("“%(name)s” is not a date written YYYY-MM-DD.", name=value), where) from wrong
    else:
        values = choice_values(field)
        if values is not None and value not in values:
            raise EditRefused(_l("“%(name)s” is not one of the choices of the field “%(field)s”.", name=value,
                                 field=name), where)
    return {"field": name, operator: value}


def build_condition(definition: Mapping, rows: Sequence[Mapping], combine: str, allowed: Iterable[Mapping],
                    where: str = "condition") -> dict | None:
    """Rows (those without a field left out) combined by "all" or "any"; None for no row."""
    if combine not in COMBINE:
        raise EditRefused(_l("Choose whether all or any of the conditions must hold."), where)
    allowed = list(allowed)
    parts = [simple_condition(definition, row, allowed, where) for row in rows if row.get("field")]
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else {combine: parts}


def condition_rows(condition: Mapping | None) -> tuple[str, list[dict]] | None:
    """A condition as (combine, rows) for the editor's form, ("all", []) for none; None when it is
    more than the editor's rows can show (not, in, nesting): it can then only be replaced."""
    if not condition:
        return "all", []
    combine, parts = "all", [condition]
    if set(condition) in ({"all"}, {"any"}):
        combine = next(iter(condition))
        parts = condition[combine] if isinstance(condition[combine], list) else []
    rows = []
    for part in parts:
        if not isinstance(part, Mapping) or "field" not in part or len(part) != 2:
            return None
        (operator,) = set(part) - {"field"}
        if operator == "filled":
            rows.append({"field": part["field"], "operator": "filled" if part["filled"] else "not_filled",
                         "value": ""})
        elif operator in CONDITION_OPERATORS:
            rows.append({"field": part["field"], "operator": operator, "value": str(part[operator])})
        else:
            return None
    return combine, rows


def _set_condition(changed: dict, item: dict, kind: str, key: str, rows: Sequence[Mapping], combine: str) -> dict:
    item["show_if"] = build_condition(changed, rows, combine, nameable_fields(changed, kind, key))
    return changed


def set_field_condition(definition: Mapping, name: str, rows: Sequence[Mapping], combine: str = "all") -> dict:
    """When the field is asked: rows on fields asked before it (no row: always)."""
    changed = copied(definition)
    step_at, place = field_place(changed, name)
    return _set_condition(changed, changed["steps"][step_at]["fields"][place], "field", name, rows, combine)


def set_step_condition(definition: Mapping, key: str, rows: Sequence[Mapping], combine: str = "all") -> dict:
    """When the step is shown: rows on fields of earlier steps (no row: always)."""
    changed = copied(definition)
    return _set_condition(changed, changed["steps"][step_index(changed, key)], "step", key, rows, combine)


def set_slot_condition(definition: Mapping, key: str, rows: Sequence[Mapping], combine: str = "all") -> dict:
    """When the document is asked for: rows on any field of the form (no row: always)."""
    changed = copied(definition)
    return _set_condition(changed, changed["documents"][slot_index(changed, key)], "slot", key, rows, combine)


# -- rules --------------------------------------------------------------------------------------

def _rule_field(definition: Mapping, own_step: int, own_name: str, name: object, where: str, *,
                date: bool = False) -> str:
    """A field a rule may name: another field of its own step or of an earlier one."""
    name = name.strip() if isinstance(name, str) else ""
    if not name or name == own_name or name not in names_used(definition):
        raise EditRefused(_l("Choose the other field of the rule."), where)
    if field_place(definition, name)[0] > own_step:
        raise EditRefused(_l("The field “%(name)s” is on a later step: a rule may only name fields of its own step or "
                             "an earlier one.", name=name), where)
    if date and field_of(definition, name).get("type") not in DATE_KINDS:
        raise EditRefused(_l("The field “%(name)s” is not a date field: only a date can be compared with a date.",
                             name=name), where)
    return name


def _bound(value: object, where: str) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return whole_number(value, where)


def add_rule(definition: Mapping, name: str, kind: str, params: Mapping, message: str = "") -> dict:
    """A rule at the end of the field's rules. `params` by kind: required_if {"when": rows,
    "combine", "field" (optional: another field that must then be filled)}; the date kinds
    {"other": "today" or a date field}; max_days_between {"from": a date field, "days"};
    number_range {"min", "max"} (either may be empty); pattern {"pattern"}. `message`: German,
    optional (without one the rule's own translated message is shown)."""
    changed = copied(definition)
    step_at, place = field_place(changed, name)
    field = changed["steps"][step_at]["fields"][place]
    if kind not in RULE_KINDS:
        raise EditRefused(_l("Choose the kind of rule."), "kind")
    if kind in (*DATE_RULE_KINDS, "max_days_between") and field.get("type") not in DATE_KINDS:
        raise EditRefused(_l("A %(name)s rule needs a date field; this field is of type %(type)s.", name=kind,
                             type=str(field.get("type"))), "kind")
    if kind == "number_range" and field.get("type") != NUMBER:
        raise EditRefused(_l("A number_range rule needs a number field; this field is of type %(type)s.",
                             type=str(field.get("type"))), "kind")
    rule: dict = {"kind": kind}
    if kind == "required_if":
        allowed = [other for s, _p, other in fields_in_order(changed) if s <= step_at and other.get("name") != name]
        rule["when"] = build_condition(changed, params.get("when") or [], params.get("combine") or "all", allowed,
                                       "when")
        if rule["when"] is None:
            raise EditRefused(_l("The rule required_if needs a condition (when)."), "when")
        if params.get("field") and params["field"] != name:
            rule["field"] = _rule_field(changed, step_at, name, params["field"], "field")
    elif kind in DATE_RULE_KINDS:
        other = params.get("other")
        rule["other"] = TODAY if other == TODAY else _rule_field(changed, step_at, name, other, "other", date=True)
    elif kind == "max_days_between":
        rule["from"] = _rule_field(changed, step_at, name, params.get("from"), "from", date=True)
        rule["days"] = whole_number(params.get("days"), "days", (1, 36600))
    elif kind == "number_range":
        low, high = _bound(params.get("min"), "min"), _bound(params.get("max"), "max")
        if low is None and high is None:
            raise EditRefused(_l("Give a minimum, a maximum or both."), "min")
        if low is not None and high is not None and low > high:
            raise EditRefused(_l("The minimum (%(min)s) is above the maximum (%(max)s).", min=low, max=high), "min")
        rule.update({key: value for key, value in (("min", low), ("max", high)) if value is not None})
    elif params.get("pattern") in PATTERNS:
        rule["pattern"] = params["pattern"]
    else:
        raise EditRefused(_l("Unknown pattern “%(name)s”: choose one of %(names)s.", name=str(params.get("pattern")),
                             names=", ".join(PATTERNS)), "pattern")
    rule["message"] = german(None, message, "message", LONG_TEXT, required=False)
    if not isinstance(field.get("rules"), list):
        field["rules"] = []
    field["rules"].append(rule)
    return changed


def remove_rule(definition: Mapping, name: str, index: int) -> dict:
    """The field's rule at `index` (its place in the field's list) removed."""
    changed = copied(definition)
    rules = field_of(changed, name).get("rules")
    if not (isinstance(rules, list) and isinstance(index, int) and not isinstance(index, bool)
            and 0 <= index < len(rules)):
        raise EditRefused(_l("The field “%(name)s” has no such rule.", name=name))
    del rules[index]
    return changed
