"""The rule kinds of form definitions (docs/forms.md): each kind broken and kept, its own message
(reusing the field messages where they say the same), a definition's own message, empty values."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from portal.forms import fields
from portal.forms.definitions.rules import (
    PATTERNS, RULE_KINDS, fields_named_by_rule, first_error, rule_error)
from portal.forms.definitions.texts import LocalisedText

pytestmark = pytest.mark.usefixtures("babel_context")

TODAY = date.today()


def _iso(days: int) -> str:
    return (TODAY + timedelta(days=days)).isoformat()


def _error(rule, value, values=None, name="field"):
    message = rule_error(rule, name, value, values or {})
    return None if message is None else str(message)


def test_the_kinds_and_patterns_of_the_docs():
    assert set(RULE_KINDS) == {"required_if", "date_after", "date_on_or_after", "date_before", "date_on_or_before",
                               "max_days_between", "number_range", "pattern"}
    assert set(PATTERNS) == {"letters", "digits", "iban", "file_number"}


# required_if -------------------------------------------------------------------------

WHEN_OTHER = {"field": "purpose", "equals": "other"}


def test_required_if_asks_for_this_field_when_the_condition_holds():
    rule = {"kind": "required_if", "when": WHEN_OTHER}
    assert _error(rule, "", {"purpose": "other"}) == "This field is required."
    assert _error(rule, "because", {"purpose": "other"}) is None
    assert _error(rule, "", {"purpose": "work"}) is None
    assert _error(rule, "", {}) is None


def test_required_if_may_ask_for_another_field_and_speaks_at_this_one():
    rule = {"kind": "required_if", "field": "remarks", "when": {"field": "in_ukraine", "equals": "no"}}
    message = _error(rule, "no", {"in_ukraine": "no", "remarks": ""}, name="in_ukraine")
    assert message == "With this answer, please also fill in the related field of this form."
    assert _error(rule, "no", {"in_ukraine": "no", "remarks": "I fled in 2021"}, name="in_ukraine") is None
    assert _error(rule, "yes", {"in_ukraine": "yes", "remarks": ""}, name="in_ukraine") is None


def test_required_if_reads_this_fields_own_value_in_its_condition():
    """`value` counts even if the caller's values do not hold it yet."""
    rule = {"kind": "required_if", "field": "remarks", "when": {"field": "in_ukraine", "equals": "no"}}
    assert _error(rule, "no", {"remarks": ""}, name="in_ukraine") is not None


def test_a_definitions_own_message_replaces_the_default():
    text = {"de": "Bitte erklären Sie das.", "en": "Please explain this."}
    rule = {"kind": "required_if", "field": "remarks", "when": WHEN_OTHER, "message": text}
    message = rule_error(rule, "purpose", "other", {"purpose": "other"})
    assert isinstance(message, LocalisedText) and message.texts == text
    assert str(message) == "Please explain this."
    assert rule_error({**rule, "message": None}, "purpose", "other", {"purpose": "other"}) is not None
    assert not isinstance(rule_error({**rule, "message": None}, "purpose", "other", {}), LocalisedText)


# Dates -------------------------------------------------------------------------------

@pytest.mark.parametrize("kind, days, expected", [
    ("date_after", 1, None), ("date_after", 0, "The date must be after today."),
    ("date_after", -1, "The date must be after today."),
    ("date_on_or_after", 0, None), ("date_on_or_after", 5, None),
    ("date_on_or_after", -1, "The date must not be in the past."),
    ("date_before", -1, None), ("date_before", 0, "The date must be before today."),
    ("date_before", 3, "The date must be before today."),
    ("date_on_or_before", 0, None), ("date_on_or_before", -400, None),
    ("date_on_or_before", 1, "The date must not be in the future."),
])
def test_date_rules_against_today(kind, days, expected):
    assert _error({"kind": kind, "other": "today"}, _iso(days)) == expected


def test_date_messages_against_today_are_those_of_the_field_rules():
    assert rule_error({"kind": "date_on_or_before", "other": "today"}, "d", _iso(1), {}) \
        == fields.not_in_future(_iso(1), {})
    assert rule_error({"kind": "date_on_or_after", "other": "today"}, "d", _iso(-1), {}) \
        == fields.not_in_past(_iso(-1), {})


