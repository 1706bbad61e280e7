"""The form editor's changes to a definition (portal.forms.authoring.editing): each returns a changed
copy and leaves its input as it was, keeps translations (outdated once the German changes), and
refuses what cannot be right with a message and the input it is about."""
from __future__ import annotations

import copy
import json

import pytest

from portal.config import LANGUAGES
from portal.forms.authoring import editing, rule_editing
from portal.forms.authoring.check import problems
from portal.forms.authoring.editing import EditRefused
from portal.forms.definitions.shipped import SEED_DIR
from portal.forms.definitions.texts import SOURCE, is_outdated

pytestmark = pytest.mark.usefixtures("babel_context")


def t(german: str) -> dict:
    """A text in every language, each translation made from this German text."""
    from portal.forms.definitions.texts import translated

    text = {SOURCE: german}
    for language in LANGUAGES:
        if language != SOURCE:
            text = translated(text, language, f"{german} ({language})")
    return text


def _form() -> dict:
    """Two steps, conditions and rules across them, two document slots; no problem."""
    return {
        "format": 1, "code": "test-form",
        "service": {"name_de": "Testdienst", "title": t("Testdienst"), "summary": None, "audience": None,
                    "needs_appointment": False, "appointment_minutes": 20, "position": 50},
        "declaration": t("Alles stimmt."),
        "steps": [
            {"key": "about", "title": t("Über Sie"), "intro": None, "show_if": None, "fields": [
                {"name": "surname", "type": "text", "label": t("Familienname"), "hint": None, "required": True,
                 "show_if": None, "rules": []},
                {"name": "married", "type": "yes_no", "label": t("Verheiratet?"), "hint": None, "required": True,
                 "show_if": None, "rules": []},
                {"name": "arrival", "type": "date", "label": t("Einreise"), "hint": None, "required": True,
                 "show_if": None, "rules": []},
            ]},
            {"key": "family", "title": t("Familie"), "intro": None, "show_if": {"field": "married", "equals": "yes"},
             "fields": [
                 {"name": "spouse", "type": "text", "label": t("Ehepartner"), "hint": None, "required": True,
                  "show_if": None, "rules": [{"kind": "required_if", "when": {"field": "surname", "filled": True},
                                              "message": None}]},
                 {"name": "wedding", "type": "date", "label": t("Hochzeit"), "hint": None, "required": False,
                  "show_if": None, "rules": [{"kind": "date_after", "other": "arrival", "message": None}]},
             ]},
        ],
        "documents": [
            {"key": "passport", "label": t("Pass"), "hint": None, "required": True, "max_files": 3, "show_if": None},
            {"key": "certificate", "label": t("Urkunde"), "hint": None, "required": True, "max_files": 1,
             "show_if": {"field": "married", "equals": "yes"}},
        ],
    }


@pytest.fixture
def form():
    definition = _form()
    assert problems(definition) == []
    return definition


def _changed(call, definition, *args, **kwargs) -> dict:
    """The change's result; the input is as it was."""
    before = copy.deepcopy(definition)
    result = call(definition, *args, **kwargs)
    assert definition == before, f"{call.__name__} changed its input"
    assert result is not definition
    return result


def _refused(call, definition, *args, where: str | None = None, **kwargs) -> EditRefused:
    before = copy.deepcopy(definition)
    with pytest.raises(EditRefused) as caught:
        call(definition, *args, **kwargs)
    assert definition == before
    assert str(caught.value) and str(caught.value.message)
    if where is not None:
        assert caught.value.where == where
    return caught.value


def _names(definition) -> list[list[str]]:
    return [[field["name"] for field in step["fields"]] for step in definition["steps"]]


# -- a new form ---------------------------------------------------------------------------------

def test_a_new_services_form_asks_who_the_applicant_is_and_only_lacks_its_titles_translations():
    definition = editing.new_definition("citizenship-check", " Einbürgerungsprüfung ", None)
    assert definition["code"] == "citizenship-check"
    assert definition["service"]["name_de"] == "Einbürgerungsprüfung"
    assert definition["service"]["title"] == {"de": "Einbürgerungsprüfung"}
    assert (definition["service"]["needs_appointment"], definition["service"]["appointment_minutes"]) == (False, 20)
    assert _names(definition) == [["surname", "given_names", "date_of_birth", "email"]]
    shipped = json.loads((SEED_DIR / "general-enquiry.json").read_text(encoding="utf-8"))
    assert definition["declaration"] == shipped["declaration"]
    assert {problem.where.rsplit(".", 1)[0] for problem in problems(definition)} == {"service.title"}
    definition["steps"][0]["fields"][0]["label"]["de"] = "geändert"
    assert editing.new_definition("x", "X")["steps"][0]["fields"][0]["label"]["de"] == "Familienname", "a copy"


