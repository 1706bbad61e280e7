"""What changed between two versions of a form, in an editor's terms; conditions and rules in
German words (the preview's "shown only when" notes)."""
import copy

import pytest

from portal.forms.authoring import describe
from portal.forms.authoring.compare import (
    ADDED, CHANGED, MOVED, REMOVED, TEXT, TRANSLATIONS, differences,
)
from portal.forms.authoring.translating import set_translations
from portal.forms.definitions.shipped import shipped


def _seed(code: str = "temporary-protection") -> dict:
    return copy.deepcopy(shipped()[code])


def _fields(definition: dict, step: int) -> list:
    return definition["steps"][step]["fields"]


def _said(found) -> list[tuple]:
    return [(d.kind, str(d.subject), str(d.detail), None if d.old is None else str(d.old),
             None if d.new is None else str(d.new)) for d in found]


def test_the_same_definition_has_no_differences(babel_context):
    assert differences(_seed(), _seed()) == []


def test_leaving_out_a_default_is_no_difference(babel_context):
    old, new = _seed(), _seed()
    for field in _fields(new, 0):
        field.setdefault("required", True)
        field.pop("rules", None)
    _fields(old, 0)[0]["rules"] = []
    assert differences(old, new) == []


def test_fields_added_removed_and_moved(babel_context):
    old, new = _seed(), _seed()
    identity = _fields(new, 0)
    identity[0], identity[1] = identity[1], identity[0]  # given names first: one field moved
    _fields(new, 1).append(_fields(new, 2).pop())  # remarks to the contact step
    _fields(new, 1).append({"name": "mobile", "type": "tel", "label": {"de": "Mobilnummer"}, "required": False})
    removed = _fields(new, 2).pop(0)
    said = _said(differences(old, new))
    assert (MOVED, "Field given_names", "moved within step identity from position 2 to position 1", None, None) in said
    assert not [s for s in said if s[1] == "Field surname"], "one move, not two"
    assert (MOVED, "Field remarks", "moved from step protection to step contact", None, None) in said
    assert (ADDED, "Field mobile", "added to step contact", None, None) in said
    assert (REMOVED, f"Field {removed['name']}", "removed from step protection", None, None) in said
    assert not [d for d in differences(old, new) if d.kind == TEXT], "texts of added or removed items: no text change"


def test_steps_and_slots_added_removed_and_moved(babel_context):
    old, new = _seed(), _seed()
    new["steps"][1], new["steps"][2] = new["steps"][2], new["steps"][1]
    new["documents"].pop(0)
    new["documents"].append({"key": "card", "label": {"de": "Karte"}, "max_files": 2})
    new["documents"][0]["required"] = False
    said = _said(differences(old, new))
    assert [s[0] for s in said if s[1].startswith("Step")] == [MOVED]
    assert (REMOVED, "Document slot passport", "", None, None) in said
    assert (ADDED, "Document slot card", "", None, None) in said
    assert (CHANGED, "Document slot photo", "Required", "yes", "no") in said


def test_settings_of_an_item_and_of_the_service(babel_context):
    old, new = _seed(), _seed()
    status = _fields(new, 2)[0]
    status["choices"].pop()
    status["display"] = "select"
    _fields(new, 2)[2]["show_if"] = {"field": "in_ukraine_on_24_feb", "equals": "yes"}
    _fields(new, 2)[2]["rules"][0]["other"] = "today"
    _fields(new, 2)[2]["rules"][0]["kind"] = "date_before"
    _fields(new, 0)[0]["max_length"] = 80
    new["service"]["appointment_minutes"] = 45
    said = _said(differences(old, new))
    assert (CHANGED, "Field status_in_ukraine", "Choices",
            "citizen, protected, permanent_residence, family_member, other",
            "citizen, protected, permanent_residence, family_member") in said
    assert (CHANGED, "Field status_in_ukraine", "Display of the choices", "radio", "select") in said
    assert (CHANGED, "Field entry_date", "Condition", "always",
            "bei „Haben Sie am 24. Februar 2022 in der Ukraine gewohnt?“ „Ja“ gewählt ist") in said
    assert (CHANGED, "Field entry_date", "Rules", "Datum am oder vor heute", "Datum vor heute") in said
    assert (CHANGED, "Field surname", "Maximum length", "200", "80") in said
    minutes = shipped()["temporary-protection"]["service"]["appointment_minutes"]
    assert (CHANGED, "Service", "Appointment length in minutes", str(minutes), "45") in said


