"""Conditions of form definitions (docs/forms.md): every operator both ways, missing and partial
values, nesting, refusal of what the code does not know, and what they hide in a built form."""
from __future__ import annotations

import copy

import pytest

from portal.forms.definitions.conditions import fields_named, fixed_date, holds, operator
from portal.forms.definitions.shipped import shipped

VALUES = {"marital_status": "married", "languages": "de,en,uk", "entry_date": "2022-02-24",
          "birth": "1990-00-00", "remarks": "", "count": "3"}


@pytest.mark.parametrize("condition, expected", [
    ({"field": "marital_status", "equals": "married"}, True),
    ({"field": "marital_status", "equals": "single"}, False),
    ({"field": "marital_status", "equals": "Married"}, False),
    ({"field": "marital_status", "not_equals": "single"}, True),
    ({"field": "marital_status", "not_equals": "married"}, False),
    ({"field": "marital_status", "in": ["single", "married"]}, True),
    ({"field": "marital_status", "in": ["single", "divorced"]}, False),
    ({"field": "marital_status", "in": []}, False),
    ({"field": "marital_status", "filled": True}, True),
    ({"field": "marital_status", "filled": False}, False),
    ({"field": "remarks", "filled": True}, False),
    ({"field": "remarks", "filled": False}, True),
    ({"field": "languages", "contains": "en"}, True),
    ({"field": "languages", "contains": "uk"}, True),
    ({"field": "languages", "contains": "ru"}, False),
    ({"field": "languages", "contains": "d"}, False),  # a chosen value, not a part of the text
    ({"field": "languages", "contains": "de,en"}, False),
    ({"field": "remarks", "contains": ""}, False),
    ({"field": "entry_date", "on_or_after": "2022-02-24"}, True),
    ({"field": "entry_date", "on_or_after": "2022-02-23"}, True),
    ({"field": "entry_date", "on_or_after": "2022-02-25"}, False),
    ({"field": "entry_date", "before": "2022-02-25"}, True),
    ({"field": "entry_date", "before": "2022-02-24"}, False),
    ({"field": "entry_date", "before": "2021-12-31"}, False),
    ({"field": "count", "equals": "3"}, True),
])
def test_each_operator(condition, expected):
    assert holds(condition, VALUES) is expected


@pytest.mark.parametrize("value", ["", "1990-00-00", "2022-02-00", "2022|2|", "soon", "2022-02-30"])
@pytest.mark.parametrize("kind", ["on_or_after", "before"])
def test_an_empty_partial_or_unreadable_date_is_neither_on_or_after_nor_before(kind, value):
    assert holds({"field": "day", kind: "2000-01-01"}, {"day": value}) is False


@pytest.mark.parametrize("condition, expected", [
    ({"field": "missing", "equals": ""}, True),
    ({"field": "missing", "equals": "x"}, False),
    ({"field": "missing", "not_equals": "x"}, True),
    ({"field": "missing", "in": ["", "x"]}, True),
    ({"field": "missing", "filled": False}, True),
    ({"field": "missing", "filled": True}, False),
    ({"field": "missing", "contains": "x"}, False),
])
def test_a_missing_value_counts_as_empty(condition, expected):
    assert holds(condition, VALUES) is expected
    assert holds(condition, {"missing": None}) is expected


@pytest.mark.parametrize("condition", [None, {}])
def test_no_condition_holds(condition):
    assert holds(condition, {}) is True


@pytest.mark.parametrize("condition, expected", [
    ({"all": [{"field": "marital_status", "equals": "married"}, {"field": "languages", "contains": "de"}]}, True),
    ({"all": [{"field": "marital_status", "equals": "married"}, {"field": "languages", "contains": "fr"}]}, False),
    ({"all": []}, True),
    ({"any": [{"field": "marital_status", "equals": "single"}, {"field": "languages", "contains": "de"}]}, True),
    ({"any": [{"field": "marital_status", "equals": "single"}, {"field": "languages", "contains": "fr"}]}, False),
    ({"any": []}, False),
    ({"not": {"field": "marital_status", "equals": "married"}}, False),
    ({"not": {"field": "marital_status", "equals": "single"}}, True),
    ({"not": {"not": {"field": "remarks", "filled": False}}}, True),
    ({"all": [{"not": {"field": "marital_status", "equals": "single"}},
              {"any": [{"field": "entry_date", "filled": False}, {"field": "entry_date", "before": "2022-03-01"}]}]},
     True),
    ({"all": [{"not": {"field": "marital_status", "equals": "single"}},
              {"any": [{"field": "entry_date", "filled": False}, {"field": "entry_date", "before": "2022-02-01"}]}]},
     False),
])
def test_all_any_not(condition, expected):
    assert holds(condition, VALUES) is expected