@pytest.mark.parametrize("code,name,where", [("Bad Code", "Name", "code"), ("", "Name", "code"),
                                             ("ok", "  ", "name_de")])
def test_a_new_form_needs_a_code_and_a_name(code, name, where):
    with pytest.raises(EditRefused) as caught:
        editing.new_definition(code, name)
    assert caught.value.where == where


# -- the service and texts ----------------------------------------------------------------------

def test_the_service_settings_change_and_its_german_title_follows_the_name(form):
    changed = _changed(editing.update_service, form, {"name_de": "Neuer Name", "summary": "Kurz.",
                                                      "needs_appointment": True, "appointment_minutes": "30",
                                                      "position": 10})
    service = changed["service"]
    assert service["name_de"] == "Neuer Name" and service["title"]["de"] == "Neuer Name"
    assert service["title"]["en"] == "Testdienst (en)" and is_outdated(service["title"], "en")
    assert service["summary"] == {"de": "Kurz."}
    assert (service["needs_appointment"], service["appointment_minutes"], service["position"]) == (True, 30, 10)
    assert _changed(editing.update_service, changed, {"summary": ""})["service"]["summary"] is None
    _refused(editing.update_service, form, {"appointment_minutes": 2}, where="appointment_minutes")
    _refused(editing.update_service, form, {"appointment_minutes": "9" * 5000}, where="appointment_minutes")
    _refused(editing.update_service, form, {"needs_appointment": "yes"}, where="needs_appointment")
    _refused(editing.update_service, form, {"name_de": ""}, where="name_de")
    _refused(editing.update_service, form, {"code": "other"}, where="code")
    _refused(editing.update_service, form, {"colour": "red"}, where="colour")


def test_a_changed_german_text_keeps_its_translations_which_become_outdated(form):
    changed = _changed(editing.set_german_text, form, ("declaration",), "Alles ist wahr.")
    declaration = changed["declaration"]
    assert declaration["de"] == "Alles ist wahr." and declaration["en"] == "Alles stimmt. (en)"
    assert all(is_outdated(declaration, language) for language in LANGUAGES if language != SOURCE)
    same = _changed(editing.set_german_text, form, ("steps", 0, "title"), "Über Sie")
    assert not is_outdated(same["steps"][0]["title"], "en"), "the same German text: nothing outdated"
    assert _changed(editing.set_german_text, form, ("steps", 0, "intro"), "Hallo",
                    required=False)["steps"][0]["intro"] == {"de": "Hallo"}
    _refused(editing.set_german_text, form, ("declaration",), " ")
    _refused(editing.set_german_text, form, ("steps", 7, "title"), "x")
    _refused(editing.set_german_text, form, ("service", "name_de"), "x")
    _refused(editing.set_german_text, form, ("declaration",), "x" * 5001)


# -- steps --------------------------------------------------------------------------------------

def test_steps_are_added_changed_moved_and_removed(form):
    added = _changed(editing.add_step, form, {"key": "contact", "title": "Kontakt", "intro": ""})
    assert added["steps"][-1] == {"key": "contact", "title": {"de": "Kontakt"}, "intro": None, "show_if": None,
                                  "fields": []}
    changed = _changed(editing.update_step, added, "about", {"title": "Zu Ihnen", "intro": "Wie im Pass."})
    assert changed["steps"][0]["title"]["de"] == "Zu Ihnen" and changed["steps"][0]["intro"] == {"de": "Wie im Pass."}
    assert changed["steps"][0]["title"]["uk"] == "Über Sie (uk)"
    moved = _changed(editing.move_step, added, "contact", -1)
    assert [step["key"] for step in moved["steps"]] == ["about", "contact", "family"]
    removed = _changed(editing.remove_step, added, "contact")
    assert [step["key"] for step in removed["steps"]] == ["about", "family"]
    assert [step["key"] for step in _changed(editing.remove_step, form, "family")["steps"]] == ["about"]