@pytest.mark.parametrize("kind, mine, expected", [
    ("date_after", "2024-05-02", None),
    ("date_after", "2024-05-01", "The date must be after the related date you entered."),
    ("date_on_or_after", "2024-05-01", None),
    ("date_on_or_after", "2024-04-30", "The date must be on or after the related date you entered."),
    ("date_before", "2024-04-30", None),
    ("date_before", "2024-05-01", "The date must be before the related date you entered."),
    ("date_on_or_before", "2024-05-01", None),
    ("date_on_or_before", "2024-05-02", "The date must be on or before the related date you entered."),
])
def test_date_rules_against_another_field(kind, mine, expected):
    assert _error({"kind": kind, "other": "start"}, mine, {"start": "2024-05-01"}) == expected


@pytest.mark.parametrize("mine, theirs", [
    ("", "2024-05-01"), ("1990-00-00", "2024-05-01"), ("2024-05-00", "2024-06-01"), ("2024-02-30", "2024-05-01"),
    ("2024-06-01", ""), ("2024-06-01", "2024-05-00"), ("2024-06-01", "2024|5|"), ("2024-06-01", "1990-00-00"),
])
@pytest.mark.parametrize("kind", ["date_after", "date_on_or_after", "date_before", "date_on_or_before"])
def test_a_date_rule_on_an_empty_or_partial_date_says_nothing(kind, mine, theirs):
    assert _error({"kind": kind, "other": "start"}, mine, {"start": theirs}) is None


@pytest.mark.parametrize("mine", ["", "1990-00-00", "3000-01-00", "1900-02-30"])
@pytest.mark.parametrize("kind", ["date_after", "date_on_or_after", "date_before", "date_on_or_before"])
def test_a_partial_date_is_not_compared_with_today(kind, mine):
    assert _error({"kind": kind, "other": "today"}, mine) is None


def test_max_days_between():
    rule = {"kind": "max_days_between", "from": "visit_from", "days": 90}
    start = {"visit_from": "2024-01-01"}
    assert _error(rule, "2024-03-31", start) is None  # 90 days
    assert _error(rule, "2024-04-01", start) == "The date may be at most 90 days after the related date you entered."
    assert _error(rule, "2023-12-01", start) is None  # before it: another rule's business
    assert _error({**rule, "days": 1}, "2024-01-03", start) == \
        "The date may be at most 1 day after the related date you entered."
    assert _error(rule, "2024-09-00", start) is None
    assert _error(rule, "2024-09-01", {"visit_from": ""}) is None
    assert _error(rule, "", start) is None


# Numbers -----------------------------------------------------------------------------

@pytest.mark.parametrize("rule, value, expected", [
    ({"min": 0, "max": 100000}, "0", None),
    ({"min": 0, "max": 100000}, "100000", None),
    ({"min": 1, "max": 10}, "0", "Enter a number from 1 to 10."),
    ({"min": 1, "max": 10}, "11", "Enter a number from 1 to 10."),
    ({"min": 18}, "17", "Enter a number of at least 18."),
    ({"min": 18}, "999999999", None),
    ({"max": 12}, "13", "Enter a number of at most 12."),
    ({"max": 12}, "12", None),
    ({"min": -5}, "-6", "Enter a number of at least -5."),
    ({}, "5", None),
    ({"min": 1, "max": 10}, "ten", None),  # unreadable: the number field's own check reports it
    ({"min": 1, "max": 10}, "", None),
])
def test_number_range(rule, value, expected):
    assert _error({"kind": "number_range", **rule}, value) == expected


# Patterns ----------------------------------------------------------------------------

LETTERS = "Use only letters, spaces, hyphens and apostrophes."
DIGITS = "Use only digits, without spaces or other characters."
IBAN = "This is not a valid IBAN. Please check it, for example DE89 3704 0044 0532 0130 00."
FILE_NUMBER = "Enter the file number as in our letter, for example WZ-2022-00017: letters, digits, /, . and - only."


