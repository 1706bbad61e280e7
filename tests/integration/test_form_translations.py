"""The online forms' languages in the back office: translating a version side by side with German
(outdated and missing translations marked, right to left for Arabic and Persian), the form as an
applicant sees it in a language, and what changed between two versions."""
from __future__ import annotations

import copy

import pytest
from lxml import html
from sqlalchemy import select

from portal.forms.authoring.translating import set_translations
from portal.forms.authoring.versions import change_definition, new_version, transition
from portal.forms.definitions.shipped import shipped
from portal.forms.definitions.store import definition_of
from portal.forms.definitions.texts import digest
from portal.models import AuditEvent
from tests.support.helpers import csrf_token_from, sign_in

CODE = "general-enquiry"
SURNAME = "steps[0].fields[0].label"
GIVEN_NAMES = "steps[0].fields[1].label"
NEW_GERMAN = "Familienname (wie im Reisepass)"
HOSTILE = "<script>alert(1)</script>"
BASE = f"/backoffice/forms/{CODE}"


def _changed() -> dict:
    definition = copy.deepcopy(shipped()[CODE])
    definition["steps"][0]["fields"][0]["label"]["de"] = NEW_GERMAN
    return definition


@pytest.fixture
def editor(make_staff):
    return make_staff("editor")


@pytest.fixture
def second(db_session, editor):
    """Version 2 of the general enquiry: the surname's German label changed, its translations not."""
    version = new_version(db_session, CODE, _changed(), editor, note="Neues Etikett", based_on=1)
    db_session.commit()
    return version


@pytest.fixture
def signed_in(client, editor):
    assert sign_in(client, editor.email).status_code == 302
    return client


def _page(response):
    assert response.status_code == 200, response.status_code
    return html.fromstring(response.get_data(as_text=True))


def _row(page, path: str):
    [row] = page.xpath("//tr[@data-path=$path]", path=path)
    return row


def _form_data(page) -> dict:
    """What the browser sends with the translate form as it is shown."""
    [form] = page.xpath("//form[@id='translate-form']")
    return {field.name: field.value or "" for field in form.xpath(".//textarea | .//input[@type='hidden']")}


def _edits(db_session) -> list[AuditEvent]:
    db_session.expire_all()
    return list(db_session.scalars(select(AuditEvent).where(AuditEvent.action == "form_edit")))


def test_the_translate_page_marks_the_changed_label_outdated_right_to_left(signed_in, second):
    page = _page(signed_in.get(f"{BASE}/2/translate/ar"))
    row = _row(page, SURNAME)
    assert "translation-row--outdated" in row.get("class")
    assert row.xpath(".//*[contains(@class, 'translation-outdated')]")
    assert NEW_GERMAN in row.xpath("string(./td[@lang='de'])")  # the current German beside it
    [textarea] = row.xpath(".//textarea")
    assert (textarea.get("lang"), textarea.get("dir")) == ("ar", "rtl")
    assert textarea.text == shipped()[CODE]["steps"][0]["fields"][0]["label"]["ar"]
    assert "translation-row--outdated" not in _row(page, GIVEN_NAMES).get("class")
    [summary] = page.xpath("//*[@id='summary']")
    assert (summary.get("data-missing"), summary.get("data-outdated")) == ("0", "1")

    only_todo = _page(signed_in.get(f"{BASE}/2/translate/ar?show=todo"))
    assert [row.get("data-path") for row in only_todo.xpath("//tr[@data-path]")] == [SURNAME]
    english = _page(signed_in.get(f"{BASE}/2/translate/en"))
    assert {t.get("dir") for t in english.xpath("//textarea")} == {"ltr"}


