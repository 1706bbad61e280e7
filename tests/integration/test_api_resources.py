"""The API's resources through HTTP: submissions, documents, case files, appointments; paging,
ETags, the audit trail of every call, the rate limit per client."""
from __future__ import annotations

import hashlib
from base64 import b64encode
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from portal.models import ApiClient, AuditEvent, CaseFile, Document, DocumentRequest, OutboundMail, Submission
from tests.support.api import bearer, is_problem, make_client


@pytest.fixture
def token(db_session, sites):
    return make_client(db_session)


def _audit(db_session, action: str, object_type: str):
    db_session.rollback()
    return db_session.scalars(select(AuditEvent).where(AuditEvent.action == action,
                                                       AuditEvent.object_type == object_type)).all()


def test_a_submission_with_answers_form_version_documents_and_history(client, db_session, make_submission, token):
    made = make_submission()
    reference = made.submission.reference
    response = client.get(f"/api/v1/submissions/{reference}", headers=bearer(token))
    assert response.status_code == 200 and response.mimetype == "application/json"
    body = response.get_json()
    assert body["reference"] == reference and body["status"] == "received" and body["channel"] == "web"
    assert body["service"] == "general-enquiry" and body["site"] == "WZ" and body["language"] == "uk"
    assert body["answers"]["surname"] == "Шевченко" and body["answers"]["message"] == "Питання"
    assert body["applicant"] == {"surname": "Шевченко", "given_names": "Олександр", "date_of_birth": "1987-03-00",
                                 "email": "o.shevchenko@example.org"}
    assert [entry["status"] for entry in body["history"]] == ["received"]
    (document,) = body["documents"]
    assert document["title"] == "паспорт.pdf" and document["media_type"] == "application/pdf"
    # The document's link downloads the file; its digest comes along and matches.
    content = client.get(document["content_url"].removeprefix("http://localhost"), headers=bearer(token))
    assert content.status_code == 200 and content.mimetype == "application/pdf"
    digest = hashlib.sha256(content.data).hexdigest()
    assert digest == document["sha256"] == content.headers["ETag"].strip('"')
    assert content.headers["Repr-Digest"] == f"sha-256=:{b64encode(bytes.fromhex(digest)).decode()}:"
    # Each read is in the audit trail, naming the client.
    client_id = db_session.scalar(select(ApiClient.id))
    views = _audit(db_session, "view", "submission")
    assert [(e.object_id, e.api_client_id, e.staff_user_id) for e in views] == [(reference, client_id, None)]
    assert [e.object_id for e in _audit(db_session, "download", "document")] == [str(document["id"])]


def test_etag_gives_304_and_if_match_refuses_a_stale_change(client, make_submission, token):
    reference = make_submission().submission.reference
    first = client.get(f"/api/v1/submissions/{reference}", headers=bearer(token))
    etag = first.headers["ETag"]
    again = client.get(f"/api/v1/submissions/{reference}", headers={**bearer(token), "If-None-Match": etag})
    assert again.status_code == 304 and not again.data
    # Someone changes it; the client's change with the old ETag is refused and changes nothing.
    changed = client.post(f"/api/v1/submissions/{reference}/status", headers=bearer(token),
                          json={"status": "in_progress", "note": "Wird bearbeitet"})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    stale = client.post(f"/api/v1/submissions/{reference}/status", headers={**bearer(token), "If-Match": etag},
                        json={"status": "closed", "note": "Erledigt"})
    assert is_problem(stale, 412, "precondition-failed")
    assert client.get(f"/api/v1/submissions/{reference}", headers=bearer(token)).get_json()["status"] == "in_progress"
    current = client.get(f"/api/v1/submissions/{reference}", headers=bearer(token)).headers["ETag"]
    done = client.post(f"/api/v1/submissions/{reference}/status", headers={**bearer(token), "If-Match": current},
                       json={"status": "closed", "note": "Erledigt"})
    assert done.status_code == 200 and done.get_json()["status"] == "closed"