def test_german_texts_changed_and_translations_counted(babel_context):
    old = _seed()
    new = set_translations(old, "ar", {"steps[0].fields[1].label": "الأسماء", "declaration": ""})
    new = set_translations(new, "uk", {"steps[0].fields[1].label": "Імена"})
    new["steps"][0]["fields"][0]["label"]["de"] = "Nachname"
    new["steps"][0]["intro"] = None
    found = differences(old, new)
    said = _said(found)
    assert (TEXT, "Label of field surname", "", "Familienname", "Nachname") in said
    assert (TEXT, "Introduction of step identity", "", old["steps"][0]["intro"]["de"], None) in said
    counted = {d.language: d.count for d in found if d.kind == TRANSLATIONS}
    assert counted == {"ar": 2, "uk": 1}, "a German change alone changes no translation"


def test_broken_definitions_are_compared_without_an_error(babel_context):
    broken = {"steps": [None, {"key": "x", "fields": [{"name": "a", "type": "text", "rules": [3]}]}],
              "documents": "none", "service": []}
    assert [d.kind for d in differences({}, broken)] == [ADDED, ADDED]
    assert differences(broken, broken) == []


# -- German words ------------------------------------------------------------------------------

@pytest.mark.parametrize("condition, said", [
    ({"field": "status_in_ukraine", "equals": "citizen"},
     "bei „Ihr Status in der Ukraine“ „Ich habe die ukrainische Staatsangehörigkeit“ gewählt ist"),
    ({"field": "surname", "not_equals": "X"}, "„Familienname“ nicht gleich „X“ ist"),
    ({"field": "other_eu_application", "in": ["yes", "no"]},
     "bei „Haben Sie in einem anderen EU-Land Schutz beantragt?“ „Ja“ oder „Nein“ gewählt ist"),
    ({"field": "remarks", "filled": False}, "„Bemerkungen“ nicht ausgefüllt ist"),
    ({"field": "entry_date", "before": "2022-02-24"}, "„Datum der Einreise nach Deutschland“ vor dem 24.02.2022 liegt"),
    ({"all": [{"field": "remarks", "filled": True}, {"not": {"field": "phone", "filled": True}}]},
     "„Bemerkungen“ ausgefüllt ist und (nicht zutrifft, dass „Telefonnummer“ ausgefüllt ist)"),
    ({"any": [{"field": "a", "contains": "x"},
              {"all": [{"field": "b", "filled": True}, {"field": "c", "filled": True}]}]},
     "bei „a“ „x“ angekreuzt ist oder („b“ ausgefüllt ist und „c“ ausgefüllt ist)"),
    ({"field": "x", "frobs": 1}, describe.UNREADABLE),
    ("nonsense", describe.UNREADABLE),
])
def test_conditions_in_german(condition, said):
    assert describe.condition_text(_seed(), condition) == said


def test_notes_for_items_shown_only_under_a_condition():
    definition = _seed()
    definition["steps"][2]["show_if"] = {"field": "email", "filled": True}
    definition["documents"][0]["show_if"] = {"field": "other_eu_application", "equals": "yes"}
    assert describe.shown_when_notes(definition) == {
        "step:protection": "Wird nur gezeigt, wenn „E-Mail-Adresse“ ausgefüllt ist.",
        "slot:passport": "Wird nur gezeigt, wenn bei „Haben Sie in einem anderen EU-Land Schutz beantragt?“ „Ja“ "
                         "gewählt ist."}
    assert describe.shown_when(definition, None) == ""


@pytest.mark.parametrize("rule, said", [
    ({"kind": "date_on_or_after", "other": "today"}, "Datum am oder nach heute"),
    ({"kind": "date_after", "other": "entry_date"}, "Datum nach dem Datum in „Datum der Einreise nach Deutschland“"),
    ({"kind": "max_days_between", "from": "entry_date", "days": 90},
     "höchstens 90 Tage nach dem Datum in „Datum der Einreise nach Deutschland“"),
    ({"kind": "number_range", "min": 0, "max": 10}, "Zahl von 0 bis 10"),
    ({"kind": "number_range", "max": 10}, "Zahl von höchstens 10"),
    ({"kind": "pattern", "pattern": "digits"}, "nur Ziffern"),
    ({"kind": "required_if", "when": {"field": "remarks", "filled": True}},
     "Pflichtangabe, wenn „Bemerkungen“ ausgefüllt ist"),
    ({"kind": "nope"}, "Regel „nope“"),
])
def test_rules_in_german(rule, said):
    assert describe.rule_text(_seed(), rule) == said
