"""The back office's form editor (the office edits its own online forms through the web): editors
make a new service's form, add, move, change and remove steps, fields and document slots, with
conditions and rules; team leads and admins publish once the check finds no problem; caseworkers
get nowhere; hostile text is stored as text and never rendered as markup; every POST needs the
session's CSRF token."""
from __future__ import annotations

import copy
import re

import pytest
from sqlalchemy import select

from portal.config import LANGUAGES
from portal.forms.authoring.versions import change_definition
from portal.forms.definitions.shipped import shipped
from portal.forms.definitions.store import definition_of, row_of
from portal.forms.definitions.texts import SOURCE, is_outdated, translated
from portal.models import AuditEvent, Service
from tests.support.helpers import csrf_token_from, sign_in

CODE = "residence-certificate"
BASE = f"/backoffice/forms/{CODE}/1"
RAW_MARKUP = re.compile(r"<script>alert|<img src=x onerror", re.IGNORECASE)
HOSTILE = ("<script>alert(1)</script>", "<img src=x onerror=alert(1)>")
EDITOR_ENDPOINTS = {
    "backoffice.form_list", "backoffice.form_new", "backoffice.form_history", "backoffice.form_new_version",
    "backoffice.form_restore", "backoffice.form_transition", "backoffice.form_version", "backoffice.form_service",
    "backoffice.form_step_new", "backoffice.form_step", "backoffice.form_step_move", "backoffice.form_step_remove",
    "backoffice.form_slot_new", "backoffice.form_slot", "backoffice.form_slot_move", "backoffice.form_slot_remove",
    "backoffice.form_field_new", "backoffice.form_field", "backoffice.form_field_move",
    "backoffice.form_field_remove", "backoffice.form_rule_add", "backoffice.form_rule_remove",
}


class Staff:
    """A signed-in staff member's browser: GETs, and POSTs with the session's CSRF token."""

    def __init__(self, app, email: str):
        self.client = app.test_client()
        assert sign_in(self.client, email).status_code == 302
        self.token = csrf_token_from(self.client.get("/backoffice/").get_data(as_text=True))

    def get(self, url: str):
        return self.client.get(url)

    def post(self, url: str, data: dict | None = None):
        return self.client.post(url, data={**(data or {}), "csrf_token": self.token})

    def page(self, url: str) -> str:
        response = self.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return response.get_data(as_text=True)


@pytest.fixture
def editor(app, make_staff):
    return Staff(app, make_staff("editor").email)


@pytest.fixture
def lead(app, make_staff):
    return Staff(app, make_staff("team_lead").email)


def _definition(db_session, code: str = CODE, number: int = 1) -> dict:
    db_session.rollback()  # read what the requests committed
    return definition_of(db_session, code, number)


def _field_names(definition: dict) -> list[list[str]]:
    return [[field["name"] for field in step["fields"]] for step in definition["steps"]]


def _new_service(staff: Staff, code: str = CODE, name: str = "Aufenthaltsbescheinigung"):
    return staff.post("/backoffice/forms/new", {"code": code, "name_de": name})


def _field(name: str, kind: str, label: str, **more) -> dict:
    return {"name": name, "type": kind, "label": label, "hint": "", "required": "yes", "max_length": "",
            "choices": "", "display": "radio", "autocomplete": "", "combine": "all", **more}


