"""The online forms as data: shipped definitions never change once published, every one becomes a
form, texts follow the page's language, conditions pass steps, fields and slots over."""
import copy
import json

import pytest
from flask_babel import force_locale

from portal.config import LANGUAGES
from portal.forms.definitions import texts
from portal.forms.definitions.compile import service_form
from portal.forms.definitions.shipped import SEED_DIR, file_digest, recorded_digests, shipped
from portal.forms.spec import DECLARATION, DOCUMENTS, REVIEW


def test_every_shipped_definition_is_as_published():
    """A published version never changes: a change to a shipped file must be a new version."""
    recorded = recorded_digests()
    assert set(recorded) == set(shipped()), "every shipped definition is recorded in PUBLISHED, and only those"
    for code, digest in recorded.items():
        assert file_digest(SEED_DIR / f"{code}.json") == digest, f"{code}.json changed after it was published"


@pytest.mark.parametrize("code", sorted(shipped()))
def test_every_shipped_definition_makes_its_form(code, babel_context):
    definition = shipped()[code]
    form = service_form(definition, 1)
    assert form.code == code and form.version == 1
    assert [s.key for s in form.steps] == [s["key"] for s in definition["steps"]]
    assert [f.name for f in form.fields] == [f["name"] for s in definition["steps"] for f in s["fields"]]
    assert [d.key for d in form.documents] == [d["key"] for d in definition["documents"]]
    for language in LANGUAGES:
        with force_locale(language):
            assert str(form.steps[0].fields[0].label) == definition["steps"][0]["fields"][0]["label"][language]
            assert str(form.declaration) == definition["declaration"][language]


def test_a_text_follows_the_language_and_falls_back_to_german(babel_context):
    text = texts.localised({"de": "Nachname", "en": "Surname"})
    with force_locale("en"):
        assert str(text) == "Surname"
    with force_locale("ar"):
        assert str(text) == "Nachname"
    assert texts.localised(None) is None
    assert "&lt;" in texts.LocalisedText({"de": "<b>"}).__html__()


def test_a_translation_is_outdated_once_its_german_text_changes():
    made = texts.translated({"de": "Nachname"}, "en", "Surname")
    assert not texts.is_outdated(made, "en")
    changed = {**made, "de": "Familienname"}
    assert texts.is_outdated(changed, "en")
    assert not texts.is_outdated(texts.translated(changed, "en", "Family name"), "en")
    assert not texts.is_outdated(changed, "uk")  # no translation: missing, not outdated


def _married_form():
    definition = copy.deepcopy(shipped()["general-enquiry"])
    enquiry = definition["steps"][-1]
    enquiry["fields"].insert(0, {"name": "marital_status", "type": "choice", "label": {"de": "Familienstand"},
                                 "choices": [{"value": "single", "label": {"de": "ledig"}},
                                             {"value": "married", "label": {"de": "verheiratet"}}]})
    enquiry["fields"].insert(1, {"name": "spouse_name", "type": "text", "label": {"de": "Name des Ehepartners"},
                                 "show_if": {"field": "marital_status", "equals": "married"}})
    definition["steps"].append({"key": "spouse", "title": {"de": "Ehe"}, "fields": [
        {"name": "marriage_date", "type": "date", "label": {"de": "Datum der Eheschließung"},
         "rules": [{"kind": "date_on_or_before", "other": "today"}]}],
        "show_if": {"field": "marital_status", "equals": "married"}})
    definition["documents"].append({"key": "marriage_certificate", "label": {"de": "Heiratsurkunde"},
                                    "show_if": {"field": "marital_status", "equals": "married"}})
    return service_form(json.loads(json.dumps(definition)), 2)


def test_a_condition_passes_a_step_a_field_and_a_slot_over(babel_context):
    form = _married_form()
    single = {"marital_status": "single"}
    married = {"marital_status": "married"}
    assert "spouse" not in form.keys_for(single) and "spouse" in form.keys_for(married)
    assert form.keys_for(single)[-3:] == (DOCUMENTS, REVIEW, DECLARATION)
    assert "marriage_certificate" not in [d.key for d in form.documents_for(single)]
    assert "marriage_certificate" in [d.key for d in form.documents_for(married)]

    enquiry = form.step("enquiry")
    sent = {"marital_status": "single", "spouse_name": "kept out", "subject": "Frage", "message": "Text"}
    values, errors = enquiry.validate(sent)
    assert errors == {} and values["spouse_name"] == ""  # not asked: not checked, not stored
    values, errors = enquiry.validate({**sent, "marital_status": "married", "spouse_name": ""})
    assert set(errors) == {"spouse_name"}  # asked now, and required
    values, errors = enquiry.validate({**sent, "marital_status": "married", "spouse_name": "Олена Коваль"})
    assert errors == {} and values["spouse_name"] == "Олена Коваль"


def test_a_hidden_step_is_not_checked_at_submission(babel_context):
    form = _married_form()
    step_values = {"marital_status": "single", "subject": "Frage", "message": "Text"}
    values, errors = form.step("enquiry").validate(step_values)
    assert not errors
    problems = form.validate_all({**values, "marriage_date": ""})
    assert "marriage_date" not in problems
    problems = form.validate_all({**values, "marital_status": "married", "marriage_date": ""})
    assert "marriage_date" in problems