def test_step_changes_that_cannot_be_right_are_refused(form):
    _refused(editing.add_step, form, {"key": "about", "title": "Noch einmal"}, where="key")
    _refused(editing.add_step, form, {"key": "review", "title": "Prüfen"}, where="key")
    _refused(editing.add_step, form, {"key": "Mit Leerzeichen", "title": "x"}, where="key")
    _refused(editing.add_step, form, {"key": "x" * 61, "title": "x"}, where="key")
    _refused(editing.add_step, form, {"key": "extra", "title": ""}, where="title")
    _refused(editing.update_step, form, "about", {"key": "renamed"}, where="key")
    _refused(editing.update_step, form, "nowhere", {"title": "x"})
    _refused(editing.move_step, form, "about", -1)
    _refused(editing.move_step, form, "family", 1)
    _refused(editing.move_step, form, "about", 2)
    refusal = str(_refused(editing.remove_step, form, "about"))
    # Its fields are named by the next step's condition, a slot's and rules of two later fields.
    assert all(f"“{name}”" in refusal for name in ("family", "certificate", "spouse", "wedding"))


# -- fields -------------------------------------------------------------------------------------

def test_fields_are_added_with_settings_that_fit_their_type(form):
    added = _changed(editing.add_field, form, "about", {
        "name": "status", "type": "choice", "label": "Familienstand", "hint": "", "required": False,
        "choices": [{"value": "single", "label": "ledig"}, {"value": "married", "label": "verheiratet"}],
        "display": "select", "max_length": "50", "district_check": True, "autocomplete": "name"})
    assert added["steps"][0]["fields"][-1] == {
        "name": "status", "type": "choice", "label": {"de": "Familienstand"}, "hint": None, "required": False,
        "choices": [{"value": "single", "label": {"de": "ledig"}},
                    {"value": "married", "label": {"de": "verheiratet"}}],
        "display": "select", "show_if": None, "rules": []}
    postcode = _changed(editing.add_field, form, "about", {"name": "plz", "type": "postcode", "label": "PLZ",
                                                            "district_check": True, "autocomplete": "postal-code",
                                                            "max_length": 5})
    assert postcode["steps"][0]["fields"][-1] == {
        "name": "plz", "type": "postcode", "label": {"de": "PLZ"}, "hint": None, "required": True,
        "district_check": True, "autocomplete": "postal-code", "show_if": None, "rules": []}
    text = _changed(editing.add_field, form, "family", {"name": "note", "type": "textarea", "label": "Notiz",
                                                         "max_length": 500, "hint": "Kurz"})
    assert text["steps"][1]["fields"][-1]["max_length"] == 500 and text["steps"][1]["fields"][-1]["hint"] == {
        "de": "Kurz"}


def test_a_fields_settings_change_and_keep_what_is_translated(form):
    with_choices = editing.add_field(form, "about", {"name": "status", "type": "choice", "label": "Stand",
                                                     "choices": [{"value": "a", "label": "A"}]})
    with_choices["steps"][0]["fields"][-1]["choices"][0]["label"]["en"] = "A (en)"
    changed = _changed(editing.update_field, with_choices, "status", {
        "label": "Familienstand", "choices": [{"value": "a", "label": "A"}, {"value": "b", "label": "B"}]})
    field = changed["steps"][0]["fields"][-1]
    assert field["choices"] == [{"value": "a", "label": {"de": "A", "en": "A (en)"}},
                                {"value": "b", "label": {"de": "B"}}]
    retyped = _changed(editing.update_field, changed, "status", {"type": "text", "max_length": 80})
    assert "choices" not in retyped["steps"][0]["fields"][-1] and "display" not in retyped["steps"][0]["fields"][-1]
    assert retyped["steps"][0]["fields"][-1]["max_length"] == 80
    surname = _changed(editing.update_field, form, "surname", {"label": "Nachname", "required": False,
                                                               "autocomplete": "family-name"})["steps"][0]["fields"][0]
    assert surname["label"]["de"] == "Nachname" and is_outdated(surname["label"], "tr")
    assert (surname["required"], surname["autocomplete"]) == (False, "family-name")
    unset = _changed(editing.update_field, {**form, "steps": [dict(form["steps"][0], fields=[surname])]}, "surname",
                     {"autocomplete": ""})
    assert "autocomplete" not in unset["steps"][0]["fields"][0]


