"""A definition's texts for translating: every text in the order of the document with a stable
path, its German and the state of each translation; translations set record the current German."""
import copy

import pytest

from portal.forms.authoring.check import problems
from portal.forms.authoring.translating import (
    TRANSLATED_LANGUAGES, TranslationRefused, set_translations, summary, texts_of,
)
from portal.forms.definitions.shipped import shipped
from portal.forms.definitions.texts import MADE_FROM, digest, translated


def _text(german: str, **translations: str) -> dict:
    text = {"de": german}
    for language, value in translations.items():
        text = translated(text, language, value)
    return text


def _definition() -> dict:
    return {
        "format": 1, "code": "sample",
        "service": {"name_de": "Probe", "title": _text("Probe", en="Sample"), "summary": _text("Kurz"),
                    "needs_appointment": False, "appointment_minutes": 10},
        "declaration": _text("Ich erkläre.", en="I declare."),
        "steps": [{"key": "one", "title": _text("Eins", en="One"), "intro": None, "fields": [
            {"name": "status", "type": "choice", "label": _text("Status", en="Status"),
             "hint": _text("Bitte wählen"),
             "choices": [{"value": "a", "label": _text("A", en="A")}, {"value": "b", "label": _text("B")}],
             "rules": [{"kind": "required_if", "when": {"field": "status", "filled": True},
                        "message": _text("Bitte ausfüllen")}, {"kind": "pattern", "pattern": "digits"}]},
        ]}],
        "documents": [{"key": "passport", "label": _text("Pass", en="Passport"), "hint": None}],
    }


def test_every_text_in_the_order_of_the_document(babel_context):
    entries = texts_of(_definition())
    assert [e.path for e in entries] == [
        "service.title", "service.summary", "declaration", "steps[0].title", "steps[0].fields[0].label",
        "steps[0].fields[0].hint", "steps[0].fields[0].choices[0].label", "steps[0].fields[0].choices[1].label",
        "steps[0].fields[0].rules[0].message", "documents[0].label"]
    assert [e.required for e in entries] == [True, False, True, True, True, False, True, True, True, True]
    assert str(entries[4].what) == "Label of field status"
    assert str(entries[7].what) == "Choice b of field status"
    assert entries[7].key == "field:status.choice:b.label" and entries[7].owner == "field:status"
    assert entries[4].german == "Status"


def test_each_translation_knows_whether_it_is_missing_or_outdated(babel_context):
    definition = _definition()
    definition["steps"][0]["fields"][0]["label"]["de"] = "Stand"  # the English was made from "Status"
    entries = {e.path: e for e in texts_of(definition)}
    label = entries["steps[0].fields[0].label"].translation("en")
    assert (label.text, label.outdated, label.missing) == ("Status", True, False)
    choice = entries["steps[0].fields[0].choices[1].label"].translation("en")
    assert (choice.text, choice.outdated, choice.missing) == ("", False, True)
    hint = entries["steps[0].fields[0].hint"].translation("en")
    assert (hint.outdated, hint.missing) == (False, False), "a hint may stay German"
    assert set(entries["service.title"].translations) == set(TRANSLATED_LANGUAGES)
    # The required ones without English: choice b and the rule's message (the title, declaration,
    # step title, label, choice a and slot label have one).
    assert summary(definition, "en") == (2, 1)
    assert summary(definition, "ar") == (8, 0)


def test_the_required_texts_are_those_check_requires(babel_context):
    """Missing here is what check.py reports as a missing translation."""
    definition = _definition()
    reported = {p.where.rsplit(".", 1)[0] for p in problems(definition) if p.where.endswith(".tr")}
    assert reported == {e.path for e in texts_of(definition) if e.translation("tr").missing}


def test_translations_set_record_the_current_german(babel_context):
    definition = _definition()
    definition["steps"][0]["fields"][0]["label"]["de"] = "Stand"
    before = copy.deepcopy(definition)
    updated = set_translations(definition, "en", {"steps[0].fields[0].label": " State\r\n",
                                                  "steps[0].fields[0].choices[1].label": "B",
                                                  "service.summary": "Short"})
    assert definition == before, "the definition given is not changed"
    label = updated["steps"][0]["fields"][0]["label"]
    assert label["en"] == "State" and label[MADE_FROM]["en"] == digest("Stand")
    assert updated["steps"][0]["fields"][0]["choices"][1]["label"][MADE_FROM] == {"en": digest("B")}
    assert updated["service"]["summary"]["en"] == "Short"
    assert summary(updated, "en") == (1, 0)
    assert updated["steps"][0]["title"] == definition["steps"][0]["title"]


def test_an_empty_text_removes_the_translation(babel_context):
    updated = set_translations(_definition(), "en", {"documents[0].label": "  ", "declaration": ""})
    assert updated["documents"][0]["label"] == {"de": "Pass"}
    assert updated["declaration"] == {"de": "Ich erkläre."}
    assert summary(updated, "en")[0] == 4


@pytest.mark.parametrize("language, changes, code", [
    ("de", {"service.title": "Neu"}, "german"),
    ("xx", {"service.title": "New"}, "language_unknown"),
    ("en", {"steps[3].title": "Three"}, "path_unknown"),
    ("en", {"service.audience": "Everyone"}, "path_unknown"),  # no German text there: nothing to translate
    ("en", {"steps[0].fields[0].name": "x"}, "path_unknown"),
    ("en", {"service.title": "a\x00b"}, "control_characters"),
    ("en", {"service.title": "x" * 10_001}, "too_long"),
    ("en", {"service.title": 7}, "not_a_text"),
])
def test_refused(babel_context, language, changes, code):
    with pytest.raises(TranslationRefused) as refused:
        set_translations(_definition(), language, changes)
    assert refused.value.code == code and str(refused.value.message)


@pytest.mark.parametrize("code", sorted(shipped()))
def test_every_shipped_form_is_translated_and_current(babel_context, code):
    entries = texts_of(shipped()[code])
    assert len({e.path for e in entries}) == len(entries) and len({e.key for e in entries}) == len(entries)
    for language in TRANSLATED_LANGUAGES:
        assert summary(shipped()[code], language) == (0, 0), language


def test_a_broken_draft_is_read_as_far_as_it_goes(babel_context):
    broken = {"steps": [None, {"fields": "nope"}, {"key": "x", "title": "kein Text", "fields": [7]}],
              "documents": {"passport": True}, "declaration": _text("Ja")}
    assert [e.path for e in texts_of(broken)] == ["declaration"]