def test_an_editor_builds_a_new_services_form(app, db_session, editor):
    assert 'id="new-form"' in editor.page("/backoffice/forms/")
    response = _new_service(editor)
    assert response.status_code == 302 and response.headers["Location"].endswith(BASE)
    page = editor.page(BASE)
    assert 'data-state="private"' in page and 'id="problems"' in page, "the title is not translated yet"
    definition = _definition(db_session)
    assert _field_names(definition) == [["surname", "given_names", "date_of_birth", "email"]]
    assert definition["service"]["title"] == {"de": "Aufenthaltsbescheinigung"}
    assert definition["declaration"] == shipped()["general-enquiry"]["declaration"]

    # A step, a choice field, a text field asked only for one choice, a document asked only then.
    assert editor.post(f"{BASE}/add-step", {"key": "family", "title": "Familie", "intro": ""}).status_code == 302
    choices = "single = ledig\nmarried = verheiratet"
    assert editor.post(f"{BASE}/steps/family/add-field", _field(
        "marital_status", "choice", "Familienstand", choices=choices)).status_code == 302
    assert editor.post(f"{BASE}/steps/family/add-field", _field(
        "spouse_name", "text", "Name des Ehepartners", **{"cond-0-field": "marital_status", "cond-0-operator": "equals",
                                                         "cond-0-value": "married"})).status_code == 302
    assert editor.post(f"{BASE}/add-slot", {
        "key": "marriage_certificate", "label": "Heiratsurkunde", "hint": "", "required": "yes", "max_files": "2",
        "combine": "all", "cond-0-field": "marital_status", "cond-0-operator": "equals",
        "cond-0-value": "married"}).status_code == 302
    definition = _definition(db_session)
    family = definition["steps"][1]
    assert family["key"] == "family" and family["title"] == {"de": "Familie"}
    status, spouse = family["fields"]
    assert status["type"] == "choice" and status["display"] == "radio"
    assert status["choices"] == [{"value": "single", "label": {"de": "ledig"}},
                                 {"value": "married", "label": {"de": "verheiratet"}}]
    assert spouse["show_if"] == {"field": "marital_status", "equals": "married"}
    assert definition["documents"] == [{"key": "marriage_certificate", "label": {"de": "Heiratsurkunde"}, "hint": None,
                                        "required": True, "max_files": 2,
                                        "show_if": {"field": "marital_status", "equals": "married"}}]
    page = editor.page(BASE)
    assert 'id="field-spouse_name"' in page and 'id="slot-marriage_certificate"' in page
    spouse_row = re.search(r'<tr id="field-spouse_name">(.*?)</tr>', page, re.S).group(1)
    assert "Familienstand" in spouse_row and "verheiratet" in spouse_row, "the condition in words"

    # Moved up from the top of its step, a field goes to the end of the previous step.
    assert editor.post(f"{BASE}/fields/marital_status/move", {"direction": "up"}).status_code == 302
    assert _field_names(_definition(db_session)) == [
        ["surname", "given_names", "date_of_birth", "email", "marital_status"], ["spouse_name"]]
    assert editor.post(f"{BASE}/fields/email/move", {"direction": "down"}).status_code == 302
    assert _field_names(_definition(db_session))[0][-2:] == ["marital_status", "email"]

    # A field named by a condition stays, and the editor is told who names it.
    response = editor.post(f"{BASE}/fields/marital_status/remove")
    assert response.status_code == 302
    page = editor.page(BASE)
    assert "spouse_name" in page and "marriage_certificate" in page and 'class="kern-alert kern-alert--danger"' in page
    assert "marital_status" in _field_names(_definition(db_session))[0]
    assert editor.post(f"{BASE}/fields/spouse_name/remove").status_code == 302
    assert _field_names(_definition(db_session)) == [
        ["surname", "given_names", "date_of_birth", "marital_status", "email"], []]

    # A step up, and its title changed; a slot's settings changed.
    assert editor.post(f"{BASE}/steps/family/move", {"direction": "up"}).status_code == 302
    assert [step["key"] for step in _definition(db_session)["steps"]] == ["family", "person"]
    assert editor.post(f"{BASE}/steps/family", {"title": "Ihre Familie", "intro": "Bitte vollständig.",
                                                "combine": "all"}).status_code == 302
    assert editor.post(f"{BASE}/slots/marriage_certificate", {
        "label": "Heiratsurkunde (Kopie)", "hint": "", "max_files": "3", "combine": "all"}).status_code == 302
    definition = _definition(db_session)
    assert definition["steps"][0]["title"] == {"de": "Ihre Familie"}
    assert definition["steps"][0]["intro"] == {"de": "Bitte vollständig."}
    slot = definition["documents"][0]
    assert (slot["label"], slot["required"], slot["max_files"], slot["show_if"]) == (
        {"de": "Heiratsurkunde (Kopie)"}, False, 3, None)

    events = db_session.scalars(select(AuditEvent).where(AuditEvent.object_type == "form_version")).all()
    assert [event.action for event in events].count("form_create") == 1
    assert [event.action for event in events].count("form_edit") >= 10