@pytest.mark.parametrize("condition", [
    {"field": "marital_status", "matches": "mar.*"},
    {"field": "marital_status"},
    {"field": "marital_status", "equals": "married", "filled": True},
    {"equals": "married"},
    {"all": [], "any": []},
    {"all": [{"field": "marital_status", "greater": "1"}]},
    {"not": {"field": "marital_status", "like": "m"}},
    {"field": "entry_date", "before": "24.02.2022"},
    {"field": "entry_date", "on_or_after": "2022-2-24"},
    {"field": "marital_status", "in": "married single"},
])
def test_what_the_code_does_not_know_raises(condition):
    with pytest.raises(ValueError):
        holds(condition, VALUES)


def test_operator_names_the_one_operator():
    assert operator({"field": "x", "contains": "a"}) == "contains"
    assert operator({"any": []}) == "any"
    assert fixed_date("2022-02-24").isoformat() == "2022-02-24"
    with pytest.raises(ValueError):
        operator({"field": "x", "eval": "1"})


def test_fields_named_at_any_depth():
    condition = {"all": [{"not": {"field": "status", "equals": "other"}},
                         {"field": "in_ukraine", "equals": "no"},
                         {"any": [{"field": "entry_date", "filled": False},
                                  {"field": "entry_date", "on_or_after": "2022-02-24"}]}]}
    assert fields_named(condition) == {"status", "in_ukraine", "entry_date"}
    assert fields_named({"field": "a", "in": ["b"]}) == {"a"}
    assert fields_named(None) == set() and fields_named({}) == set()


# What a condition hides, in a form built from a definition ----------------------------

def _protection_form():
    from portal.forms.authoring.check import problems
    from portal.forms.definitions.compile import service_form

    definition = copy.deepcopy(shipped()["temporary-protection"])
    steps = {step["key"]: step for step in definition["steps"]}
    fields = {field["name"]: field for field in steps["protection"]["fields"]}
    fields["family_members"]["show_if"] = {"field": "status_in_ukraine", "equals": "other"}
    fields["remarks"]["show_if"] = {"field": "other_eu_application", "equals": "yes"}
    fields["remarks"]["required"] = True
    steps["contact"]["show_if"] = {"field": "nationality", "not_equals": "UKR"}
    definition["documents"][2]["show_if"] = {"field": "postcode", "filled": True}
    assert problems(definition) == []
    return service_form(definition, 1)


PROTECTION = {"status_in_ukraine": "citizen", "in_ukraine_on_24_feb": "yes", "entry_date-day": "1",
              "entry_date-month": "3", "entry_date-year": "2022", "other_eu_application": "no",
              "family_members": "Olena, 1.1.2010", "remarks": ""}


def test_a_hidden_field_is_not_asked_checked_or_stored():
    step = _protection_form().step("protection")
    values, errors = step.validate(PROTECTION, {})
    assert errors == {}
    assert values["family_members"] == "" and values["remarks"] == ""


def test_a_shown_field_is_asked_and_checked():
    step = _protection_form().step("protection")
    values, errors = step.validate({**PROTECTION, "status_in_ukraine": "other", "other_eu_application": "yes"}, {})
    assert set(errors) == {"remarks"}  # shown and required
    assert values["family_members"] == "Olena, 1.1.2010"


def test_a_hidden_step_is_passed_over_and_a_hidden_slot_not_asked_for():
    form = _protection_form()
    assert "contact" not in form.keys_for({"nationality": "UKR"})
    assert "contact" in form.keys_for({"nationality": "SYR"})
    assert "registration" not in [slot.key for slot in form.documents_for({})]
    assert "registration" in [slot.key for slot in form.documents_for({"postcode": "35578"})]
