"""Staff sign-in: hashed passwords, CSRF, throttling, safe redirects, sign-out."""
from portal.models import AuditEvent
from tests.helpers import csrf_token_from, sign_in


def test_sign_in_and_out(client, make_staff, db_session):
    user = make_staff("caseworker", "WZ")
    response = sign_in(client, user.email)
    assert response.status_code == 302 and response.headers["Location"].endswith("/backoffice/")
    page = client.get("/backoffice/")
    assert page.status_code == 200 and user.full_name in page.get_data(as_text=True)
    assert {e.action for e in db_session.query(AuditEvent)} == {"login"}

    token = csrf_token_from(page.get_data(as_text=True))
    assert client.post("/backoffice/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/backoffice/").status_code == 302


def test_wrong_password_is_refused_with_a_message(client, make_staff, db_session):
    user = make_staff()
    response = sign_in(client, user.email, password="not-the-password")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "E-Mail-Adresse oder Passwort ist falsch." in body
    assert "<title>Fehler: " in body
    failed = db_session.query(AuditEvent).one()
    assert failed.action == "login_failed" and failed.detail == {"email": user.email}
    assert 'href="#password"' in body, "the error summary links to the field"
    assert client.get("/backoffice/").status_code == 302


def test_unknown_and_locked_accounts_get_the_same_answer(client, make_staff, db_session):
    user = make_staff()
    user.is_active_account = False
    db_session.commit()
    for email in (user.email, "nobody@abh-test.example"):
        body = sign_in(client, email).get_data(as_text=True)
        assert "E-Mail-Adresse oder Passwort ist falsch." in body


def test_sign_in_without_csrf_token_is_refused(client, make_staff):
    user = make_staff()
    response = client.post("/backoffice/login", data={"email": user.email, "password": "x" * 20})
    assert response.status_code == 400


def test_sign_out_needs_post_with_token(client, make_staff):
    sign_in(client, make_staff().email)
    assert client.get("/backoffice/logout").status_code == 405
    assert client.post("/backoffice/logout").status_code == 400
    assert client.get("/backoffice/").status_code == 200


def test_redirect_after_sign_in_stays_in_the_back_office(client, make_staff):
    user = make_staff("admin")
    response = sign_in(client, user.email, next_url="/backoffice/admin/staff")
    assert response.headers["Location"].endswith("/backoffice/admin/staff")
    client.post("/backoffice/logout", data={"csrf_token": csrf_token_from(
        client.get("/backoffice/").get_data(as_text=True))})
    for evil in ("https://evil.example/", "//evil.example/backoffice/", "/de/"):
        response = sign_in(client, user.email, next_url=evil)
        assert response.headers["Location"].endswith("/backoffice/"), evil
        client.post("/backoffice/logout", data={"csrf_token": csrf_token_from(
            client.get("/backoffice/").get_data(as_text=True))})


def test_sign_in_is_throttled_per_account(client, make_staff):
    user = make_staff()
    statuses = [sign_in(client, user.email, password=f"guess-{i:04d}-wrong").status_code for i in range(12)]
    assert statuses[:10] == [200] * 10
    assert statuses[10:] == [429, 429]
    # The throttle holds even for the right password, so guessing gains nothing.
    assert sign_in(client, user.email).status_code == 429


def test_sign_in_is_throttled_per_address(client, make_staff):
    statuses = [sign_in(client, f"user{i}@abh-test.example").status_code for i in range(22)]
    assert 429 in statuses and statuses.index(429) == 20


def test_staff_may_switch_the_back_office_to_english(client, make_staff):
    sign_in(client, make_staff().email)
    page = client.get("/backoffice/")
    assert "Übersicht" in page.get_data(as_text=True)
    client.post("/backoffice/language", data={"language": "en",
                                               "csrf_token": csrf_token_from(page.get_data(as_text=True))})
    assert "Overview" in client.get("/backoffice/").get_data(as_text=True)