def test_rules_are_added_and_removed(app, db_session, editor):
    _new_service(editor)
    assert editor.post(f"{BASE}/steps/person/add-field", _field("arrival", "date", "Einreise")).status_code == 302
    assert editor.post(f"{BASE}/steps/person/add-field", _field("children", "number", "Kinder")).status_code == 302
    url = f"{BASE}/fields/arrival/rules"
    assert editor.post(url, {"kind": "date_on_or_after", "other": "date_of_birth"}).status_code == 302
    assert editor.post(url, {"kind": "date_before", "other": "today", "message": "Nicht in der Zukunft."}
                       ).status_code == 302
    assert editor.post(f"{BASE}/fields/children/rules", {"kind": "number_range", "min": "0", "max": "20"}
                       ).status_code == 302
    required_if = {"kind": "required_if", "when_field": "arrival", "when_operator": "filled", "target": "email"}
    assert editor.post(f"{BASE}/fields/children/rules", required_if).status_code == 302
    fields = {field["name"]: field for field in _definition(db_session)["steps"][0]["fields"]}
    assert fields["arrival"]["rules"] == [
        {"kind": "date_on_or_after", "other": "date_of_birth", "message": None},
        {"kind": "date_before", "other": "today", "message": {"de": "Nicht in der Zukunft."}}]
    assert fields["children"]["rules"] == [
        {"kind": "number_range", "min": 0, "max": 20, "message": None},
        {"kind": "required_if", "when": {"field": "arrival", "filled": True}, "field": "email", "message": None}]

    # Refused with the message next to its input, nothing saved.
    response = editor.post(url, {"kind": "number_range", "min": "5"})
    assert response.status_code == 400 and 'id="f-kind-error"' in response.get_data(as_text=True)
    response = editor.post(f"{BASE}/fields/children/rules", {"kind": "number_range", "min": "9", "max": "1"})
    assert response.status_code == 400 and 'id="f-min-error"' in response.get_data(as_text=True)
    assert editor.post(f"{BASE}/fields/arrival/rules/remove", {"rule": "0"}).status_code == 302
    assert [rule["kind"] for rule in _definition(db_session)["steps"][0]["fields"][4]["rules"]] == ["date_before"]
    page = editor.page(f"{BASE}/fields/children")
    assert 'id="remove-rule-1"' in page and 'id="rule-form"' in page


def test_invalid_input_comes_back_with_the_message_next_to_the_field(app, db_session, editor):
    _new_service(editor)
    before = _definition(db_session)
    cases = [
        (f"{BASE}/add-step", {"key": "Bad Key", "title": "Titel"}, "key"),
        (f"{BASE}/add-step", {"key": "review", "title": "Titel"}, "key"),
        (f"{BASE}/add-step", {"key": "extra", "title": ""}, "title"),
        (f"{BASE}/steps/person/add-field", _field("surname", "text", "Noch einmal"), "name"),
        (f"{BASE}/steps/person/add-field", _field("kids", "choice", "Kinder", choices="nur ein Text"), "choices"),
        (f"{BASE}/steps/person/add-field", _field("kids", "text", "Kinder", max_length="0"), "max_length"),
        (f"{BASE}/steps/person/add-field", _field("kids", "text", "Kinder", **{
            "cond-0-field": "nowhere", "cond-0-operator": "equals", "cond-0-value": "x"}), "condition"),
        (f"{BASE}/fields/surname", _field("surname", "text", ""), "label"),
        (f"{BASE}/add-slot", {"key": "passport", "label": "Pass", "max_files": "99"}, "max_files"),
        (f"{BASE}/service", {"name_de": "Dienst", "declaration": "Ja.",
                             "appointment_minutes": "2", "position": "1"}, "appointment_minutes"),
    ]
    for url, data, where in cases:
        response = editor.post(url, data)
        body = response.get_data(as_text=True)
        assert response.status_code == 400, (url, data)
        assert f'id="f-{where}-error"' in body and 'id="error-summary"' in body, (url, where)
    assert _definition(db_session) == before