def test_status_with_note_reaches_the_history_and_mails_as_a_caseworker_would(client, db_session, make_submission,
                                                                                token):
    made = make_submission(service_code="permit-extension")
    reference = made.submission.reference
    response = client.post(f"/api/v1/submissions/{reference}/status", headers=bearer(token),
                           json={"status": "awaiting_documents", "documents": ["passport"],
                                 "note": "Bitte den aktuellen Pass hochladen."})
    assert response.status_code == 200, response.get_json()
    history = response.get_json()["history"]
    assert history[-1] == {**history[-1], "status": "awaiting_documents", "made_by": "api",
                           "note": "Bitte den aktuellen Pass hochladen."}
    db_session.rollback()
    mails = db_session.scalars(select(OutboundMail).where(OutboundMail.submission_id == made.submission.id)).all()
    requested = [m for m in mails if "Bitte den aktuellen Pass hochladen." in m.body_text]
    assert len(requested) == 1 and requested[0].recipient == "o.shevchenko@example.org"
    (entry,) = _audit(db_session, "request_documents", "submission")
    assert entry.api_client_id is not None and entry.staff_user_id is None
    # A slot the form does not have, an impossible change: refused as such, nothing changes.
    wrong = client.post(f"/api/v1/submissions/{reference}/status", headers=bearer(token),
                        json={"status": "awaiting_documents", "documents": ["horoscope"]})
    assert is_problem(wrong, 400, "invalid-request")
    # The deadline: the one given, else the office's default; a day past is refused.
    (request,) = db_session.scalars(select(DocumentRequest)).all()
    assert request.deadline > date.today() and request.delivery == "mail"
    past = client.post(f"/api/v1/submissions/{reference}/status", headers=bearer(token),
                       json={"status": "awaiting_documents", "documents": ["passport"], "deadline": "2020-01-31"})
    assert is_problem(past, 409, "conflict") and "deadline" in past.get_json()["detail"]
    given = client.post(f"/api/v1/submissions/{reference}/status", headers=bearer(token),
                        json={"status": "awaiting_documents", "documents": ["passport"],
                              "deadline": (date.today() + timedelta(days=30)).isoformat()})
    assert given.status_code == 200
    db_session.rollback()
    assert max(r.deadline for r in db_session.scalars(select(DocumentRequest))) == date.today() + timedelta(days=30)
    client.post(f"/api/v1/submissions/{reference}/status", headers=bearer(token),
                json={"status": "rejected", "note": "Nicht zuständig"})
    late = client.post(f"/api/v1/submissions/{reference}/status", headers=bearer(token),
                       json={"status": "closed"})
    assert is_problem(late, 409, "conflict")
    no_reason = client.post(f"/api/v1/submissions/{make_submission().submission.reference}/status",
                            headers=bearer(token), json={"status": "rejected"})
    assert is_problem(no_reason, 409, "conflict")


def test_attaching_through_the_api_files_the_documents(app, client, db_session, make_submission, case_files,
                                                       make_staff, token):
    from tests.support.helpers import sign_in

    made = make_submission()
    response = client.post(f"/api/v1/submissions/{made.submission.reference}/status", headers=bearer(token),
                           json={"status": "attached", "case_file": "WZ-2022-00017"})
    assert response.status_code == 200 and response.get_json()["case_file"] == "WZ-2022-00017"
    timeline = client.get("/api/v1/casefiles/WZ-2022-00017", headers=bearer(token)).get_json()["timeline"]
    assert [e["document"]["title"] for e in timeline if e["kind"] == "document"] == ["паспорт.pdf"]
    # The operation's own audit entries name the client; the file's timeline shows who filed it.
    db_session.rollback()
    (attached,) = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "attach")).all()
    assert attached.api_client_id is not None and attached.object_id == made.submission.reference
    staff_client = app.test_client()
    sign_in(staff_client, make_staff("caseworker", "WZ").email)
    assert "API: ADVIS Fachverfahren" in staff_client.get("/backoffice/casefiles/WZ-2022-00017").get_data(as_text=True)


