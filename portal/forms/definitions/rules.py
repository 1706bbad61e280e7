"""The rule kinds a form definition's fields may use (docs/forms.md): each reads the field's cleaned
value and the values of its step and the earlier ones, and gives a message or None. Code owns the
kinds; a definition only picks one and its settings."""
from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Callable, Mapping

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext

from portal.forms.definitions.conditions import fields_named, holds
from portal.forms.definitions.texts import localised
from portal.forms.fields import REQUIRED, as_date

DATE_RULE_KINDS = ("date_after", "date_on_or_after", "date_before", "date_on_or_before")
RULE_KINDS = ("required_if", *DATE_RULE_KINDS, "max_days_between", "number_range", "pattern")
PATTERNS = ("letters", "digits", "iban", "file_number")
TODAY = "today"  # a date rule's `other` for the day of checking

ALSO_REQUIRED = _l("With this answer, please also fill in the related field of this form.")
# (kind, compared with today?) -> message; the two "must not" messages are those of fields.py.
_DATE_MESSAGES = {
    ("date_after", True): _l("The date must be after today."),
    ("date_on_or_after", True): _l("The date must not be in the past."),
    ("date_before", True): _l("The date must be before today."),
    ("date_on_or_before", True): _l("The date must not be in the future."),
    ("date_after", False): _l("The date must be after the related date you entered."),
    ("date_on_or_after", False): _l("The date must be on or after the related date you entered."),
    ("date_before", False): _l("The date must be before the related date you entered."),
    ("date_on_or_before", False): _l("The date must be on or before the related date you entered."),
}
_DATE_ORDER: dict[str, Callable[[date, date], bool]] = {  # (this date, the other) -> in order
    "date_after": lambda mine, other: mine > other,
    "date_on_or_after": lambda mine, other: mine >= other,
    "date_before": lambda mine, other: mine < other,
    "date_on_or_before": lambda mine, other: mine <= other,
}
_PATTERN_MESSAGES = {
    "letters": _l("Use only letters, spaces, hyphens and apostrophes."),
    "digits": _l("Use only digits, without spaces or other characters."),
    "iban": _l("This is not a valid IBAN. Please check it, for example DE89 3704 0044 0532 0130 00."),
    "file_number": _l("Enter the file number as in our letter, for example WZ-2022-00017: letters, digits, "
                      "/, . and - only."),
}
_NAME_MARKS = frozenset(" -\u2010\u2011'\u2019\u02bc")  # spaces, hyphens, apostrophes in names
_IBAN = re.compile(r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$")
_FILE_NUMBER = re.compile(r"^[A-Za-z0-9/.-]+$")


def _letters(value: str) -> bool:
    """Letters of any script (with their combining marks), spaces, hyphens, apostrophes."""
    return any(ch.isalpha() for ch in value) and all(
        ch.isalpha() or unicodedata.category(ch).startswith("M") or ch in _NAME_MARKS for ch in value)


def _iban(value: str) -> bool:
    """ISO 13616: country, check digits, account; the rearranged number modulo 97 is 1."""
    iban = "".join(value.split()).upper()
    if not _IBAN.match(iban):
        return False
    return int("".join(str(int(ch, 36)) for ch in iban[4:] + iban[:4])) % 97 == 1


_PATTERN_CHECKS: dict[str, Callable[[str], bool]] = {
    "letters": _letters,
    "digits": lambda value: value.isascii() and value.isdigit(),
    "iban": _iban,
    "file_number": lambda value: bool(_FILE_NUMBER.match(value)),
}


def _required_if(rule: Mapping, field_name: str, value: str, values: Mapping[str, str]):
    target = rule.get("field") or field_name
    if holds(rule.get("when"), values) and not values.get(target):
        return REQUIRED if target == field_name else ALSO_REQUIRED
    return None


def _date_rule(rule: Mapping, field_name: str, value: str, values: Mapping[str, str]):
    other = rule.get("other")
    mine = as_date(value)
    theirs = date.today() if other == TODAY else as_date(str(values.get(other) or ""))
    if mine is None or theirs is None or _DATE_ORDER[rule["kind"]](mine, theirs):
        return None
    return _DATE_MESSAGES[rule["kind"], other == TODAY]


def _max_days_between(rule: Mapping, field_name: str, value: str, values: Mapping[str, str]):
    mine, start = as_date(value), as_date(str(values.get(rule.get("from")) or ""))
    days = rule["days"]
    if mine is None or start is None or (mine - start).days <= days:
        return None
    return lazy_ngettext("The date may be at most %(num)s day after the related date you entered.",
                         "The date may be at most %(num)s days after the related date you entered.", days)


def _number_range(rule: Mapping, field_name: str, value: str, values: Mapping[str, str]):
    try:
        number = int(value)
    except ValueError:  # the number field's own check reports it
        return None
    low, high = rule.get("min"), rule.get("max")
    if (low is None or number >= low) and (high is None or number <= high):
        return None
    if low is not None and high is not None:
        return _l("Enter a number from %(min)s to %(max)s.", min=low, max=high)
    if low is not None:
        return _l("Enter a number of at least %(min)s.", min=low)
    return _l("Enter a number of at most %(max)s.", max=high)


def _pattern(rule: Mapping, field_name: str, value: str, values: Mapping[str, str]):
    name = rule.get("pattern")
    if name not in _PATTERN_CHECKS:
        raise ValueError(f"unknown pattern {name!r}")
    return None if _PATTERN_CHECKS[name](value) else _PATTERN_MESSAGES[name]


_KINDS = {"required_if": _required_if, **dict.fromkeys(DATE_RULE_KINDS, _date_rule),
          "max_days_between": _max_days_between, "number_range": _number_range, "pattern": _pattern}


def rule_error(rule: Mapping, field_name: str, value: str, values: Mapping[str, str]) -> object | None:
    """The rule's message when `value` (this field's cleaned value, "" when empty) breaks it, else
    None. `values` holds the cleaned values of the step and the earlier steps. Only `required_if`
    speaks about an empty value: for the others the field's own check (or `required`) does.
    An unknown kind raises ValueError (check.py refuses such definitions before they are used)."""
    kind = rule.get("kind")
    if kind not in _KINDS:
        raise ValueError(f"unknown rule kind {kind!r}")
    if not value and kind != "required_if":
        return None
    default = _KINDS[kind](rule, field_name, value, {**values, field_name: value})
    if default is None:
        return None
    return localised(rule.get("message")) or default


def first_error(rules: list[Mapping], field_name: str, value: str, values: Mapping[str, str]) -> object | None:
    """The message of the first rule the value breaks (one message per field, as for the field checks)."""
    for rule in rules:
        error = rule_error(rule, field_name, value, values)
        if error is not None:
            return error
    return None


def fields_named_by_rule(rule: Mapping) -> set[str]:
    """The other fields a rule reads (check.py: they must exist and be asked no later than its step)."""
    kind = rule.get("kind")
    if kind == "required_if":
        named = fields_named(rule.get("when"))
        return named | {rule["field"]} if isinstance(rule.get("field"), str) and rule["field"] else named
    if kind in DATE_RULE_KINDS:
        other = rule.get("other")
        return {other} if isinstance(other, str) and other != TODAY else set()
    if kind == "max_days_between":
        start = rule.get("from")
        return {start} if isinstance(start, str) else set()
    return set()