def test_saving_an_arabic_translation_records_it_with_the_current_german(signed_in, second, db_session):
    page = _page(signed_in.get(f"{BASE}/2/translate/ar"))
    data = _form_data(page)
    data[f"t:{SURNAME}"] = "اسم العائلة (كما في جواز السفر)"
    response = signed_in.post(f"{BASE}/2/translate/ar", data=data)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"{BASE}/2/translate/ar")

    label = definition_of(db_session, CODE, 2)["steps"][0]["fields"][0]["label"]
    assert label["ar"] == "اسم العائلة (كما في جواز السفر)"
    assert label["made_from"]["ar"] == digest(NEW_GERMAN)
    assert label["made_from"]["en"] != digest(NEW_GERMAN), "the other languages stay outdated"
    assert label["en"] == shipped()[CODE]["steps"][0]["fields"][0]["label"]["en"]
    [edit] = _edits(db_session)
    assert (edit.object_type, edit.object_id, edit.detail["version"]) == ("form_version", CODE, 2)

    after = _page(signed_in.get(f"{BASE}/2/translate/ar"))
    assert "translation-row--outdated" not in _row(after, SURNAME).get("class")
    assert after.xpath("//*[contains(@class, 'kern-alert')]")  # the flash
    # Sending the page again unchanged changes nothing and writes nothing.
    assert signed_in.post(f"{BASE}/2/translate/ar", data=_form_data(after)).status_code == 302
    assert len(_edits(db_session)) == 1


def test_a_translation_changed_meanwhile_by_someone_else_is_kept(signed_in, second, db_session, make_staff):
    data = _form_data(_page(signed_in.get(f"{BASE}/2/translate/ru")))
    meanwhile = set_translations(definition_of(db_session, CODE, 2), "ru", {GIVEN_NAMES: "Имена (новые)"})
    change_definition(db_session, second, meanwhile, make_staff("team_lead"))
    db_session.commit()
    assert signed_in.post(f"{BASE}/2/translate/ru", data={**data, f"t:{SURNAME}": "Фамилия"}).status_code == 302
    fields = definition_of(db_session, CODE, 2)["steps"][0]["fields"]
    assert (fields[0]["label"]["ru"], fields[1]["label"]["ru"]) == ("Фамилия", "Имена (новые)")


def test_an_outdated_translation_confirmed_unchanged_is_current_again(signed_in, second, db_session):
    data = _form_data(_page(signed_in.get(f"{BASE}/2/translate/uk")))
    assert signed_in.post(f"{BASE}/2/translate/uk", data={**data, "confirm": SURNAME}).status_code == 302
    label = definition_of(db_session, CODE, 2)["steps"][0]["fields"][0]["label"]
    assert label["uk"] == shipped()[CODE]["steps"][0]["fields"][0]["label"]["uk"]
    assert label["made_from"]["uk"] == digest(NEW_GERMAN)


def test_emptying_a_translation_removes_it_and_marks_it_missing(signed_in, second, db_session):
    data = _form_data(_page(signed_in.get(f"{BASE}/2/translate/tr")))
    assert signed_in.post(f"{BASE}/2/translate/tr", data={**data, f"t:{GIVEN_NAMES}": "  "}).status_code == 302
    label = definition_of(db_session, CODE, 2)["steps"][0]["fields"][1]["label"]
    assert "tr" not in label and "tr" not in label["made_from"]
    page = _page(signed_in.get(f"{BASE}/2/translate/tr"))
    assert "translation-row--missing" in _row(page, GIVEN_NAMES).get("class")
    assert page.xpath("//*[@id='summary']/@data-missing") == ["1"]


def test_an_unknown_text_or_a_refused_translation_changes_nothing(signed_in, second, db_session):
    data = _form_data(_page(signed_in.get(f"{BASE}/2/translate/ru")))
    response = signed_in.post(f"{BASE}/2/translate/ru", data={**data, "t:steps[9].title": "Шаг"})
    assert response.status_code == 200 and "steps[9].title" in response.get_data(as_text=True)
    control = signed_in.post(f"{BASE}/2/translate/ru", data={**data, f"t:{SURNAME}": "Фамилия\x00"})
    assert control.status_code == 200
    assert definition_of(db_session, CODE, 2) == _changed() and _edits(db_session) == []