def test_body_and_parameters_are_checked_against_the_description(client, make_submission, token):
    reference = make_submission().submission.reference
    url = f"/api/v1/submissions/{reference}/status"
    assert is_problem(client.post(url, headers=bearer(token), data="status=closed"), 415, "unsupported-media-type")
    assert is_problem(client.post(url, headers=bearer(token), json={"status": "closed", "colour": "red"}), 400)
    assert is_problem(client.post(url, headers=bearer(token), json={"status": 3}), 400)
    bad = client.post(url, headers=bearer(token), json={"status": "closed", "note": "a\x00b"})
    assert is_problem(bad, 400) and bad.get_json()["errors"][0]["location"] == "body.note"
    assert is_problem(client.get("/api/v1/submissions?limit=0", headers=bearer(token)), 400)
    assert is_problem(client.get("/api/v1/submissions?received_from=2026-02-30", headers=bearer(token)), 400)
    assert is_problem(client.get("/api/v1/submissions?received_from=0001-01-01", headers=bearer(token)), 400)
    assert is_problem(client.get("/api/v1/appointments?site=WZ&day=9999-12-31", headers=bearer(token)), 400)
    assert is_problem(client.get("/api/v1/submissions?after=forged", headers=bearer(token)), 400)
    assert is_problem(client.get("/api/v1/submissions/ABH-2026-000001-0", headers=bearer(token)), 404, "not-found")
    assert is_problem(client.get("/api/v1/documents/99999999999", headers=bearer(token)), 404)


def test_cursor_paging_is_stable_under_inserts(client, make_submission, token):
    made = [make_submission().submission.reference for _ in range(5)]
    first = client.get("/api/v1/submissions?limit=2", headers=bearer(token)).get_json()
    assert [item["reference"] for item in first["items"]] == made[:2]
    # Arriving meanwhile: at the end, neither repeating nor pushing what the reader has not seen yet.
    made += [make_submission().submission.reference for _ in range(3)]
    seen = [item["reference"] for item in first["items"]]
    cursor = first["next_cursor"]
    while cursor:
        page = client.get(f"/api/v1/submissions?limit=2&after={cursor}", headers=bearer(token)).get_json()
        seen += [item["reference"] for item in page["items"]]
        cursor = page["next_cursor"]
        if len(seen) == 4:
            made.append(make_submission().submission.reference)
    assert seen == made


def test_filters_by_status_service_site_and_day(client, db_session, make_submission, token):
    web = make_submission().submission
    other = make_submission(service_code="permit-extension").submission
    client.post(f"/api/v1/submissions/{other.reference}/status", headers=bearer(token), json={"status": "closed"})

    def refs(query):
        return [i["reference"] for i in client.get(f"/api/v1/submissions?{query}", headers=bearer(token))
                .get_json()["items"]]

    assert refs("status=received") == [web.reference]
    assert refs("service=permit-extension") == [other.reference]
    assert refs("site=WZ") == [web.reference, other.reference] and refs("site=DIL") == []
    assert refs(f"received_from={date.today().isoformat()}") == [web.reference, other.reference]
    assert refs("received_from=2100-01-01") == []


def test_case_files_by_number_or_by_name_through_the_matching(client, case_files, token):
    by_number = client.get("/api/v1/casefiles?file_number=wz 2022 17", headers=bearer(token)).get_json()["items"]
    assert by_number[0]["file_number"] == "WZ-2022-00017" and by_number[0]["score"] == 1.0
    by_name = client.get("/api/v1/casefiles?surname=Shevchenko&given_names=Oleksandr&date_of_birth=1987-03-00",
                         headers=bearer(token)).get_json()["items"]
    assert by_name[0]["file_number"] == "WZ-2022-00017" and by_name[0]["score"] >= 0.9
    assert by_name[0]["reasons"] and all(isinstance(r, str) for r in by_name[0]["reasons"])
    assert by_name[0]["case_file"]["surname"] == "Шевченко"
    assert is_problem(client.get("/api/v1/casefiles?given_names=Oleksandr", headers=bearer(token)), 400)