@pytest.mark.parametrize("field,where", [
    ({"name": "surname", "type": "text", "label": "x"}, "name"),
    ({"name": "Bad Name", "type": "text", "label": "x"}, "name"),
    ({"name": "ok", "type": "slider", "label": "x"}, "type"),
    ({"name": "ok", "label": "x"}, "type"),
    ({"name": "ok", "type": "text", "label": ""}, "label"),
    ({"name": "ok", "type": "text", "label": "x" * 301}, "label"),
    ({"name": "ok", "type": "text", "label": "x", "max_length": 0}, "max_length"),
    ({"name": "ok", "type": "text", "label": "x", "max_length": "viele"}, "max_length"),
    ({"name": "ok", "type": "choice", "label": "x"}, "choices"),
    ({"name": "ok", "type": "choice", "label": "x", "choices": [{"value": "A B", "label": "x"}]}, "choices"),
    ({"name": "ok", "type": "choice", "label": "x", "choices": [{"value": "a", "label": "x"},
                                                                {"value": "a", "label": "y"}]}, "choices"),
    ({"name": "ok", "type": "choice", "label": "x", "choices": [{"value": "a", "label": ""}]}, "choices"),
    ({"name": "ok", "type": "choice", "label": "x", "choices": [{"value": "a", "label": "x"}], "display": "slider"},
     "display"),
    ({"name": "ok", "type": "text", "label": "x", "autocomplete": "password"}, "autocomplete"),
    ({"name": "ok", "type": "text", "label": "x", "required": "yes"}, "required"),
    ({"name": "ok", "type": "text", "label": "x", "colour": "red"}, "colour"),
])
def test_a_field_that_cannot_be_right_is_refused(form, field, where):
    _refused(editing.add_field, form, "about", field, where=where)


def test_a_fields_name_never_changes_and_an_unknown_field_or_step_is_refused(form):
    _refused(editing.update_field, form, "surname", {"name": "family_name"}, where="name")
    _refused(editing.update_field, form, "nobody", {"label": "x"})
    _refused(editing.add_field, form, "nowhere", {"name": "ok", "type": "text", "label": "x"})
    _refused(editing.update_field, form, "married", {"type": "choice"}, where="choices")


def test_fields_move_within_their_step_and_past_its_end_onto_the_neighbouring_step(form):
    assert _names(_changed(editing.move_field, form, "married", -1)) == [
        ["married", "surname", "arrival"], ["spouse", "wedding"]]
    assert _names(_changed(editing.move_field, form, "married", 1)) == [
        ["surname", "arrival", "married"], ["spouse", "wedding"]]
    assert _names(_changed(editing.move_field, form, "arrival", 1)) == [
        ["surname", "married"], ["arrival", "spouse", "wedding"]]
    assert _names(_changed(editing.move_field, form, "spouse", -1)) == [
        ["surname", "married", "arrival", "spouse"], ["wedding"]]
    _refused(editing.move_field, form, "surname", -1)
    _refused(editing.move_field, form, "wedding", 1)
    _refused(editing.move_field, form, "married", 3)
    _refused(editing.move_field, form, "nobody", 1)


def test_a_field_named_by_a_condition_or_a_rule_is_not_removed(form):
    assert _names(_changed(editing.remove_field, form, "wedding")) == [["surname", "married", "arrival"], ["spouse"]]
    refusal = _refused(editing.remove_field, form, "married")
    assert "family" in str(refusal) and "certificate" in str(refusal), "the step and the slot that name it"
    assert "“spouse”" in str(_refused(editing.remove_field, form, "surname")), "the rule of the field spouse"
    assert "“wedding”" in str(_refused(editing.remove_field, form, "arrival"))
    _refused(editing.remove_field, form, "nobody")


# -- document slots -----------------------------------------------------------------------------

def test_document_slots_are_added_changed_moved_and_removed(form):
    added = _changed(editing.add_slot, form, {"key": "photo", "label": "Foto", "hint": "Biometrisch",
                                              "required": False, "max_files": "2"})
    assert added["documents"][-1] == {"key": "photo", "label": {"de": "Foto"}, "hint": {"de": "Biometrisch"},
                                      "required": False, "max_files": 2, "show_if": None}
    changed = _changed(editing.update_slot, added, "passport", {"label": "Reisepass", "max_files": 5, "hint": ""})
    assert changed["documents"][0]["label"]["de"] == "Reisepass" and changed["documents"][0]["label"]["fa"]
    assert changed["documents"][0]["max_files"] == 5 and changed["documents"][0]["hint"] is None
    assert [slot["key"] for slot in _changed(editing.move_slot, added, "photo", -1)["documents"]] == [
        "passport", "photo", "certificate"]
    assert [slot["key"] for slot in _changed(editing.remove_slot, added, "passport")["documents"]] == [
        "certificate", "photo"]
    no_slots = {key: value for key, value in form.items() if key != "documents"}
    assert _changed(editing.add_slot, no_slots, {"key": "a", "label": "A"})["documents"][0]["key"] == "a"


