"""The check before publishing a form definition (docs/forms.md): the shipped definitions pass,
and each kind of mistake is refused with where it is and what an editor should do."""
from __future__ import annotations

import copy
import json

import pytest

from portal.config import LANGUAGES
from portal.forms.authoring.check import Problem, is_publishable, problems
from portal.forms.definitions.shipped import SEED_DIR

pytestmark = pytest.mark.usefixtures("babel_context")


def t(german: str) -> dict:
    """A text in every language."""
    return {language: german if language == "de" else f"{german} ({language})" for language in LANGUAGES}


def _definition() -> dict:
    """A small definition using every part of the format, with no problem."""
    return {
        "format": 1,
        "code": "test-form",
        "service": {"name_de": "Testdienst", "title": t("Testdienst"), "summary": {"de": "Kurz gesagt."},
                    "audience": {"de": "Für alle."}, "needs_appointment": True, "appointment_minutes": 20},
        "declaration": t("Ich erkläre, dass alles stimmt."),
        "steps": [
            {"key": "about", "title": t("Über Sie"), "intro": {"de": "Wie im **Pass**."}, "show_if": None, "fields": [
                {"name": "surname", "type": "text", "label": t("Familienname"), "hint": {"de": "Wie im Pass."}},
                {"name": "married", "type": "yes_no", "label": t("Sind Sie verheiratet?")},
                {"name": "spouse", "type": "text", "label": t("Name des Ehepartners"),
                 "show_if": {"field": "married", "equals": "yes"}},
                {"name": "arrival", "type": "date", "label": t("Einreise"),
                 "rules": [{"kind": "date_on_or_before", "other": "today"}]},
                {"name": "children", "type": "number", "label": t("Kinder"), "required": False,
                 "rules": [{"kind": "number_range", "min": 0, "max": 20}]},
            ]},
            {"key": "stay", "title": t("Aufenthalt"), "show_if": {"field": "married", "filled": True}, "fields": [
                {"name": "purpose", "type": "choice", "display": "radio", "label": t("Zweck"),
                 "choices": [{"value": "work", "label": t("Arbeit")}, {"value": "other", "label": t("Anderes")}],
                 "rules": [{"kind": "required_if", "field": "remarks",
                            "when": {"all": [{"field": "purpose", "equals": "other"},
                                             {"not": {"field": "arrival", "before": "2022-02-24"}}]},
                            "message": t("Bitte erklären Sie das unter Bemerkungen.")}]},
                {"name": "languages", "type": "checkboxes", "label": t("Sprachen"), "required": False,
                 "choices": [{"value": "de", "label": t("Deutsch")}, {"value": "en", "label": t("Englisch")}]},
                {"name": "until", "type": "date", "label": t("Bis"), "max_length": 10,
                 "rules": [{"kind": "date_after", "other": "arrival"},
                           {"kind": "max_days_between", "from": "arrival", "days": 90}]},
                {"name": "iban", "type": "text", "label": t("IBAN"), "required": False,
                 "rules": [{"kind": "pattern", "pattern": "iban"}]},
                {"name": "remarks", "type": "textarea", "label": t("Bemerkungen"), "required": False,
                 "show_if": {"field": "languages", "contains": "de"}},
            ]},
        ],
        "documents": [
            {"key": "passport", "label": t("Reisepass"), "hint": {"de": "Alle Seiten."}, "required": True,
             "max_files": 3, "show_if": None},
            {"key": "letter", "label": t("Schreiben"), "required": False,
             "show_if": {"any": [{"field": "remarks", "filled": True}, {"field": "iban", "filled": True}]}},
        ],
    }


def _found(definition, **kwargs) -> list[tuple[str, str]]:
    return [(problem.where, str(problem.message)) for problem in problems(definition, **kwargs)]


def test_the_example_has_no_problem():
    definition = _definition()
    assert problems(definition) == []
    assert is_publishable(definition)