def test_the_register_is_kept_in_step_by_the_specialist_application(client, db_session, sites, token):
    made = client.post("/api/v1/casefiles", headers=bearer(token), json={
        "surname": "Коваленко", "given_names": "Марія", "date_of_birth": "1991-06-00", "nationality": "UKR",
        "place_of_birth": "Київ", "site": "DIL",
        "spellings": [{"surname": "Kovalenko", "given_names": "Mariia", "kind": "passport"}]})
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert body["file_number"].startswith("DIL-") and made.headers["Location"].endswith(body["file_number"])
    assert body["spellings"] == [{"surname": "Kovalenko", "given_names": "Mariia", "kind": "passport"}]
    url = f"/api/v1/casefiles/{body['file_number']}"
    # The matching finds the new file by its passport spelling at once (name keys written).
    found = client.get("/api/v1/casefiles?surname=Kovalenko&given_names=Mariia&date_of_birth=1991-06-12",
                       headers=bearer(token)).get_json()["items"]
    assert found[0]["file_number"] == body["file_number"]
    etag = client.get(url, headers=bearer(token)).headers["ETag"]
    changed = client.patch(url, headers={**bearer(token), "If-Match": etag},
                           json={"date_of_birth": "1991-06-12", "birth_name": "Шевчук"})
    assert changed.status_code == 200
    assert changed.get_json()["date_of_birth"] == "1991-06-12" and changed.get_json()["birth_name"] == "Шевчук"
    assert is_problem(client.patch(url, headers={**bearer(token), "If-Match": etag}, json={"surname": "X"}), 412)
    assert is_problem(client.patch(url, headers=bearer(token), json={"date_of_birth": "1991-02-30"}), 400)
    taken = client.post("/api/v1/casefiles", headers=bearer(token),
                        json={"file_number": body["file_number"], "surname": "Anders", "site": "DIL"})
    assert is_problem(taken, 409, "conflict")
    db_session.rollback()
    changes = db_session.scalars(select(AuditEvent).where(AuditEvent.object_id == body["file_number"],
                                                          AuditEvent.action.in_(["create", "change"]))
                                      .order_by(AuditEvent.id)).all()
    assert [(e.action, sorted(e.detail.get("changed", []))) for e in changes] == [
        ("create", []), ("change", ["birth_name", "date_of_birth"])]
    assert all(e.api_client_id is not None for e in changes)


def test_the_day_list_of_a_site(client, db_session, bookable, make_staff, token):
    from portal.appointments.booking import Person, book_for_caller
    from portal.domain.dates import PartialDate
    from portal.domain.office_time import local_date
    from portal.models._types import utcnow

    first, _second = bookable
    desk = make_staff("caseworker", "WZ")
    booking = book_for_caller(db_session, first.id, Person("Al-Hassan", "Mohammad", PartialDate(1990), ""),
                              staff_user_id=desk.id, language="ar", now=utcnow())
    db_session.commit()
    day = local_date(first.starts_at).isoformat()
    body = client.get(f"/api/v1/appointments?site=WZ&day={day}", headers=bearer(token)).get_json()
    assert [(a["reference"], a["surname"], a["counter"]) for a in body["appointments"]] == [
        (booking.reference, "Al-Hassan", 1)]
    assert body["appointments"][0]["date_of_birth"] == "1990-00-00"
    assert sorted((f["capacity"], f["taken"]) for f in body["free"]) == [(2, 0), (2, 1)]
    assert is_problem(client.get("/api/v1/appointments?site=XX&day=2026-01-05", headers=bearer(token)), 404)


def test_rate_limit_per_client(app, client, db_session, sites, monkeypatch):
    from tests.support.app_factory import override_settings

    override_settings(monkeypatch, app, api={"rate_limit": "3 per minute"})
    busy, other = make_client(db_session, "Statistik"), make_client(db_session, "ADVIS")
    answers = [client.get("/api/v1/submissions", headers=bearer(busy)).status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    limited = client.get("/api/v1/submissions", headers=bearer(busy))
    assert is_problem(limited, 429, "rate-limited") and int(limited.headers["Retry-After"]) > 0
    assert client.get("/api/v1/submissions", headers=bearer(other)).status_code == 200


def test_documents_need_the_scope_of_what_they_belong_to(client, db_session, make_submission, sites):
    made = make_submission()
    document_id = db_session.scalar(select(Document.id).where(Document.submission_id == made.submission.id))
    only_files = make_client(db_session, "Registratur", scopes=["casefiles:read"])
    assert is_problem(client.get(f"/api/v1/documents/{document_id}", headers=bearer(only_files)), 403,
                      "insufficient-scope")
    only_submissions = make_client(db_session, "Eingang", scopes=["submissions:read"])
    assert client.get(f"/api/v1/documents/{document_id}", headers=bearer(only_submissions)).status_code == 200


def test_case_file_count_unchanged_by_refused_create(client, db_session, sites, token):
    before = db_session.scalar(select(CaseFile.id).limit(1))
    response = client.post("/api/v1/casefiles", headers=bearer(token), json={"surname": "", "site": "WZ"})
    assert is_problem(response, 400)
    db_session.rollback()
    assert db_session.scalar(select(CaseFile.id).limit(1)) == before
    assert db_session.scalar(select(Submission.id).limit(1)) is None