def test_slot_changes_that_cannot_be_right_are_refused(form):
    _refused(editing.add_slot, form, {"key": "passport", "label": "Pass"}, where="key")
    _refused(editing.add_slot, form, {"key": "photo", "label": ""}, where="label")
    _refused(editing.add_slot, form, {"key": "photo", "label": "Foto", "max_files": 21}, where="max_files")
    _refused(editing.update_slot, form, "passport", {"key": "pass"}, where="key")
    _refused(editing.update_slot, form, "nowhere", {"label": "x"})
    _refused(editing.move_slot, form, "passport", -1)
    _refused(editing.move_slot, form, "certificate", 1)
    _refused(editing.remove_slot, form, "nowhere")


# -- conditions ---------------------------------------------------------------------------------

def test_conditions_are_rows_combined_by_all_or_any(form):
    rows = [{"field": "married", "operator": "equals", "value": "yes"},
            {"field": "surname", "operator": "filled", "value": ""},
            {"field": "", "operator": "equals", "value": "ignored: no field"}]
    field = _changed(rule_editing.set_field_condition, form, "arrival", rows, "any")
    assert field["steps"][0]["fields"][2]["show_if"] == {"any": [{"field": "married", "equals": "yes"},
                                                                 {"field": "surname", "filled": True}]}
    single = _changed(rule_editing.set_step_condition, form, "family", [
        {"field": "arrival", "operator": "on_or_after", "value": "2022-02-24"}])
    assert single["steps"][1]["show_if"] == {"field": "arrival", "on_or_after": "2022-02-24"}
    cleared = _changed(rule_editing.set_step_condition, form, "family", [])
    assert cleared["steps"][1]["show_if"] is None
    slot = _changed(rule_editing.set_slot_condition, form, "passport", [
        {"field": "wedding", "operator": "not_filled", "value": ""},
        {"field": "spouse", "operator": "not_equals", "value": "x"}])
    assert slot["documents"][0]["show_if"] == {"all": [{"field": "wedding", "filled": False},
                                                       {"field": "spouse", "not_equals": "x"}]}
    for changed in (field, single, slot):
        assert problems(changed) == []


@pytest.mark.parametrize("call,key,row", [
    (rule_editing.set_field_condition, "surname", {"field": "married", "operator": "equals", "value": "yes"}),  # later
    (rule_editing.set_step_condition, "family", {"field": "spouse", "operator": "filled"}),  # its own step
    (rule_editing.set_field_condition, "arrival", {"field": "nobody", "operator": "filled"}),
    (rule_editing.set_field_condition, "arrival", {"field": "married", "operator": "like", "value": "y"}),
    (rule_editing.set_field_condition, "arrival", {"field": "married", "operator": "equals", "value": ""}),
    (rule_editing.set_field_condition, "arrival", {"field": "married", "operator": "equals", "value": "maybe"}),
    (rule_editing.set_slot_condition, "passport", {"field": "surname", "operator": "before", "value": "2022-01-01"}),
    (rule_editing.set_slot_condition, "passport", {"field": "arrival", "operator": "before", "value": "24.2.2022"}),
])
def test_a_condition_that_cannot_be_right_is_refused(form, call, key, row):
    _refused(call, form, key, [row], where="condition")


def test_a_condition_is_read_back_as_rows_unless_it_is_more_than_rows(form):
    assert rule_editing.condition_rows(None) == ("all", [])
    assert rule_editing.condition_rows({"field": "married", "equals": "yes"}) == (
        "all", [{"field": "married", "operator": "equals", "value": "yes"}])
    either = {"any": [{"field": "a", "filled": False}, {"field": "b", "before": "2020-01-01"}]}
    assert rule_editing.condition_rows(either) == (
        "any", [{"field": "a", "operator": "not_filled", "value": ""},
                {"field": "b", "operator": "before", "value": "2020-01-01"}])
    assert rule_editing.condition_rows({"not": {"field": "a", "filled": True}}) is None
    assert rule_editing.condition_rows({"field": "a", "in": ["x", "y"]}) is None
    assert rule_editing.condition_rows({"all": [{"any": [{"field": "a", "filled": True}]}]}) is None
    _refused(rule_editing.set_field_condition, form, "arrival", [], "some")


# -- rules --------------------------------------------------------------------------------------