def test_a_new_version_of_a_shipped_form_changes_a_german_label(app, db_session, editor):
    shipped_page = editor.page("/backoffice/forms/general-enquiry/1")
    assert 'data-editable="no"' in shipped_page and 'id="edit-field-surname"' not in shipped_page
    response = editor.post("/backoffice/forms/general-enquiry/new-version")
    assert response.status_code == 302 and response.headers["Location"].endswith("/backoffice/forms/general-enquiry/2")
    page = editor.page("/backoffice/forms/general-enquiry/2")
    assert 'id="edit-field-surname"' in page and 'id="no-problems"' in page
    response = editor.post("/backoffice/forms/general-enquiry/2/fields/surname",
                           _field("surname", "text", "Nachname", required="yes", autocomplete="family-name"))
    assert response.status_code == 302
    label = _definition(db_session, "general-enquiry", 2)["steps"][0]["fields"][0]["label"]
    original = shipped()["general-enquiry"]["steps"][0]["fields"][0]["label"]
    assert label["de"] == "Nachname" and label["en"] == original["en"] == "Surname"
    assert all(is_outdated(label, language) for language in LANGUAGES if language != SOURCE)
    assert _definition(db_session, "general-enquiry", 1) == shipped()["general-enquiry"]
    page = editor.page("/backoffice/forms/general-enquiry/2")
    assert 'id="problems"' not in page, "outdated translations do not block publishing"
    assert 'data-outdated="1"' in page

    # The published version is read-only: its pages send the editor back, its POSTs change nothing.
    for url in ("/backoffice/forms/general-enquiry/1/fields/surname", "/backoffice/forms/general-enquiry/1/service"):
        assert editor.get(url).status_code == 302
        assert editor.post(url, _field("surname", "text", "Anders")).status_code == 302
    assert _definition(db_session, "general-enquiry", 1) == shipped()["general-enquiry"]
    history = editor.page("/backoffice/forms/general-enquiry/")
    assert 'id="version-2"' in history and 'id="version-1"' in history and 'id="restore-1"' in history
    assert editor.post("/backoffice/forms/general-enquiry/restore", {"number": "1"}).status_code == 302
    assert _definition(db_session, "general-enquiry", 3) == shipped()["general-enquiry"]


def test_a_condition_the_rows_cannot_show_stays_unless_it_is_replaced(app, db_session, make_staff):
    from portal.models import StaffUser

    member = make_staff("editor")
    editor = Staff(app, member.email)
    assert editor.post("/backoffice/forms/general-enquiry/new-version").status_code == 302
    row = row_of(db_session, "general-enquiry", 2)
    definition = copy.deepcopy(row.definition)
    kept = {"not": {"field": "surname", "filled": False}}
    definition["steps"][0]["fields"][1]["show_if"] = kept  # given_names
    change_definition(db_session, row, definition, db_session.get(StaffUser, member.id))
    db_session.commit()
    url = "/backoffice/forms/general-enquiry/2/fields/given_names"
    assert 'id="condition-complex"' in editor.page(url)
    data = _field("given_names", "text", "Vorname(n)", autocomplete="given-name")
    assert editor.post(url, data).status_code == 302
    field = _definition(db_session, "general-enquiry", 2)["steps"][0]["fields"][1]
    assert field["label"]["de"] == "Vorname(n)" and field["show_if"] == kept
    assert editor.post(url, {**data, "replace_condition": "yes", "cond-0-field": "surname",
                             "cond-0-operator": "filled"}).status_code == 302
    assert _definition(db_session, "general-enquiry", 2)["steps"][0]["fields"][1]["show_if"] == {
        "field": "surname", "filled": True}


def test_a_broken_draft_is_shown_with_its_problems(app, db_session, make_staff, editor):
    """A draft imported with mistakes (flask forms import takes drafts with problems) is still shown."""
    from portal.forms.authoring.versions import new_version

    broken = copy.deepcopy(shipped()["general-enquiry"])
    broken["steps"].append("not a step")
    broken["steps"][0]["fields"].append({"type": "text"})
    broken["steps"][1]["fields"] = "nothing"
    broken["steps"][2]["fields"][0]["rules"] = [{"kind": "sometimes"}, "no rule"]
    broken["steps"][2]["fields"][0]["show_if"] = {"maybe": 1}
    broken["documents"] = [{"label": {"de": "ohne Schlüssel"}}, 7]
    broken["service"]["title"] = "kein Text"
    new_version(db_session, "general-enquiry", broken, make_staff("editor"))
    db_session.commit()
    page = editor.page("/backoffice/forms/general-enquiry/2")
    assert 'id="problems"' in page and 'id="edit-field-surname"' in page