@pytest.mark.parametrize("published", ["shipped", "office"])
def test_a_published_version_is_read_only(signed_in, second, db_session, editor, make_staff, published):
    number = 1
    if published == "office":
        transition(db_session, second, "submit", editor)
        transition(db_session, second, "publish", make_staff("team_lead"))
        db_session.commit()
        number = 2
    before = copy.deepcopy(definition_of(db_session, CODE, number))
    page = _page(signed_in.get(f"{BASE}/{number}/translate/ar"))
    assert page.xpath("//*[@id='read-only']") and not page.xpath("//textarea | //form[@id='translate-form']")
    assert page.xpath("//*[contains(@class, 'translation-text')][@dir='rtl']")
    token = csrf_token_from(signed_in.get("/backoffice/").get_data(as_text=True))
    response = signed_in.post(f"{BASE}/{number}/translate/ar", data={"csrf_token": token, f"t:{SURNAME}": "اسم"})
    assert response.status_code == 302
    assert _page(signed_in.get(response.headers["Location"])).xpath("//*[contains(@class, 'kern-alert--danger')]")
    assert definition_of(db_session, CODE, number) == before and _edits(db_session) == []


def test_hostile_text_is_never_rendered_raw(signed_in, second, db_session, editor):
    hostile_german = _changed()
    hostile_german["steps"][2]["fields"][1]["label"]["de"] = f"Betreff {HOSTILE}"
    hostile_german["steps"][2]["fields"][0]["name"] = HOSTILE  # a draft is not checked until it is published
    new_version(db_session, CODE, hostile_german, editor)  # version 3: German texts and names to compare
    db_session.commit()
    data = _form_data(_page(signed_in.get(f"{BASE}/2/translate/ar")))
    assert signed_in.post(f"{BASE}/2/translate/ar", data={**data, f"t:{SURNAME}": HOSTILE}).status_code == 302
    assert definition_of(db_session, CODE, 2)["steps"][0]["fields"][0]["label"]["ar"] == HOSTILE

    for url in (f"{BASE}/2/translate/ar", f"{BASE}/2/preview/ar", f"{BASE}/compare?a=1&b=2",
                f"{BASE}/compare?a=2&b=3", f"{BASE}/3/preview/de", f"{BASE}/3/translate/en"):
        body = signed_in.get(url).get_data(as_text=True)
        assert "<script>" not in body and "alert(1)</script>" not in body, url
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in signed_in.get(f"{BASE}/2/preview/ar").get_data(as_text=True)
    translate = _page(signed_in.get(f"{BASE}/2/translate/ar"))
    assert _row(translate, SURNAME).xpath(".//textarea")[0].text == HOSTILE  # shown as text
    assert _row(translate, SURNAME).xpath(".//*[contains(@class, 'kern-error')]"), "check.py's problem is shown"
    assert "&lt;script&gt;" in signed_in.get(f"{BASE}/compare?a=2&b=3").get_data(as_text=True)


def test_the_preview_shows_the_form_in_the_language(signed_in, second, db_session, editor):
    definition = shipped()[CODE]
    arabic = _page(signed_in.get(f"{BASE}/2/preview/ar"))
    assert arabic.get("lang") == "de", "the back office around it stays German"
    [preview] = arabic.xpath("//section[@id='preview']")
    assert (preview.get("lang"), preview.get("dir")) == ("ar", "rtl")
    labels = [label.text_content() for label in preview.xpath(".//label|.//legend")]
    assert definition["steps"][0]["fields"][1]["label"]["ar"] in labels
    assert definition["steps"][2]["fields"][2]["label"]["ar"] in labels
    assert definition["declaration"]["ar"] in labels
    assert preview.xpath(".//*[@data-slot='attachment']")
    assert not preview.xpath(".//form") and not arabic.xpath("//input[@type='file' and not(@disabled)]")
    assert all(not field.value for field in preview.xpath(".//input[@type='text']"))

    ukrainian = _page(signed_in.get(f"{BASE}/2/preview/uk"))
    [preview] = ukrainian.xpath("//section[@id='preview']")
    assert (preview.get("lang"), preview.get("dir")) == ("uk", "ltr")
    labels = [label.text_content() for label in preview.xpath(".//label|.//legend")]
    assert definition["steps"][0]["fields"][1]["label"]["uk"] in labels
    assert definition["steps"][0]["fields"][1]["label"]["ar"] not in labels
    assert _page(signed_in.get(f"{BASE}/1/preview/de")).xpath("//section[@id='preview'][@lang='de']")


