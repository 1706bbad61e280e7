"""`flask forms …`: list the forms, export one as JSON, import a definition as a new version,
publish it for a person with the role for it."""
from __future__ import annotations

import json

from sqlalchemy import select

from portal.forms.definitions.shipped import SEED_DIR, shipped
from portal.forms.definitions.store import published_definitions
from portal.models import AuditEvent, FormVersion

CODE = "general-enquiry"


def _invoke(app, *args):
    return app.test_cli_runner().invoke(args=["forms", *args])


def _write(path, definition) -> str:
    path.write_text(json.dumps(definition, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return str(path)


def test_list_shows_the_shipped_services(app, db_session):
    result = _invoke(app, "list")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert len(lines) == len(shipped()) >= 5
    for code, definition in shipped().items():
        [line] = [line for line in lines if line.startswith(code + " ")]
        assert definition["service"]["name_de"][:40] in line
        assert "published 1 (shipped)" in line and "newest is published" in line


def test_export_prints_the_published_definition_in_every_language(app, db_session):
    result = _invoke(app, "export", CODE)
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes == (SEED_DIR / f"{CODE}.json").read_bytes()  # as shipped: UTF-8, indent 1
    assert "Загальний запит" in result.output
    assert _invoke(app, "export", CODE, "--version", "2").exit_code == 1
    missing = _invoke(app, "export", "no-such-service")
    assert missing.exit_code == 1 and "no published version" in missing.output


def test_export_import_round_trip_and_publish(app, db_session, make_staff, tmp_path):
    lead = make_staff("team_lead")
    exported = _invoke(app, "export", CODE)
    definition = json.loads(exported.stdout_bytes.decode("utf-8"))
    definition["service"]["name_de"] = definition["service"]["title"]["de"] = "Allgemeine Anfrage an die Ausländerbehörde"

    imported = _invoke(app, "import", _write(tmp_path / "neu.json", definition), "--note", "Name", "--based-on", "1")
    assert imported.exit_code == 0, imported.output
    assert f"{CODE}: version 2 (private)" in imported.output
    row = db_session.scalar(select(FormVersion).where(FormVersion.service_code == CODE))
    assert (row.number, row.state, row.based_on, row.note, row.created_by_id) == (2, "private", 1, "Name", None)
    assert published_definitions(db_session)[CODE][0] == 1  # imported, not yet published

    listed = _invoke(app, "list").output
    assert "published 1 (shipped)" in listed and "newest 2 private" in listed

    published = _invoke(app, "publish", CODE, "--version", "2", "--by", lead.email.upper())
    assert published.exit_code == 0, published.output
    db_session.expire_all()
    number, current = published_definitions(db_session)[CODE]
    assert number == 2 and current["service"]["name_de"] == "Allgemeine Anfrage an die Ausländerbehörde"
    assert _invoke(app, "export", CODE).stdout_bytes.decode("utf-8").count("an die Ausländerbehörde") == 2  # name and German title
    assert json.loads(_invoke(app, "export", CODE, "--version", "1").output) == shipped()[CODE]

    # Recorded as the team lead's own action, made on the command line.
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "form_publish"))
    assert event.staff_user_id == lead.id and event.detail["via"] == "command line"
    assert "published 2 (office)" in _invoke(app, "list").output


def test_a_new_service_is_imported_as_version_1(app, db_session, tmp_path):
    definition = json.loads((SEED_DIR / f"{CODE}.json").read_text(encoding="utf-8"))
    definition["code"] = "residence-card"
    result = _invoke(app, "import", _write(tmp_path / "card.json", definition))
    assert result.exit_code == 0, result.output
    assert "residence-card: version 1 (private)" in result.output
    assert "residence-card" in _invoke(app, "list").output
    assert "residence-card" not in published_definitions(db_session)


def test_publish_by_an_editor_or_an_unknown_person_is_refused(app, db_session, make_staff, tmp_path):
    editor = make_staff("editor")
    definition = json.loads((SEED_DIR / f"{CODE}.json").read_text(encoding="utf-8"))
    definition["service"]["name_de"] = definition["service"]["title"]["de"] = "Neu"
    assert _invoke(app, "import", _write(tmp_path / "neu.json", definition)).exit_code == 0

    refused = _invoke(app, "publish", CODE, "--version", "2", "--by", editor.email)
    assert refused.exit_code == 1 and "Rolle" in refused.output  # the office's language: German
    unknown = _invoke(app, "publish", CODE, "--version", "2", "--by", "nobody@abh-test.example")
    assert unknown.exit_code == 1 and "no staff account" in unknown.output
    shipped_one = _invoke(app, "publish", CODE, "--version", "1", "--by", editor.email)
    assert shipped_one.exit_code == 1 and "shipped" in shipped_one.output
    db_session.expire_all()
    assert db_session.scalar(select(FormVersion.state)) == "private"
    assert published_definitions(db_session)[CODE][0] == 1
    assert db_session.scalar(select(AuditEvent).where(AuditEvent.action == "form_publish")) is None


def test_an_invalid_file_is_refused(app, db_session, tmp_path):
    not_json = tmp_path / "kaputt.json"
    not_json.write_text("{\"code\": \"general-enquiry\",", encoding="utf-8")
    result = _invoke(app, "import", str(not_json))
    assert result.exit_code == 1 and "not a JSON file" in result.output

    not_a_definition = _invoke(app, "import", _write(tmp_path / "list.json", [1, 2]))
    assert not_a_definition.exit_code == 1 and "not a form definition" in not_a_definition.output

    definition = json.loads((SEED_DIR / f"{CODE}.json").read_text(encoding="utf-8"))
    definition["steps"][0]["fields"][0]["type"] = "nope"
    broken = _invoke(app, "import", _write(tmp_path / "broken.json", definition))
    assert broken.exit_code == 1
    assert "steps[0].fields[0].type" in broken.output and "nope" in broken.output
    assert "nothing was imported" in broken.output
    assert db_session.scalars(select(FormVersion)).all() == []
