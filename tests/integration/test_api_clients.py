"""API clients: made and revoked with `flask api-clients` and in the back office by admins; the
token is shown once and only its hash is kept; the audit trail names the client of every call."""
from __future__ import annotations

import hashlib
import re

from sqlalchemy import select

from portal.models import ApiClient, AuditEvent
from tests.support.api import bearer, is_problem
from tests.support.helpers import csrf_token_from, sign_in


def test_create_list_revoke_on_the_command_line(app, client, db_session, sites):
    made = app.test_cli_runner().invoke(args=["api-clients", "create", "--name", "ADVIS Fachverfahren",
                                              "--scope", "submissions:read", "--scope", "casefiles:write",
                                              "--site", "dil"])
    assert made.exit_code == 0, made.output
    token = made.output.strip().splitlines()[-1]
    assert re.fullmatch(r"abh_[A-Za-z0-9_-]{43}", token)
    db_session.rollback()
    stored = db_session.scalar(select(ApiClient))
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in repr({c.key: getattr(stored, c.key) for c in ApiClient.__table__.columns})
    assert stored.site.code == "DIL" and stored.scope_set == {"submissions:read", "casefiles:write"}
    assert client.get("/api/v1/submissions", headers=bearer(token)).status_code == 200

    listed = app.test_cli_runner().invoke(args=["api-clients", "list"]).output
    assert "ADVIS Fachverfahren" in listed and "casefiles:write submissions:read" in listed and "active" in listed
    assert token not in listed

    revoked = app.test_cli_runner().invoke(args=["api-clients", "revoke", "ADVIS Fachverfahren"])
    assert revoked.exit_code == 0
    assert "revoked" in app.test_cli_runner().invoke(args=["api-clients", "list"]).output
    assert is_problem(client.get("/api/v1/submissions", headers=bearer(token)), 401, "invalid-token")
    again = app.test_cli_runner().invoke(args=["api-clients", "revoke", "ADVIS Fachverfahren"])
    assert again.exit_code != 0 and "revoked already" in again.output


def test_the_command_refuses_what_it_cannot_make(app, sites):
    runner = app.test_cli_runner()
    unknown_scope = runner.invoke(args=["api-clients", "create", "--name", "X-System", "--scope", "everything"])
    assert unknown_scope.exit_code != 0 and "submissions:read" in unknown_scope.output
    unknown_site = runner.invoke(args=["api-clients", "create", "--name", "X-System", "--scope", "casefiles:read",
                                       "--site", "GI"])
    assert unknown_site.exit_code != 0 and "unknown_site" in unknown_site.output
    assert runner.invoke(args=["api-clients", "create", "--name", "X-System", "--scope", "casefiles:read"]).exit_code == 0
    taken = runner.invoke(args=["api-clients", "create", "--name", "X-System", "--scope", "casefiles:read"])
    assert taken.exit_code != 0 and "name_taken" in taken.output
    assert runner.invoke(args=["api-clients", "revoke", "Niemand"]).exit_code != 0


def test_admins_make_and_revoke_clients_in_the_back_office(app, client, db_session, make_staff, make_submission):
    admin = make_staff("admin", "WZ")
    sign_in(client, admin.email)
    page = client.get("/backoffice/admin/api-clients").get_data(as_text=True)
    assert "Neuer API-Client" in page or "New API client" in page
    response = client.post("/backoffice/admin/api-clients", data={
        "csrf_token": csrf_token_from(page), "name": "Statistik Kreisverwaltung",
        "scope": ["submissions:read", "appointments:read"], "site": "WZ"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    token = re.search(r'<code dir="ltr" class="api-token">([^<]+)</code>', body).group(1)
    # Shown once: the list afterwards has only the first characters.
    later = client.get("/backoffice/admin/api-clients").get_data(as_text=True)
    assert token not in later and token[:8] in later
    reference = make_submission().submission.reference
    assert client.get(f"/api/v1/submissions/{reference}", headers=bearer(token)).status_code == 200
    # The audit trail shows the call with the client's name, and can be filtered by it.
    db_session.rollback()
    api_client = db_session.scalar(select(ApiClient).where(ApiClient.name == "Statistik Kreisverwaltung"))
    created = db_session.scalar(select(AuditEvent).where(AuditEvent.object_type == "api_client"))
    assert created.action == "create" and created.staff_user_id == admin.id
    trail = client.get(f"/backoffice/audit?api_client={api_client.id}").get_data(as_text=True)
    assert "Statistik Kreisverwaltung" in trail and reference in trail
    csv = client.get(f"/backoffice/audit.csv?api_client={api_client.id}").get_data(as_text=True)
    assert reference in csv and "Statistik Kreisverwaltung" in csv
    # Revoked: the token opens nothing any more.
    client.post(f"/backoffice/admin/api-clients/{api_client.id}/revoke",
                data={"csrf_token": csrf_token_from(later)})
    assert is_problem(client.get(f"/api/v1/submissions/{reference}", headers=bearer(token)), 401)
    db_session.rollback()
    assert db_session.get(ApiClient, api_client.id).is_revoked


def test_a_form_without_permissions_makes_nothing(client, db_session, make_staff):
    sign_in(client, make_staff("admin", "WZ").email)
    page = client.get("/backoffice/admin/api-clients").get_data(as_text=True)
    response = client.post("/backoffice/admin/api-clients", data={"csrf_token": csrf_token_from(page),
                                                                   "name": "Ohne Rechte"})
    assert response.status_code == 200 and "api-token" not in response.get_data(as_text=True)
    db_session.rollback()
    assert db_session.scalar(select(ApiClient)) is None