@pytest.mark.parametrize("path", sorted(SEED_DIR.glob("*.json")), ids=lambda path: path.stem)
def test_every_shipped_definition_passes(path):
    definition = json.loads(path.read_text(encoding="utf-8"))
    assert _found(definition) == []
    assert is_publishable(definition)


def test_problems_are_frozen_and_readable():
    definition = _definition()
    definition["format"] = 2
    (problem,) = problems(definition)
    assert isinstance(problem, Problem)
    with pytest.raises(AttributeError):
        problem.where = "code"  # type: ignore[misc]
    assert not is_publishable(definition)


def _step(d, index):
    return d["steps"][index]


def _field(d, step, place):
    return d["steps"][step]["fields"][place]


BAD_KEY = ("is not a valid key: use lower-case letters, digits, _ and -, start with a letter, at most 60 "
           "characters.")

# (what changes, where the problem is, the message). Each case makes one mistake in the example.
CASES = {
    # The document and the service
    "format 2": (lambda d: d.update(format=2), "format",
                 "Unknown format 2: this portal reads definitions of format 1."),
    "format as text": (lambda d: d.update(format="1"), "format",
                       "Unknown format 1: this portal reads definitions of format 1."),
    "no format": (lambda d: d.pop("format"), "format",
                  "Unknown format None: this portal reads definitions of format 1."),
    "code with capitals": (lambda d: d.update(code="Test-Form"), "code", f"“Test-Form” {BAD_KEY}"),
    "code too long": (lambda d: d.update(code="a" * 61), "code", f"“{'a' * 61}” {BAD_KEY}"),
    "code starting with a digit": (lambda d: d.update(code="1-form"), "code", f"“1-form” {BAD_KEY}"),
    "no code": (lambda d: d.pop("code"), "code", "The key is missing."),
    "no service": (lambda d: d.pop("service"), "service", "The service section is missing."),
    "no German name": (lambda d: d["service"].update(name_de=" "), "service.name_de",
                       "The service needs its German name (name_de)."),
    "no service title": (lambda d: d["service"].pop("title"), "service.title", "The German text is missing."),
    "service title untranslated": (lambda d: d["service"]["title"].pop("uk"), "service.title.uk",
                                   "The translation into uk is missing."),
    "needs_appointment as text": (lambda d: d["service"].update(needs_appointment="yes"),
                                  "service.needs_appointment", "“needs_appointment” must be true or false."),
    "no needs_appointment": (lambda d: d["service"].pop("needs_appointment"),
                             "service.needs_appointment", "“needs_appointment” must be true or false."),
    "appointment of 4 minutes": (lambda d: d["service"].update(appointment_minutes=4), "service.appointment_minutes",
                                 "The appointment length must be a whole number of minutes from 5 to 480."),
    "appointment of 481 minutes": (lambda d: d["service"].update(appointment_minutes=481),
                                   "service.appointment_minutes",
                                   "The appointment length must be a whole number of minutes from 5 to 480."),
    "appointment minutes as text": (lambda d: d["service"].update(appointment_minutes="20"),
                                    "service.appointment_minutes",
                                    "The appointment length must be a whole number of minutes from 5 to 480."),
    "no appointment minutes": (lambda d: d["service"].pop("appointment_minutes"), "service.appointment_minutes",
                               "The appointment length must be a whole number of minutes from 5 to 480."),
    "summary without German": (lambda d: d["service"].update(summary={"en": "Briefly."}), "service.summary.de",
                               "The German text is missing."),
    "no declaration": (lambda d: d.pop("declaration"), "declaration", "The German text is missing."),
    "declaration untranslated": (lambda d: d["declaration"].pop("fa"), "declaration.fa",
                                 "The translation into fa is missing."),
    # Steps
    "no steps": (lambda d: d.update(steps=[]), "steps", "The form needs at least one step."),
    "steps not a list": (lambda d: d.update(steps={"about": {}}), "steps", "The form needs at least one step."),
    "step key documents": (lambda d: _step(d, 1).update(key="documents"), "steps[1].key",
                           "The step key “documents” is reserved: every form ends with the steps documents, review "
                           "and declaration."),
    "step key review": (lambda d: _step(d, 1).update(key="review"), "steps[1].key",
                        "The step key “review” is reserved: every form ends with the steps documents, review and "
                        "declaration."),
    "step key declaration": (lambda d: _step(d, 0).update(key="declaration"), "steps[0].key",
                             "The step key “declaration” is reserved: every form ends with the steps documents, "
                             "review and declaration."),
    "duplicate step key": (lambda d: _step(d, 1).update(key="about"), "steps[1].key",
                           "There is already a step with the key “about”."),
    "step key with a space": (lambda d: _step(d, 1).update(key="my stay"), "steps[1].key", f"“my stay” {BAD_KEY}"),
    "step without key": (lambda d: _step(d, 1).pop("key"), "steps[1].key", "The key is missing."),
    "step without title": (lambda d: _step(d, 0).pop("title"), "steps[0].title", "The German text is missing."),
    "step title untranslated": (lambda d: _step(d, 0)["title"].update(ar=""), "steps[0].title.ar",
                                "The translation into ar is missing."),
    "step without fields": (lambda d: _step(d, 1).update(fields=[]), "steps[1].fields",
                            "The step “stay” needs at least one field."),
    "step not an object": (lambda d: d["steps"].append("more"), "steps[2]",
                           "This entry cannot be read: it must be an object of keys and values."),
    "intro without German": (lambda d: _step(d, 0).update(intro={"de": ""}), "steps[0].intro.de",
                             "The German text is missing."),
    # Fields
    "duplicate field on another step": (
        lambda d: _step(d, 1)["fields"].append({"name": "surname", "type": "text", "label": t("Name")}),
        "steps[1].fields[5].name", "There is already a field named “surname” in this form."),
    "duplicate field on the same step": (lambda d: _field(d, 0, 4).update(name="spouse"), "steps[0].fields[4].name",
                                         "There is already a field named “spouse” in this form."),
    "field name with capitals": (lambda d: _field(d, 0, 0).update(name="Surname"), "steps[0].fields[0].name",
                                 f"“Surname” {BAD_KEY}"),
    "field without name": (lambda d: _field(d, 0, 0).pop("name"), "steps[0].fields[0].name", "The key is missing."),
    "unknown type": (lambda d: _field(d, 0, 0).update(type="colour"), "steps[0].fields[0].type",
                     "Unknown field type “colour”."),
    "no type": (lambda d: _field(d, 0, 0).pop("type"), "steps[0].fields[0].type", "Unknown field type “None”."),
    "field without label": (lambda d: _field(d, 0, 0).pop("label"), "steps[0].fields[0].label",
                            "The German text is missing."),
    "label without German": (lambda d: _field(d, 0, 0)["label"].pop("de"), "steps[0].fields[0].label.de",
                             "The German text is missing."),
    "label untranslated": (lambda d: _field(d, 0, 0)["label"].pop("tr"), "steps[0].fields[0].label.tr",
                           "The translation into tr is missing."),
    "label as plain text": (lambda d: _field(d, 0, 0).update(label="Familienname"), "steps[0].fields[0].label",
                            "This must be a text by language, with the German text under de."),
    "label with a number": (lambda d: _field(d, 0, 0)["label"].update(en=7), "steps[0].fields[0].label.en",
                            "This must be a text by language, with the German text under de."),
    "required as text": (lambda d: _field(d, 0, 0).update(required="no"), "steps[0].fields[0].required",
                         "“required” must be true or false."),
    "choice without choices": (lambda d: _field(d, 1, 0).pop("choices"), "steps[1].fields[0].choices",
                               "The field “purpose” needs at least one choice."),
    "checkboxes without choices": (lambda d: _field(d, 1, 1).update(choices=[]), "steps[1].fields[1].choices",
                                   "The field “languages” needs at least one choice."),
    "duplicate choice": (lambda d: _field(d, 1, 0)["choices"].append({"value": "work", "label": t("Job")}),
                         "steps[1].fields[0].choices[2].value",
                         "There is already a choice with the value “work” in this field."),
    "choice value with a space": (lambda d: _field(d, 1, 1)["choices"][1].update(value="en gb"),
                                  "steps[1].fields[1].choices[1].value", f"“en gb” {BAD_KEY}"),
    "choice label untranslated": (lambda d: _field(d, 1, 0)["choices"][1]["label"].pop("ru"),
                                  "steps[1].fields[0].choices[1].label.ru", "The translation into ru is missing."),
    "choice without label": (lambda d: _field(d, 1, 0)["choices"][1].pop("label"),
                             "steps[1].fields[0].choices[1].label", "The German text is missing."),
    "unknown display": (lambda d: _field(d, 1, 0).update(display="buttons"), "steps[1].fields[0].display",
                        "Show the choices as radio or select, not “buttons”."),
    "max_length 0": (lambda d: _field(d, 0, 0).update(max_length=0), "steps[0].fields[0].max_length",
                     "The maximum length must be a whole number from 1 to 10000."),
    "max_length 10001": (lambda d: _field(d, 0, 0).update(max_length=10001), "steps[0].fields[0].max_length",
                         "The maximum length must be a whole number from 1 to 10000."),
    "max_length as text": (lambda d: _field(d, 0, 0).update(max_length="200"), "steps[0].fields[0].max_length",
                           "The maximum length must be a whole number from 1 to 10000."),
    "hint with HTML": (lambda d: _field(d, 0, 0)["hint"].update(de="Wie im <b>Pass</b>."), "steps[0].fields[0].hint.de",
                       "The text contains HTML (<b>). Write plain text: hints, intros and the declaration may use "
                       "Markdown."),
    "label with a closing tag": (lambda d: _field(d, 0, 0)["label"].update(en="Surname</p>"),
                                 "steps[0].fields[0].label.en",
                                 "The text contains HTML (</p>). Write plain text: hints, intros and the declaration "
                                 "may use Markdown."),
    "declaration with a script": (lambda d: d["declaration"].update(uk="Так <script>alert(1)</script>"),
                                  "declaration.uk", "The text contains HTML (<script>). Write plain text: hints, "
                                  "intros and the declaration may use Markdown."),
    "German name with HTML": (lambda d: d["service"].update(name_de="Test<br/>dienst"), "service.name_de",
                              "The text contains HTML (<br/>). Write plain text: hints, intros and the declaration "
                              "may use Markdown."),
    # Conditions
    "unknown operator": (lambda d: _field(d, 0, 2).update(show_if={"field": "married", "matches": "y.*"}),
                         "steps[0].fields[2].show_if", "Unknown condition operator “matches”."),
    "unknown operator deep inside": (
        lambda d: _field(d, 0, 2).update(show_if={"any": [{"not": {"field": "married", "regex": "y"}}]}),
        "steps[0].fields[2].show_if.any[0].not", "Unknown condition operator “regex”."),
    "two operators": (lambda d: _field(d, 0, 2).update(show_if={"field": "married", "equals": "yes", "filled": True}),
                      "steps[0].fields[2].show_if",
                      "A condition needs a field and one operator, or one of all, any and not (found: equals, field, "
                      "filled)."),
    "no operator": (lambda d: _field(d, 0, 2).update(show_if={"field": "married"}), "steps[0].fields[2].show_if",
                    "A condition needs a field and one operator, or one of all, any and not (found: field)."),
    "condition as text": (lambda d: _field(d, 0, 2).update(show_if="married == yes"), "steps[0].fields[2].show_if",
                          "This is not a condition."),
    "all not a list": (lambda d: _field(d, 0, 2).update(show_if={"all": {"field": "married", "equals": "yes"}}),
                       "steps[0].fields[2].show_if.all", "This must be a list."),
    "empty not": (lambda d: _field(d, 0, 2).update(show_if={"not": {}}), "steps[0].fields[2].show_if.not",
                  "This is not a condition."),
    "condition without a field name": (lambda d: _field(d, 0, 2).update(show_if={"field": "", "filled": True}),
                                       "steps[0].fields[2].show_if.field", "The condition needs the name of a field."),
    "condition on an unknown field": (lambda d: _field(d, 0, 2).update(show_if={"field": "wed", "equals": "yes"}),
                                      "steps[0].fields[2].show_if.field",
                                      "There is no field named “wed” in this form."),
    "field condition on a later field of its step": (
        lambda d: _field(d, 0, 2).update(show_if={"field": "arrival", "filled": True}),
        "steps[0].fields[2].show_if.field",
        "The field “arrival” is not asked before this one: a condition may only name fields of earlier steps or "
        "fields placed before it on the same step."),
    "field condition on itself": (
        lambda d: _field(d, 0, 2).update(show_if={"field": "spouse", "filled": True}),
        "steps[0].fields[2].show_if.field",
        "The field “spouse” is not asked before this one: a condition may only name fields of earlier steps or "
        "fields placed before it on the same step."),
    "field condition on a later step": (
        lambda d: _field(d, 0, 2).update(show_if={"all": [{"field": "married", "equals": "yes"},
                                                          {"field": "purpose", "equals": "work"}]}),
        "steps[0].fields[2].show_if.all[1].field",
        "The field “purpose” is not asked before this one: a condition may only name fields of earlier steps or "
        "fields placed before it on the same step."),
    "step condition on its own field": (
        lambda d: _step(d, 1).update(show_if={"field": "purpose", "equals": "work"}), "steps[1].show_if.field",
        "The field “purpose” is not on an earlier step: a step's condition may only name fields of earlier steps."),
    "first step with a condition": (
        lambda d: _step(d, 0).update(show_if={"field": "surname", "filled": True}), "steps[0].show_if.field",
        "The field “surname” is not on an earlier step: a step's condition may only name fields of earlier steps."),
    "slot condition on an unknown field": (
        lambda d: d["documents"][0].update(show_if={"field": "passport", "filled": True}),
        "documents[0].show_if.field", "There is no field named “passport” in this form."),
    "equals a value the choice does not have": (
        lambda d: _field(d, 0, 2).update(show_if={"field": "married", "equals": "ja"}),
        "steps[0].fields[2].show_if.equals", "“ja” is not one of the choices of the field “married”."),
    "in with a value the choice does not have": (
        lambda d: _field(d, 1, 4).update(show_if={"field": "purpose", "in": ["work", "study"]}),
        "steps[1].fields[4].show_if.in", "“study” is not one of the choices of the field “purpose”."),
    "contains a value the checkboxes do not have": (
        lambda d: _field(d, 1, 4).update(show_if={"field": "languages", "contains": "fr"}),
        "steps[1].fields[4].show_if.contains", "“fr” is not one of the choices of the field “languages”."),
    "in without a list": (lambda d: _field(d, 1, 4).update(show_if={"field": "purpose", "in": "work"}),
                          "steps[1].fields[4].show_if.in", "“in” needs a list of values."),
    "equals a number": (lambda d: _field(d, 1, 4).update(show_if={"field": "children", "equals": 3}),
                        "steps[1].fields[4].show_if.equals", "The value to compare with (3) must be a text."),
    "filled as text": (lambda d: _field(d, 1, 4).update(show_if={"field": "surname", "filled": "yes"}),
                       "steps[1].fields[4].show_if.filled", "“filled” must be true or false."),
    "a date written the German way": (
        lambda d: _field(d, 1, 4).update(show_if={"field": "arrival", "on_or_after": "24.02.2022"}),
        "steps[1].fields[4].show_if.on_or_after", "“24.02.2022” is not a date written YYYY-MM-DD."),
    "a date comparison on a text field": (
        lambda d: _field(d, 1, 4).update(show_if={"field": "surname", "before": "2022-02-24"}),
        "steps[1].fields[4].show_if.before",
        "The field “surname” is not a date field: only a date can be compared with a date."),
    # Rules
    "unknown rule kind": (lambda d: _field(d, 0, 0).update(rules=[{"kind": "regex", "regex": "^[A-Z]"}]),
                          "steps[0].fields[0].rules[0].kind", "Unknown rule kind “regex”."),
    "rule not an object": (lambda d: _field(d, 0, 0).update(rules=["required"]), "steps[0].fields[0].rules[0]",
                           "This entry cannot be read: it must be an object of keys and values."),
    "rules not a list": (lambda d: _field(d, 0, 0).update(rules={"kind": "pattern"}), "steps[0].fields[0].rules",
                         "This must be a list."),
    "required_if without when": (lambda d: _field(d, 1, 0)["rules"][0].pop("when"),
                                 "steps[1].fields[0].rules[0].when", "The rule required_if needs a condition (when)."),
    "required_if on a later step": (
        lambda d: _field(d, 0, 0).update(rules=[{"kind": "required_if",
                                                 "when": {"field": "purpose", "equals": "work"}}]),
        "steps[0].fields[0].rules[0].when.field",
        "The field “purpose” is on a later step: a rule may only name fields of its own step or an earlier one."),
    "required_if asking for a field of a later step": (
        lambda d: _field(d, 0, 0).update(rules=[{"kind": "required_if", "field": "remarks",
                                                 "when": {"field": "married", "equals": "yes"}}]),
        "steps[0].fields[0].rules[0].field",
        "The field “remarks” is on a later step: a rule may only name fields of its own step or an earlier one."),
    "required_if asking for an unknown field": (
        lambda d: _field(d, 1, 0)["rules"][0].update(field="remark"), "steps[1].fields[0].rules[0].field",
        "There is no field named “remark” in this form."),
    "rule message untranslated": (lambda d: _field(d, 1, 0)["rules"][0]["message"].pop("en"),
                                  "steps[1].fields[0].rules[0].message.en", "The translation into en is missing."),
    "rule message without German": (lambda d: _field(d, 1, 0)["rules"][0]["message"].update(de=""),
                                    "steps[1].fields[0].rules[0].message.de", "The German text is missing."),
    "date rule on a text field": (lambda d: _field(d, 0, 0).update(rules=[{"kind": "date_before", "other": "today"}]),
                                  "steps[0].fields[0].rules[0].kind",
                                  "A date_before rule needs a date field; this field is of type text."),
    "date rule against a later step": (lambda d: _field(d, 0, 3).update(rules=[{"kind": "date_before",
                                                                                "other": "until"}]),
                                       "steps[0].fields[3].rules[0].other",
                                       "The field “until” is on a later step: a rule may only name fields of its own "
                                       "step or an earlier one."),
    "date rule against a text field": (lambda d: _field(d, 1, 2)["rules"][0].update(other="surname"),
                                       "steps[1].fields[2].rules[0].other",
                                       "The field “surname” is not a date field: only a date can be compared with a "
                                       "date."),
    "date rule against nothing": (lambda d: _field(d, 1, 2)["rules"][0].pop("other"),
                                  "steps[1].fields[2].rules[0].other",
                                  "The rule date_after needs the date to compare with: today or the name of a date "
                                  "field."),
    "date rule against an unknown field": (lambda d: _field(d, 1, 2)["rules"][0].update(other="tomorrow"),
                                           "steps[1].fields[2].rules[0].other",
                                           "There is no field named “tomorrow” in this form."),
    "max_days_between from a text field": (lambda d: _field(d, 1, 2)["rules"][1].update({"from": "surname"}),
                                           "steps[1].fields[2].rules[1].from",
                                           "The field “surname” is not a date field: only a date can be compared with "
                                           "a date."),
    "max_days_between from nothing": (lambda d: _field(d, 1, 2)["rules"][1].pop("from"),
                                      "steps[1].fields[2].rules[1].from",
                                      "The rule max_days_between needs the date field to compare with."),
    "max_days_between from today": (lambda d: _field(d, 1, 2)["rules"][1].update({"from": "today"}),
                                    "steps[1].fields[2].rules[1].from",
                                    "There is no field named “today” in this form."),
    "max_days_between of 0 days": (lambda d: _field(d, 1, 2)["rules"][1].update(days=0),
                                   "steps[1].fields[2].rules[1].days",
                                   "The number of days must be a whole number of at least 1."),
    "max_days_between days as text": (lambda d: _field(d, 1, 2)["rules"][1].update(days="90"),
                                      "steps[1].fields[2].rules[1].days",
                                      "The number of days must be a whole number of at least 1."),
    "max_days_between on a number": (
        lambda d: _field(d, 0, 4)["rules"].append({"kind": "max_days_between", "from": "arrival", "days": 9}),
        "steps[0].fields[4].rules[1].kind",
        "A max_days_between rule needs a date field; this field is of type number."),
    "number_range on a text field": (lambda d: _field(d, 0, 0).update(rules=[{"kind": "number_range", "max": 9}]),
                                     "steps[0].fields[0].rules[0].kind",
                                     "A number_range rule needs a number field; this field is of type text."),
    "number_range with min above max": (lambda d: _field(d, 0, 4)["rules"][0].update(min=21),
                                        "steps[0].fields[4].rules[0].min",
                                        "The minimum (21) is above the maximum (20)."),
    "number_range with a text bound": (lambda d: _field(d, 0, 4)["rules"][0].update(max="20"),
                                       "steps[0].fields[4].rules[0].max",
                                       "The max of a number_range must be a whole number."),
    "number_range with a decimal bound": (lambda d: _field(d, 0, 4)["rules"][0].update(min=0.5),
                                          "steps[0].fields[4].rules[0].min",
                                          "The min of a number_range must be a whole number."),
    "unknown pattern": (lambda d: _field(d, 1, 3)["rules"][0].update(pattern="email"),
                        "steps[1].fields[3].rules[0].pattern",
                        "Unknown pattern “email”: choose one of letters, digits, iban, file_number."),
    "pattern missing": (lambda d: _field(d, 1, 3)["rules"][0].pop("pattern"),
                        "steps[1].fields[3].rules[0].pattern",
                        "Unknown pattern “None”: choose one of letters, digits, iban, file_number."),
    # Document slots
    "duplicate slot": (lambda d: d["documents"].append({"key": "passport", "label": t("Pass")}), "documents[2].key",
                       "There is already a document slot with the key “passport”."),
    "slot key with capitals": (lambda d: d["documents"][1].update(key="Letter"), "documents[1].key",
                               f"“Letter” {BAD_KEY}"),
    "slot without label": (lambda d: d["documents"][1].pop("label"), "documents[1].label",
                           "The German text is missing."),
    "slot label untranslated": (lambda d: d["documents"][1]["label"].pop("ar"), "documents[1].label.ar",
                                "The translation into ar is missing."),
    "slot of 0 files": (lambda d: d["documents"][0].update(max_files=0), "documents[0].max_files",
                        "The number of files must be a whole number from 1 to 20."),
    "slot of 21 files": (lambda d: d["documents"][0].update(max_files=21), "documents[0].max_files",
                         "The number of files must be a whole number from 1 to 20."),
    "slot required as text": (lambda d: d["documents"][0].update(required="yes"), "documents[0].required",
                              "“required” must be true or false."),
    "documents not a list": (lambda d: d.update(documents={"passport": {}}), "documents", "This must be a list."),
}


