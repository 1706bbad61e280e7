"""Walks every route of the API (generated from the app's URL map) with every kind of caller that
must be refused: no token, a wrong token, a revoked token, a token without the scope, a token of
the other site. Each gets a problem+json 401 or 403, and nothing in the database changes. A new
API route is walked without being listed; a new kind of URL argument fails until the walk is
taught how to make one."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.clients.accounts import SCOPES, create_client, find_by_name, revoke_client
from portal.models import AuditEvent
from tests.support.api import bearer, is_problem

# Calls every API client may make without a token (the description and its problem types).
PUBLIC = {"api.openapi_document", "api.problem_type"}


def _api_rules(app):
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("api.")]


class Wetzlar:
    """The objects the walk's URLs name, all of Wetzlar."""

    def __init__(self, db_session, make_submission, case_files):
        from portal.casefiles.operations import attach_submission
        from portal.models import Document

        self.case_file = case_files[0]
        assert self.case_file.site.code == "WZ"
        self.submission = make_submission().submission
        filed = make_submission(surname="Yılmaz", given_names="Ayşe", language="tr").submission
        attach_submission(db_session, filed, case_files[2])
        db_session.commit()
        self.document = db_session.scalars(select(Document).where(Document.submission_id == filed.id)).first()
        self.values = {"reference": self.submission.reference, "file_number": self.case_file.file_number,
                       "document_id": self.document.id, "slug": "not-found"}
        self.names = {self.submission.reference, self.case_file.file_number, filed.reference,
                      case_files[2].file_number}

    def url(self, rule) -> str:
        missing = set(rule.arguments) - set(self.values)
        if missing:
            pytest.fail(f"teach the walk how to make a {', '.join(sorted(missing))} of Wetzlar ({__name__})",
                        pytrace=False)
        return rule.build({name: self.values[name] for name in rule.arguments}, append_unknown=False)[1]


QUERY = {"site": "WZ", "day": "2026-12-07", "surname": "Shevchenko", "file_number": "WZ-2022-00017"}
BODIES = {
    "api.submission_status": {"status": "closed", "note": "Erledigt durch das Fachverfahren"},
    "api.open_case_file": {"surname": "Neumann", "given_names": "Lea", "site": "WZ"},
    "api.change_case_file": {"surname": "Geändert"},
}


def _state(db_session) -> dict:
    """Every row of every table but the audit trail (where refusals are written)."""
    from portal.extensions import db

    db_session.rollback()
    return {table.name: sorted(repr(sorted(dict(row).items())) for row in db_session.execute(select(table)).mappings())
            for table in db.metadata.sorted_tables if table.name != "audit_event"}


def _request(client, rule, url, headers, op):
    # The query parameters the call takes, naming Wetzlar where they name a site or a file.
    query = {name: value for name, value in QUERY.items() if op.query is not None and name in op.query.model_fields}
    for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
        body = BODIES.get(rule.endpoint)
        yield method, client.open(url, method=method, headers=headers, query_string=query,
                                  json=body if method in ("POST", "PATCH") else None)


@pytest.fixture
def callers(db_session, sites):
    """Tokens of every kind the walk tries; all made, then one revoked."""
    revoked = create_client(db_session, "Altsystem", SCOPES)
    db_session.flush()
    revoke_client(db_session, revoked.client)
    tokens = {
        "wrong": "abh_" + "x" * 43,
        "revoked": revoked.token,
        "no_scope": {needed: create_client(db_session, f"ohne {' '.join(needed)}",
                                           [s for s in SCOPES if s not in needed]).token
                     for needed in [(scope,) for scope in SCOPES] + [("casefiles:read", "submissions:read")]},
        "other_site": create_client(db_session, "Fachverfahren Dillenburg", SCOPES, site_code="DIL").token,
    }
    db_session.commit()
    return tokens