@pytest.mark.parametrize("pattern, value, expected", [
    ("letters", "Anne-Marie O'Brien", None),
    ("letters", "Олена Коваленко", None),
    ("letters", "Mohammad Al\u2019Hassan", None),
    ("letters", "مُحَمَّد", None),  # Arabic with its vowel marks
    ("letters", "Nguyễn Thị", None),
    ("letters", "Agent 007", LETTERS),
    ("letters", "a.b", LETTERS),
    ("letters", "- '", LETTERS),  # no letter at all
    ("digits", "0123456789", None),
    ("digits", "12 34", DIGITS),
    ("digits", "12a", DIGITS),
    ("digits", "١٢٣", DIGITS),  # digits of other scripts are made 0-9 by the field's own cleaning
    ("iban", "DE89 3704 0044 0532 0130 00", None),
    ("iban", "de89370400440532013000", None),
    ("iban", "GB82 WEST 1234 5698 7654 32", None),
    ("iban", "NO93 8601 1117 947", None),  # the shortest
    ("iban", "DE88 3704 0044 0532 0130 00", IBAN),  # a wrong check digit
    ("iban", "DE89 3704 0044 0532 0130 01", IBAN),  # a typing error
    ("iban", "DE89", IBAN),
    ("iban", "DE89-3704-0044-0532-0130-00", IBAN),
    ("iban", "89DE 3704 0044 0532 0130 00", IBAN),
    ("file_number", "WZ-2022-00017", None),
    ("file_number", "ABH/12.345-b", None),
    ("file_number", "WZ 2022 00017", FILE_NUMBER),
    ("file_number", "WZ_2022", FILE_NUMBER),
    ("file_number", "ÄZ-1", FILE_NUMBER),
])
def test_patterns(pattern, value, expected):
    assert _error({"kind": "pattern", "pattern": pattern}, value) == expected


# Every kind ---------------------------------------------------------------------------

EVERY_KIND = [
    {"kind": "date_after", "other": "today"}, {"kind": "date_on_or_after", "other": "start"},
    {"kind": "date_before", "other": "today"}, {"kind": "date_on_or_before", "other": "start"},
    {"kind": "max_days_between", "from": "start", "days": 1}, {"kind": "number_range", "min": 5},
    {"kind": "pattern", "pattern": "digits"}, {"kind": "pattern", "pattern": "iban"},
]


@pytest.mark.parametrize("rule", EVERY_KIND)
def test_a_rule_on_an_empty_value_says_nothing(rule):
    assert rule_error(rule, "field", "", {"start": "2030-01-01"}) is None


def test_every_kind_is_covered():
    assert {rule["kind"] for rule in EVERY_KIND} | {"required_if"} == set(RULE_KINDS)


def test_unknown_kinds_and_patterns_raise():
    with pytest.raises(ValueError):
        rule_error({"kind": "regex", "regex": ".*"}, "field", "x", {})
    with pytest.raises(ValueError):
        rule_error({"kind": "pattern", "pattern": "email"}, "field", "x", {})


def test_first_error_is_the_first_rule_broken():
    rules = [{"kind": "date_after", "other": "start"}, {"kind": "max_days_between", "from": "start", "days": 90},
             {"kind": "date_on_or_after", "other": "today"}]
    assert str(first_error(rules, "until", "2000-01-01", {"start": "2000-06-01"})) == \
        "The date must be after the related date you entered."
    assert str(first_error(rules, "until", "2000-12-31", {"start": "2000-06-01"})) == \
        "The date may be at most 90 days after the related date you entered."
    assert str(first_error(rules, "until", "2000-06-02", {"start": "2000-06-01"})) == \
        "The date must not be in the past."
    assert first_error(rules, "until", _iso(3), {"start": _iso(1)}) is None
    assert first_error([], "until", "", {}) is None


@pytest.mark.parametrize("rule, names", [
    ({"kind": "required_if", "when": {"all": [{"field": "a", "equals": "x"}, {"not": {"field": "b", "filled": True}}]}},
     {"a", "b"}),
    ({"kind": "required_if", "field": "remarks", "when": {"field": "a", "equals": "x"}}, {"a", "remarks"}),
    ({"kind": "date_after", "other": "today"}, set()),
    ({"kind": "date_before", "other": "visit_from"}, {"visit_from"}),
    ({"kind": "max_days_between", "from": "visit_from", "days": 90}, {"visit_from"}),
    ({"kind": "number_range", "min": 1}, set()),
    ({"kind": "pattern", "pattern": "letters"}, set()),
])
def test_fields_named_by_rule(rule, names):
    assert fields_named_by_rule(rule) == names
