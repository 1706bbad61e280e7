"""The office's versions of the online forms (docs/forms.md): numbered on from the shipped version 1,
moved through the content's workflow by the roles of it, published ones never changed, every
change in the audit trail; the newest published version is the current one."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from portal.forms.authoring.versions import FormVersionRefused, change_definition, new_version, restore, transition
from portal.forms.definitions.shipped import SEED_DIR
from portal.forms.definitions.store import (
    SHIPPED_VERSION, definition_of, newest_number, published_definitions, versions_of,
)
from portal.models import AuditEvent, FormVersion

CODE = "general-enquiry"


def _seed(code: str = CODE) -> dict:
    """A fresh copy of a shipped definition (valid: it was published)."""
    return json.loads((SEED_DIR / f"{code}.json").read_text(encoding="utf-8"))


def _changed(code: str = CODE, name: str = "Allgemeine Anfrage (neu)") -> dict:
    definition = _seed(code)
    definition["service"]["name_de"] = definition["service"]["title"]["de"] = name  # one German name
    return definition


def _broken(code: str = CODE) -> dict:
    definition = _seed(code)
    definition["steps"][0]["fields"][0]["type"] = "nope"
    return definition


@pytest.fixture
def editor(make_staff):
    return make_staff("editor")


@pytest.fixture
def lead(make_staff):
    return make_staff("team_lead")


def _refused(call, *args, **kwargs) -> FormVersionRefused:
    with pytest.raises(FormVersionRefused) as caught:
        call(*args, **kwargs)
    return caught.value


def _publish(db_session, version, editor, lead):
    transition(db_session, version, "submit", editor)
    transition(db_session, version, "publish", lead)
    db_session.commit()
    return version


def test_new_versions_are_numbered_on_from_the_shipped_version(db_session, editor):
    assert newest_number(db_session, CODE) == SHIPPED_VERSION == 1
    assert definition_of(db_session, CODE, 1) == _seed()
    assert definition_of(db_session, CODE, 2) is None

    second = new_version(db_session, CODE, _changed(), editor, note="Neuer Name", based_on=1)
    third = new_version(db_session, CODE, _changed(name="Noch einmal"), editor)
    db_session.commit()
    assert (second.number, second.state, second.based_on, second.note) == (2, "private", 1, "Neuer Name")
    assert (third.number, third.based_on) == (3, None)
    assert second.created_by_id == editor.id and second.created_at is not None and second.published_at is None
    assert newest_number(db_session, CODE) == 3
    assert definition_of(db_session, CODE, 2)["service"]["name_de"] == "Allgemeine Anfrage (neu)"
    assert definition_of(db_session, CODE, 1) == _seed()  # the shipped file is still version 1

    listed = versions_of(db_session, CODE)
    assert [(v.number, v.state, v.shipped) for v in listed] == [(3, "private", False), (2, "private", False),
                                                                 (1, "published", True)]
    assert listed[1].created_by == editor.email and listed[1].note == "Neuer Name"
    assert listed[2].created_by is None and listed[2].created_at is None

    # A service the product does not ship starts at 1; an unknown one has no versions.
    definition = _seed()
    definition["code"] = "residence-card"
    made = new_version(db_session, "residence-card", definition, editor)
    assert made.number == 1 and newest_number(db_session, "residence-card") == 1
    assert [v.number for v in versions_of(db_session, "residence-card")] == [1]
    assert newest_number(db_session, "no-such-service") == 0 and versions_of(db_session, "no-such-service") == []


def test_the_stored_definition_is_a_copy_of_its_own(db_session, editor):
    definition = _changed()
    version = new_version(db_session, CODE, definition, editor)
    definition["service"]["name_de"] = "nachträglich geändert"
    db_session.commit()
    db_session.expire_all()
    assert db_session.get(FormVersion, version.id).definition["service"]["name_de"] == "Allgemeine Anfrage (neu)"


def test_a_definition_of_another_service_or_no_definition_is_refused(db_session, editor):
    assert _refused(new_version, db_session, "permit-extension", _seed(), editor).code == "code_mismatch"
    assert _refused(new_version, db_session, "Bad Code", {"code": "Bad Code"}, editor).code == "code_invalid"
    assert _refused(new_version, db_session, CODE, [_seed()], editor).code == "not_a_definition"
    assert _refused(new_version, db_session, CODE, _seed(), editor, based_on=7).code == "version_unknown"
    assert db_session.scalars(select(FormVersion)).all() == []


def test_a_draft_is_not_current_until_it_is_published(db_session, editor, lead):
    assert published_definitions(db_session)[CODE] == (1, _seed())
    version = new_version(db_session, CODE, _changed(), editor)
    assert published_definitions(db_session)[CODE][0] == 1
    transition(db_session, version, "submit", editor)
    assert version.state == "pending" and published_definitions(db_session)[CODE][0] == 1

    transition(db_session, version, "publish", lead)
    db_session.commit()
    assert (version.state, version.published_by_id) == ("published", lead.id) and version.published_at is not None
    number, definition = published_definitions(db_session)[CODE]
    assert number == 2 and definition["service"]["name_de"] == "Allgemeine Anfrage (neu)"
    assert published_definitions(db_session)["permit-extension"] == (1, _seed("permit-extension"))


def test_published_definitions_picks_the_newest_published_version(db_session, editor, lead):
    _publish(db_session, new_version(db_session, CODE, _changed(name="Zwei"), editor), editor, lead)
    _publish(db_session, new_version(db_session, CODE, _changed(name="Drei"), editor), editor, lead)
    new_version(db_session, CODE, _changed(name="Vier (Entwurf)"), editor)
    # A service of the office's own is current once a version of it is published, not before.
    own = _seed()
    own["code"] = "residence-card"
    draft = new_version(db_session, "residence-card", own, editor)
    db_session.commit()

    current = published_definitions(db_session)
    assert current[CODE][0] == 3 and current[CODE][1]["service"]["name_de"] == "Drei"
    assert "residence-card" not in current
    assert set(current) >= {"address-change", "permit-extension", "temporary-protection", "obligation-declaration"}

    _publish(db_session, draft, editor, lead)
    assert published_definitions(db_session)["residence-card"][0] == 1


def test_a_published_version_never_changes(db_session, editor, lead):
    version = _publish(db_session, new_version(db_session, CODE, _changed(), editor), editor, lead)
    refused = _refused(change_definition, db_session, version, _changed(name="Heimlich"), lead)
    assert refused.code == "published" and "never changes" in str(refused.message)
    for action in ("submit", "retract", "reject", "publish"):
        assert _refused(transition, db_session, version, action, lead).code == "published"
    db_session.rollback()
    db_session.expire_all()
    assert definition_of(db_session, CODE, 2)["service"]["name_de"] == "Allgemeine Anfrage (neu)"


def test_a_draft_changes_in_place_and_a_pending_one_goes_back_to_private(db_session, editor, lead):
    version = new_version(db_session, CODE, _changed(), editor, note="erst")
    transition(db_session, version, "submit", editor)
    change_definition(db_session, version, _changed(name="Besser"), editor, note="besser")
    db_session.commit()
    assert (version.number, version.state, version.note) == (2, "private", "besser")
    assert definition_of(db_session, CODE, 2)["service"]["name_de"] == "Besser"
    assert newest_number(db_session, CODE) == 2
    assert _refused(change_definition, db_session, version, _seed("permit-extension"), editor).code == "code_mismatch"


def test_the_workflow_roles(db_session, make_staff, editor, lead):
    caseworker = make_staff("caseworker")
    admin = make_staff("admin")
    assert _refused(new_version, db_session, CODE, _changed(), caseworker).code == "not_allowed"

    version = new_version(db_session, CODE, _changed(), editor)
    assert _refused(transition, db_session, version, "publish", editor).code == "not_allowed"
    assert _refused(transition, db_session, version, "submit", caseworker).code == "not_allowed"
    assert _refused(change_definition, db_session, version, _changed(name="x"), caseworker).code == "not_allowed"
    assert _refused(transition, db_session, version, "retract", editor).code == "wrong_state"
    assert _refused(transition, db_session, version, "expire", lead).code == "unknown_action"

    transition(db_session, version, "submit", editor)
    assert _refused(transition, db_session, version, "reject", editor).code == "not_allowed"
    transition(db_session, version, "reject", lead)
    assert version.state == "private"
    transition(db_session, version, "submit", editor)
    transition(db_session, version, "retract", editor)
    assert version.state == "private"
    transition(db_session, version, "publish", admin)  # a team lead or an admin may publish a draft directly
    assert version.state == "published" and version.published_by_id == admin.id

    # A locked account does nothing, whatever its role.
    lead.is_active_account = False
    other = new_version(db_session, CODE, _changed(name="y"), editor)
    assert _refused(transition, db_session, other, "publish", lead).code == "not_allowed"


def test_publishing_refuses_a_definition_with_problems(db_session, editor, lead):
    version = new_version(db_session, CODE, _broken(), editor)  # a draft may be unfinished
    transition(db_session, version, "submit", editor)
    refused = _refused(transition, db_session, version, "publish", lead)
    assert refused.code == "problems" and refused.problems
    assert any("nope" in str(problem.message) for problem in refused.problems)
    assert version.state == "pending" and version.published_at is None
    assert published_definitions(db_session)[CODE][0] == 1


def test_an_older_version_is_not_published_over_a_newer_one(db_session, editor, lead):
    older = new_version(db_session, CODE, _changed(name="Zwei"), editor)
    _publish(db_session, new_version(db_session, CODE, _changed(name="Drei"), editor), editor, lead)
    assert _refused(transition, db_session, older, "publish", lead).code == "superseded"


def test_restore_makes_an_earlier_version_a_new_draft(db_session, editor, lead):
    _publish(db_session, new_version(db_session, CODE, _changed(), editor), editor, lead)
    restored = restore(db_session, CODE, 1, editor)
    db_session.commit()
    assert (restored.number, restored.state, restored.based_on) == (3, "private", 1)
    assert restored.definition == _seed()
    assert published_definitions(db_session)[CODE][0] == 2  # until it is published
    _publish(db_session, restored, editor, lead)
    assert published_definitions(db_session)[CODE] == (3, _seed())
    assert _refused(restore, db_session, CODE, 9, editor).code == "version_unknown"


def test_every_change_is_in_the_audit_trail(app, db_session, editor, lead):
    version = new_version(db_session, CODE, _changed(), editor, based_on=1)
    change_definition(db_session, version, _changed(name="Besser"), editor)
    transition(db_session, version, "submit", editor)
    transition(db_session, version, "reject", lead)
    transition(db_session, version, "submit", editor)
    transition(db_session, version, "retract", editor)
    transition(db_session, version, "publish", lead, via="command line")
    restore(db_session, CODE, 1, editor)
    db_session.commit()

    events = db_session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [(e.action, e.staff_user_id) for e in events] == [
        ("form_create", editor.id), ("form_edit", editor.id), ("form_submit", editor.id), ("form_reject", lead.id),
        ("form_submit", editor.id), ("form_retract", editor.id), ("form_publish", lead.id),
        ("form_restore", editor.id)]
    assert {(e.object_type, e.object_id) for e in events} == {("form_version", CODE)}
    assert events[0].detail["version"] == 2 and events[0].detail["based_on"] == 1
    assert events[6].detail == {"version": 2, "state": "published", "via": "command line"}
    assert events[7].detail["version"] == 3 and events[7].detail["restored_from"] == 1

    # A change made on the command line (no person) says so.
    new_version(db_session, CODE, _changed(name="Vom Server"), None)
    db_session.commit()
    last = db_session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert last.staff_user_id is None and last.detail["by"] == "command line"

    from portal.backoffice.labels import AUDIT_ACTION_LABELS, AUDIT_OBJECT_LABELS

    assert {e.action for e in events} <= set(AUDIT_ACTION_LABELS) and "form_version" in AUDIT_OBJECT_LABELS


def test_a_refusal_says_why(app, db_session, editor, lead):
    from flask_babel import force_locale

    version = _publish(db_session, new_version(db_session, CODE, _changed(), editor), editor, lead)
    with app.test_request_context(), force_locale("en"):
        refused = _refused(change_definition, db_session, version, _changed(), editor)
        assert str(refused) == "Version 2 is published and never changes: make a new version."