def test_every_api_view_declares_what_it_needs(app):
    from portal.api.registry import operation_of

    for rule in _api_rules(app):
        op = operation_of(app.view_functions[rule.endpoint])
        assert op is not None, f"{rule.endpoint} has no @operation (it would be refused)"
        assert op.public == (rule.endpoint in PUBLIC), rule.endpoint
        assert op.public or (op.scopes and set(op.scopes) <= set(SCOPES)), rule.endpoint


def test_the_walk_refuses_an_argument_it_cannot_make(app, db_session, make_submission, case_files):
    from types import SimpleNamespace

    wz = Wetzlar(db_session, make_submission, case_files)
    with pytest.raises(pytest.fail.Exception, match="teach the walk how to make a gizmo_id"):
        wz.url(SimpleNamespace(arguments={"gizmo_id"}, endpoint="api.gizmo"))


@pytest.mark.parametrize("caller", ["none", "wrong", "revoked", "no_scope", "other_site"])
def test_walk_every_api_route(app, client, db_session, make_submission, case_files, callers, caller):
    from portal.api.registry import operation_of

    wz = Wetzlar(db_session, make_submission, case_files)
    before = _state(db_session)
    denied_before = len(db_session.scalars(select(AuditEvent).where(AuditEvent.action == "denied")).all())
    refusals = 0
    for rule in _api_rules(app):
        op = operation_of(app.view_functions[rule.endpoint])
        if op.public:
            continue
        url = wz.url(rule)
        if caller == "no_scope":
            # The client has every scope but the one (any of the ones) this call needs.
            tokens = [callers["no_scope"][tuple(sorted(op.scopes))]]
        else:
            tokens = [None if caller == "none" else callers[caller]]
        for token in tokens:
            headers = bearer(token) if token else {}
            for method, response in _request(client, rule, url, headers, op):
                where = f"{caller} {method} {url}"
                if caller in ("none", "wrong", "revoked"):
                    slug = "missing-token" if caller == "none" else "invalid-token"
                    assert is_problem(response, 401, slug), (where, response.status_code, response.data[:300])
                    assert response.headers["WWW-Authenticate"].startswith("Bearer")
                elif caller == "no_scope":
                    assert is_problem(response, 403, "insufficient-scope"), (where, response.status_code)
                    refusals += 1
                elif response.status_code == 403:
                    assert is_problem(response, 403, "other-site"), (where, response.data[:300])
                    refusals += 1
                else:
                    # A list or search of the client's own site: answered, without a Wetzlar object in it.
                    assert response.status_code == 200 and method == "GET", (where, response.status_code)
                    text = response.get_data(as_text=True)
                    assert not any(name in text for name in wz.names), f"{where} shows Wetzlar's data"
    assert _state(db_session) == before, f"a {caller} call changed something"
    denied = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "denied")).all()
    # The refusals of a known client are in the audit trail, naming the client.
    if caller in ("no_scope", "other_site"):
        assert len(denied) - denied_before == refusals > 0
        assert all(event.api_client_id is not None for event in denied)
    if caller == "revoked":
        assert {event.api_client_id for event in denied} == {find_by_name(db_session, "Altsystem").id}


def test_a_client_limited_to_a_site_works_at_its_own(client, db_session, make_submission, case_files, sites):
    token = create_client(db_session, "Fachverfahren Wetzlar", SCOPES, site_code="WZ").token
    db_session.commit()
    reference = make_submission().submission.reference
    assert client.get(f"/api/v1/submissions/{reference}", headers=bearer(token)).status_code == 200
    assert client.get("/api/v1/casefiles/WZ-2022-00017", headers=bearer(token)).status_code == 200
    assert is_problem(client.get("/api/v1/casefiles/DIL-2016-00321", headers=bearer(token)), 403, "other-site")
    listed = client.get("/api/v1/submissions", headers=bearer(token)).get_json()["items"]
    assert [item["reference"] for item in listed] == [reference]