def test_every_shipped_form_is_shown(app, db_session, editor):
    listing = editor.page("/backoffice/forms/")
    for code in shipped():
        assert f'id="form-{code}"' in listing
        page = editor.page(f"/backoffice/forms/{code}/1")
        assert 'id="no-problems"' in page and 'data-editable="no"' in page, code
        assert 'id="version-1"' in editor.page(f"/backoffice/forms/{code}/")
    assert editor.get("/backoffice/forms/general-enquiry/2").status_code == 404
    assert editor.get("/backoffice/forms/nothing/").status_code == 404
    assert editor.get(f"/backoffice/forms/general-enquiry/{2**40}").status_code == 404


def _translate_everything(db_session, code: str, number: int, staff_email: str) -> None:
    """Every text in every language, as the translation page would (made from the German)."""
    from portal.models import StaffUser

    def walk(node):
        if isinstance(node, dict):
            if isinstance(node.get(SOURCE), str):
                for language in LANGUAGES:
                    if language != SOURCE and not node.get(language):
                        node = translated(node, language, f"{node[SOURCE]} [{language}]")
                return node
            return {key: walk(value) for key, value in node.items()}
        if isinstance(node, list):
            return [walk(item) for item in node]
        return node

    db_session.rollback()
    row = row_of(db_session, code, number)
    staff = db_session.scalar(select(StaffUser).where(StaffUser.email == staff_email))
    change_definition(db_session, row, walk(row.definition), staff)
    db_session.commit()


def test_editors_submit_and_team_leads_publish_once_the_check_finds_no_problem(app, db_session, make_staff, lead):
    editor_member = make_staff("editor")
    editor = Staff(app, editor_member.email)
    _new_service(editor)
    assert editor.post(f"{BASE}/steps/person/add-field", _field(
        "purpose", "choice", "Zweck", choices="work = Arbeit\nstudy = Studium")).status_code == 302
    assert editor.post(f"{BASE}/submit").status_code == 302
    assert row_of(db_session, CODE, 1).state == "pending"
    page = editor.page(BASE)
    assert 'id="action-publish"' not in page and 'id="action-retract"' in page
    assert editor.post(f"{BASE}/publish").status_code == 302
    db_session.rollback()
    assert row_of(db_session, CODE, 1).state == "pending", "an editor does not publish"

    # A team lead cannot publish it either while translations are missing: the problems are shown.
    assert 'id="action-publish"' in lead.page(BASE)
    response = lead.post(f"{BASE}/publish")
    assert response.status_code == 302
    page = lead.page(BASE)
    problems = re.search(r'<ul class="kern-list" id="problem-list">(.*?)</ul>', page, re.S).group(1)
    assert "service › title › en" in problems and "purpose" in problems
    db_session.rollback()
    assert row_of(db_session, CODE, 1).state == "pending"
    assert db_session.scalar(select(Service).where(Service.code == CODE)) is None

    _translate_everything(db_session, CODE, 1, editor_member.email)
    assert 'id="no-problems"' in lead.page(BASE)
    assert lead.post(f"{BASE}/publish").status_code == 302
    db_session.rollback()
    assert row_of(db_session, CODE, 1).state == "published"
    service = db_session.scalar(select(Service).where(Service.code == CODE))
    assert service.has_online_form and service.form_version == 1 and service.name_de == "Aufenthaltsbescheinigung"
    page = lead.page(BASE)
    assert 'data-editable="no"' in page and 'id="new-version"' in page and 'id="add-step"' not in page
    assert editor.post(f"{BASE}/fields/purpose/remove").status_code == 302
    assert "purpose" in _field_names(_definition(db_session))[0], "a published version never changes"


def _editor_rules(app):
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint in EDITOR_ENDPOINTS]


