"""CSRF protection with CSRF on (as in production): every state-changing route of the public
and back-office blueprints, found by walking the URL map, refuses a request without a token and
one with a wrong token, with 400, and changes nothing — for anonymous visitors and for staff."""
import secrets

import pytest
import sqlalchemy as sa

from tests.support.helpers import csrf_token_from, sign_in

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def _state_changing_rules(app):
    return [rule for rule in app.url_map.iter_rules()
            if rule.endpoint.split(".")[0] in ("public", "backoffice") and UNSAFE & rule.methods]


def _row_counts(app) -> dict[str, int]:
    from portal.extensions import db

    with app.app_context(), db.engine.connect() as conn:
        return {table.name: conn.scalar(sa.select(sa.func.count()).select_from(table))
                for table in db.metadata.sorted_tables}


@pytest.fixture
def samples(app, db_session, make_submission, case_files, make_staff, sites):
    """Real objects for every URL parameter, so that a refusal cannot come from a missing object."""
    import secrets as _secrets

    from portal.appointments import links
    from portal.domain.dates import PartialDate
    from portal.models import Booking, BookingStatus
    from portal.models._types import utcnow
    from tests.support import booking_setup

    booking_setup.counters(db_session, sites["WZ"])
    slot = booking_setup.future_slot(db_session, sites["WZ"])
    booking = Booking(reference="TER-CSRF-0001", token_hash=_secrets.token_hex(16), slot_id=slot.id,
                      status=BookingStatus.CONFIRMED, surname="Шевченко", person_key="шевченко",
                      date_of_birth=PartialDate(1987, 3), email="o.shevchenko@example.org", created_at=utcnow())
    slot.taken += 1
    db_session.add(booking)
    db_session.commit()
    return {"lang": "de", "language": "de", "code": "general-enquiry", "step": "identity",
            "token": links.make_token(app.config["SECRET_KEY"], booking, links.MANAGE),
            "reference": make_submission().submission.reference, "file_number": "WZ-2022-00017",
            "staff_id": make_staff("caseworker", "DIL").id, "mail_id": 1, "scan_batch_id": 1, "item_id": 1,
            "api_client_id": 1, "request_id": 1, "upload_id": 1, "number": 1,
            "key": "identity", "name": "surname", "action": "submit"}


def _walk(app, client, samples, token_value):
    before = _row_counts(app)
    rules = _state_changing_rules(app)
    assert len(rules) > 20, "the walk finds the forms"
    for rule in rules:
        url = rule.build({arg: samples[arg] for arg in rule.arguments})[1]
        data = {"text": "Notiz", "reason": "Grund", "email": "x@abh-test.example", "password": "x" * 16,
                "code": "123456", "language": "en"}
        if token_value is not None:
            data["csrf_token"] = token_value
        for method in sorted(UNSAFE & rule.methods):
            response = client.open(url, method=method, data=data)
            assert response.status_code in (400, 403), f"{method} {rule.endpoint} {url}: {response.status_code}"
    assert _row_counts(app) == before, "a refused request changed nothing"


@pytest.mark.parametrize("token", ["missing", "garbage", "another session's"])
def test_anonymous_requests_without_a_valid_token_are_refused(app, client, samples, token):
    client.get("/de/")  # a session of its own, as a browser has
    _walk(app, client, samples, _token_value(app, token))


@pytest.mark.parametrize("token", ["missing", "garbage", "another session's"])
def test_staff_requests_without_a_valid_token_are_refused(app, client, make_staff, samples, token):
    assert sign_in(client, make_staff("admin").email).status_code == 302
    assert client.get("/backoffice/").status_code == 200
    _walk(app, client, samples, _token_value(app, token))
    assert client.get("/backoffice/").status_code == 200, "still signed in: the walk did not sign out"


def _token_value(app, kind: str) -> str | None:
    if kind == "missing":
        return None
    if kind == "garbage":
        return secrets.token_urlsafe(30)
    # A well-formed, correctly signed token, but of another visitor's session.
    return csrf_token_from(app.test_client().get("/de/status/").get_data(as_text=True))


def test_the_right_token_is_accepted(app, client, make_staff):
    """The counter-check: the same kind of request with the session's own token goes through."""
    sign_in(client, make_staff("caseworker").email)
    token = csrf_token_from(client.get("/backoffice/").get_data(as_text=True))
    assert client.post("/backoffice/language", data={"language": "en", "csrf_token": token}).status_code == 302