@pytest.mark.parametrize("name", CASES)
def test_each_mistake_is_refused_where_it_is(name):
    change, where, message = CASES[name]
    definition = _definition()
    change(definition)
    found = _found(definition)
    assert (where, message) in found, found
    assert not is_publishable(definition)


@pytest.mark.parametrize("name", [
    "code with capitals", "step key review", "duplicate step key", "duplicate field on another step",
    "duplicate field on the same step", "unknown type", "label untranslated", "duplicate choice",
    "unknown display", "unknown rule kind", "unknown operator",
    "field condition on a later field of its step", "step condition on its own field", "required_if on a later step",
    "date rule on a text field",
    "number_range with min above max", "unknown pattern", "duplicate slot", "hint with HTML", "slot of 21 files",
])
def test_one_mistake_is_one_problem(name):
    change, where, message = CASES[name]
    definition = _definition()
    change(definition)
    assert _found(definition) == [(where, message)]


def test_messages_have_their_names_filled_in():
    for change, _, _ in CASES.values():
        definition = _definition()
        change(definition)
        for where, message in _found(definition):
            assert "%(" not in message and message.endswith("."), (where, message)


def test_what_is_allowed():
    definition = _definition()
    fields = definition["steps"][1]["fields"]
    fields[0]["colour"] = "blue"  # unknown keys of a field are no problem
    fields[0]["show_if"] = {"field": "married", "equals": "yes"}  # a field of an earlier step
    fields[4]["show_if"] = {"field": "languages", "contains": "de"}  # an earlier field of the same step
    fields[0]["rules"][0]["when"] = {"field": "remarks", "filled": False}  # a rule: any field of its own step
    definition["documents"][0]["show_if"] = {"field": "remarks", "filled": True}  # a slot: any field
    definition["steps"][0]["fields"][1]["choices"] = []  # yes_no needs no choices
    definition["steps"][0]["fields"][0]["max_length"] = 10000
    definition["documents"][0]["max_files"] = 20
    definition["service"]["appointment_minutes"] = 5
    definition["code"] = "a" + "-" * 59
    for text in (definition["steps"][0]["intro"], definition["steps"][0]["fields"][0]["hint"],
                 definition["documents"][0]["hint"], definition["service"]["summary"]):
        assert set(text) == {"de"}  # hints, intros, summary and audience may stay German
    definition["steps"][0]["fields"][0]["hint"]["de"] = "Wenn a < b oder <3 ist, ist das kein HTML."
    definition["service"]["title"]["made_from"] = {"en": "0123456789ab"}
    definition["declaration"]["en"] = "Declaration — outdated, but a translation all the same."
    definition["steps"][0]["fields"][4]["rules"] = [{"kind": "number_range", "min": 5}, {"kind": "number_range"}]
    assert _found(definition) == []


def test_only_the_languages_asked_for_must_be_translated():
    definition = _definition()
    definition["steps"][0]["fields"][0]["label"] = {"de": "Familienname", "en": "Surname"}
    assert _found(definition, languages=("de", "en")) == []
    assert _found(definition, languages=("de", "en", "fa")) == [
        ("steps[0].fields[0].label.fa", "The translation into fa is missing.")]
    assert len(_found(definition)) == len(LANGUAGES) - 2


def test_a_definition_of_copies_passes_like_the_original():
    """The check does not change what it reads."""
    definition = _definition()
    before = copy.deepcopy(definition)
    problems(definition)
    assert definition == before


@pytest.mark.parametrize("definition", [None, [], "text", {}])
def test_what_is_not_a_definition_is_refused_without_crashing(definition):
    assert problems(definition)


def test_the_german_title_is_the_services_german_name():
    import copy

    from portal.forms.authoring.check import problems
    from portal.forms.definitions.shipped import shipped

    definition = copy.deepcopy(shipped()["general-enquiry"])
    definition["service"]["name_de"] = "Anfrage allgemein"
    assert [p.where for p in problems(definition)] == ["service.title.de"]