def test_a_caseworker_gets_403_on_every_editor_route(app, db_session, make_staff, editor):
    _new_service(editor)
    rules = _editor_rules(app)
    assert {rule.endpoint for rule in rules} == EDITOR_ENDPOINTS
    values = {"code": CODE, "number": 1, "key": "person", "name": "surname", "action": "submit"}
    before = _definition(db_session)
    for role in ("caseworker", "dpo"):
        staff = Staff(app, make_staff(role).email)
        for rule in rules:
            url = rule.build({argument: values[argument] for argument in rule.arguments})[1]
            for method in sorted(rule.methods & {"GET", "POST"}):
                response = staff.get(url) if method == "GET" else staff.post(url, {"direction": "up", "number": "1"})
                assert response.status_code == 403, (role, method, url)
        assert "/backoffice/forms/" not in staff.page("/backoffice/"), "no link to the forms"
    assert _definition(db_session) == before
    assert 'href="/backoffice/forms/"' in editor.page("/backoffice/")


def test_hostile_text_is_stored_as_text_and_never_rendered_as_markup(app, db_session, editor):
    script, image = HOSTILE
    assert _new_service(editor, name=script).status_code == 302
    assert _definition(db_session)["service"]["title"]["de"] == script
    posts = [
        (f"{BASE}/service", {"name_de": image, "summary": script, "audience": image,
                             "declaration": script + image, "appointment_minutes": "20", "position": "50"}),
        (f"{BASE}/add-step", {"key": "extra", "title": script, "intro": image}),
        (f"{BASE}/steps/extra/add-field", _field("note", "text", script, hint=image)),
        (f"{BASE}/steps/extra/add-field", _field("pick", "checkboxes", image, choices=f"a = {script}\nb = {image}")),
        (f"{BASE}/add-slot", {"key": "scan", "label": script, "hint": image, "max_files": "1", "combine": "any",
                              "cond-0-field": "note", "cond-0-operator": "equals", "cond-0-value": script}),
        (f"{BASE}/fields/note/rules", {"kind": "pattern", "pattern": "letters", "message": image}),
    ]
    for url, data in posts:
        assert editor.post(url, data).status_code == 302, url
    definition = _definition(db_session)
    assert definition["service"]["name_de"] == definition["service"]["title"]["de"] == image
    assert definition["service"]["summary"]["de"] == script
    step = definition["steps"][1]
    assert step["title"]["de"] == script and step["intro"]["de"] == image
    assert step["fields"][0]["label"]["de"] == script and step["fields"][0]["hint"]["de"] == image
    assert [choice["label"]["de"] for choice in step["fields"][1]["choices"]] == [script, image]
    assert step["fields"][0]["rules"][0]["message"]["de"] == image
    assert definition["documents"][0]["show_if"] == {"field": "note", "equals": script}

    # Refused input is shown again, escaped, too.
    refused = [(f"{BASE}/add-step", {"key": script, "title": image}),
               (f"{BASE}/steps/extra/add-field", _field(image, "text", script)),
               (f"{BASE}/add-slot", {"key": image, "label": script}),
               ("/backoffice/forms/new", {"code": script, "name_de": image})]
    for url, data in refused:
        response = editor.post(url, data)
        assert response.status_code == 400 and not RAW_MARKUP.search(response.get_data(as_text=True)), url
    pages = ["/backoffice/forms/", "/backoffice/forms/new", f"/backoffice/forms/{CODE}/", BASE, f"{BASE}/service",
             f"{BASE}/add-step", f"{BASE}/steps/extra", f"{BASE}/steps/extra/add-field", f"{BASE}/fields/note",
             f"{BASE}/fields/pick", f"{BASE}/add-slot", f"{BASE}/slots/scan"]
    for url in pages:
        body = editor.page(url)
        assert not RAW_MARKUP.search(body), url
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in editor.page(BASE)


def test_a_post_without_the_sessions_token_is_refused(app, db_session, editor):
    for url, data in [("/backoffice/forms/new", {"code": CODE, "name_de": "Dienst"}),
                      ("/backoffice/forms/general-enquiry/new-version", {})]:
        assert editor.client.post(url, data=data).status_code == 400
        assert editor.client.post(url, data={**data, "csrf_token": "forged"}).status_code == 400
    assert _definition(db_session) is None
    assert _definition(db_session, "general-enquiry", 2) is None