def test_the_preview_says_when_an_item_is_shown_only_under_a_condition(signed_in, db_session, editor):
    definition = _changed()
    definition["steps"][2]["fields"][0]["show_if"] = {"field": "email", "filled": True}
    definition["documents"][0]["show_if"] = {"field": "subject", "equals": "Pass"}
    new_version(db_session, CODE, definition, editor)
    db_session.commit()
    [preview] = _page(signed_in.get(f"{BASE}/2/preview/fa")).xpath("//section[@id='preview']")
    [field_note] = preview.xpath(".//*[@data-field='file_number']/*[contains(@class, 'form-preview__condition')]")
    assert field_note.get("lang") == "de"
    assert field_note.text_content() == "Wird nur gezeigt, wenn „E-Mail-Adresse“ ausgefüllt ist."
    [slot_note] = preview.xpath(".//*[@data-slot='attachment']/*[contains(@class, 'form-preview__condition')]")
    assert slot_note.text_content() == "Wird nur gezeigt, wenn „Betreff“ gleich „Pass“ ist."


def test_compare_names_the_changed_label(signed_in, second):
    page = _page(signed_in.get(f"{BASE}/compare?a=1&b=2"))
    rows = page.xpath("//table[@id='differences']//tr[@data-kind]")
    [text] = [row for row in rows if row.get("data-kind") == "text"]
    assert "surname" in text.xpath("string(./th)")
    assert text.xpath("string(.//del)") == "Familienname" and text.xpath("string(.//ins)") == NEW_GERMAN
    assert _page(signed_in.get(f"{BASE}/compare")).xpath("//table[@id='differences']"), "the two newest by default"
    same = _page(signed_in.get(f"{BASE}/compare?a=2&b=2"))
    assert same.xpath("//*[@id='no-differences']") and not same.xpath("//table[@id='differences']")


@pytest.mark.parametrize("query", ["a=x&b=2", "a=1", "a=99999999999999999999&b=1", "a=-1&b=2", "a=%D9%A1&b=2",
                                   "a=1&b=2147483648", "a=1%00&b=2", "a[]=1&b=2", "a=1&b=3", "a=0&b=1"])
def test_bad_versions_to_compare_are_refused_without_a_server_error(signed_in, second, query):
    response = signed_in.get(f"{BASE}/compare?{query}")
    assert response.status_code in (400, 404), (query, response.status_code)


@pytest.mark.parametrize("url", [f"{BASE}/3/translate/ar", f"{BASE}/99999999999999999999/translate/ar",
                                 f"{BASE}/2/translate/de", f"{BASE}/2/translate/xx", f"{BASE}/2/preview/xx",
                                 f"{BASE}/99999999999/preview/ar", "/backoffice/forms/no-such-form/1/preview/de",
                                 "/backoffice/forms/no-such-form/compare"])
def test_unknown_versions_and_languages_are_not_found(signed_in, second, url):
    assert signed_in.get(url).status_code == 404


def test_a_caseworker_may_open_none_of_them(client, make_staff, second):
    assert sign_in(client, make_staff("caseworker").email).status_code == 302
    token = csrf_token_from(client.get("/backoffice/").get_data(as_text=True))
    for url in (f"{BASE}/2/translate/ar", f"{BASE}/2/preview/ar", f"{BASE}/compare?a=1&b=2"):
        assert client.get(url).status_code == 403, url
    assert client.post(f"{BASE}/2/translate/ar", data={"csrf_token": token, f"t:{SURNAME}": "x"}).status_code == 403


def test_a_broken_draft_is_shown_as_far_as_it_can_be(signed_in, db_session, editor):
    broken = _changed()
    del broken["steps"][1]["fields"][0]["type"]
    broken["steps"][2]["fields"] = "nichts"
    new_version(db_session, CODE, broken, editor)
    db_session.commit()
    preview = _page(signed_in.get(f"{BASE}/2/preview/ar"))
    assert preview.xpath("//*[@id='no-preview']//li") and not preview.xpath("//section[@id='preview']")
    assert _page(signed_in.get(f"{BASE}/2/translate/ar")).xpath("//tr[@data-path='steps[1].fields[0].label']")
    assert _page(signed_in.get(f"{BASE}/compare?a=1&b=2")).xpath("//tr[@data-kind='removed']")