def test_rules_of_every_kind_are_added_and_removed(form):
    form = editing.add_field(form, "family", {"name": "children", "type": "number", "label": "Kinder"})
    form = editing.add_field(form, "family", {"name": "iban", "type": "text", "label": "IBAN"})
    for field in form["steps"][1]["fields"][-2:]:
        field["label"] = t(field["label"]["de"])
    assert problems(form) == []
    cases = [
        ("wedding", "date_on_or_before", {"other": "today"}, "", {"kind": "date_on_or_before", "other": "today"}),
        ("wedding", "date_on_or_after", {"other": "arrival"}, "", {"kind": "date_on_or_after", "other": "arrival"}),
        ("wedding", "max_days_between", {"from": "arrival", "days": "90"}, "Höchstens 90 Tage.",
         {"kind": "max_days_between", "from": "arrival", "days": 90, "message": {"de": "Höchstens 90 Tage."}}),
        ("children", "number_range", {"min": "0", "max": ""}, "", {"kind": "number_range", "min": 0}),
        ("iban", "pattern", {"pattern": "iban"}, "", {"kind": "pattern", "pattern": "iban"}),
        ("iban", "required_if", {"when": [{"field": "married", "operator": "equals", "value": "yes"}],
                                 "field": "spouse"}, "",
         {"kind": "required_if", "when": {"field": "married", "equals": "yes"}, "field": "spouse"}),
    ]
    for name, kind, params, message, expected in cases:
        changed = _changed(rule_editing.add_rule, form, name, kind, params, message)
        rule = editing.field_of(changed, name)["rules"][-1]
        assert rule == {"message": None, **expected}, kind
        assert [problem for problem in problems(changed) if ".message." not in problem.where] == [], kind
    removed = _changed(rule_editing.remove_rule, form, "wedding", 0)
    assert editing.field_of(removed, "wedding")["rules"] == []
    _refused(rule_editing.remove_rule, form, "wedding", 1)
    _refused(rule_editing.remove_rule, form, "wedding", -1)


@pytest.mark.parametrize("name,kind,params,where", [
    ("wedding", "sometimes", {}, "kind"),
    ("surname", "date_after", {"other": "today"}, "kind"),  # not a date field
    ("surname", "number_range", {"min": 1}, "kind"),
    ("wedding", "date_after", {"other": "surname"}, "other"),  # not a date field
    ("wedding", "date_after", {"other": "wedding"}, "other"),  # itself
    ("arrival", "date_after", {"other": "wedding"}, "other"),  # a later step
    ("wedding", "max_days_between", {"from": "arrival", "days": "0"}, "days"),
    ("wedding", "max_days_between", {"from": "", "days": "3"}, "from"),
    ("spouse", "pattern", {"pattern": "emoji"}, "pattern"),
    ("spouse", "required_if", {"when": []}, "when"),
    ("spouse", "required_if", {"when": [{"field": "spouse", "operator": "filled"}]}, "when"),  # itself
    ("spouse", "required_if", {"when": [{"field": "married", "operator": "filled"}], "field": "nobody"}, "field"),
])
def test_a_rule_that_cannot_be_right_is_refused(form, name, kind, params, where):
    _refused(rule_editing.add_rule, form, name, kind, params, where=where)


def test_a_rule_may_name_a_later_field_of_its_own_step(form):
    changed = _changed(rule_editing.add_rule, form, "spouse", "required_if",
                       {"when": [{"field": "wedding", "operator": "filled"}]})
    assert editing.field_of(changed, "spouse")["rules"][-1]["when"] == {"field": "wedding", "filled": True}
    assert problems(changed) == []


def test_a_number_range_needs_a_bound_and_its_minimum_below_its_maximum(form):
    form = editing.add_field(form, "about", {"name": "children", "type": "number", "label": "Kinder"})
    _refused(rule_editing.add_rule, form, "children", "number_range", {"min": "", "max": ""}, where="min")
    _refused(rule_editing.add_rule, form, "children", "number_range", {"min": "5", "max": "1"}, where="min")
    _refused(rule_editing.add_rule, form, "children", "number_range", {"min": "eins"}, where="min")


def test_hostile_text_is_stored_as_text(form):
    hostile = "<script>alert(1)</script>"
    changed = editing.update_field(form, "surname", {"label": hostile, "hint": "<img src=x onerror=alert(1)>"})
    assert editing.field_of(changed, "surname")["label"]["de"] == hostile
    assert any("HTML" in str(problem.message) for problem in problems(changed)), "the check keeps it from publishing"
