"""Staff sign-in: hashed passwords, CSRF, throttling, safe redirects, sign-out."""
import re
from urllib.parse import unquote

import pytest

from portal.models import AuditEvent
from portal.staff.sign_in_limits import FAILURES as FAILURE_LIMIT
from tests.support.app_factory import override_settings
from tests.support.helpers import STAFF_PASSWORD, csrf_token_from, sign_in

FAILURES = FAILURE_LIMIT.amount


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


def test_sign_in_is_throttled_per_address(client, make_staff):
    statuses = [sign_in(client, f"user{i}@abh-test.example").status_code for i in range(22)]
    assert 429 in statuses and statuses.index(429) == 20


# Per account: wrong passwords from anywhere call for the proof of work, never lock the owner out.
TOO_MANY = "Für dieses Konto gab es zu viele fehlgeschlagene Anmeldeversuche."


def _solution(client) -> str:
    """The sign-in widget's work, done in Python: fetch a challenge from the back office and solve it."""
    from altcha import ChallengeV1, PayloadV1, solve_challenge_v1

    response = client.get("/backoffice/login/challenge")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    data = response.get_json()
    challenge = ChallengeV1(data["algorithm"], data["challenge"], data["maxNumber"], data["salt"], data["signature"])
    solution = solve_challenge_v1(challenge)
    return PayloadV1(challenge.algorithm, challenge.challenge, solution.number, challenge.salt,
                     challenge.signature).to_base64()


def _try(client, email, password=STAFF_PASSWORD, solution=None, address="127.0.0.1"):
    page = client.get("/backoffice/login")
    data = {"email": email, "password": password, "csrf_token": csrf_token_from(page.get_data(as_text=True))}
    if solution is not None:
        data["altcha"] = solution
    return client.post("/backoffice/login", data=data, environ_base={"REMOTE_ADDR": address})


def _guess_from_everywhere(client, email, times=FAILURES):
    """Wrong passwords, each from another address (a botnet): the limit per address never bites."""
    return [_try(client, email, password=f"Rateversuch-{i:03d}", address=f"198.51.100.{i + 1}")
            for i in range(times)]


def _widget(body: str) -> str | None:
    match = re.search(r"<altcha-widget[^>]*>", body)
    return match.group(0) if match else None


def test_wrong_passwords_from_everywhere_do_not_lock_the_owner_out(client, make_staff, db_session):
    user = make_staff("caseworker", email="olena.kovalenko@abh-test.example")
    guesses = _guess_from_everywhere(client, user.email)
    assert [r.status_code for r in guesses] == [200] * FAILURES
    assert _widget(guesses[-2].get_data(as_text=True)) is None, "no check before the limit"
    last = guesses[-1].get_data(as_text=True)
    assert "E-Mail-Adresse oder Passwort ist falsch." in last and _widget(last), "the last failure brings the check"

    # The owner, with the right password and the widget's solution, gets in.
    response = _try(client, user.email.upper(), solution=_solution(client))
    assert response.status_code == 302 and response.headers["Location"].endswith("/backoffice/")
    assert client.get("/backoffice/").status_code == 200


def test_past_the_limit_no_solution_no_sign_in_and_no_hint_about_the_password(client, make_staff, db_session):
    user = make_staff()
    _guess_from_everywhere(client, user.email)
    right = _try(client, user.email)
    wrong = _try(client, user.email, password="auch-nicht-richtig")
    assert right.status_code == wrong.status_code == 429
    bodies = [r.get_data(as_text=True) for r in (right, wrong)]
    for body in bodies:
        assert TOO_MANY in body and "Passwort ist falsch" not in body
        widget = _widget(body)
        assert 'challengeurl="/backoffice/login/challenge"' in widget and 'name="altcha"' in widget
        assert 'language="de"' in widget
    # Apart from the CSRF token the two answers are the same page.
    assert re.sub(r'value="[^"]*"', "", bodies[0]) == re.sub(r'value="[^"]*"', "", bodies[1])
    assert client.get("/backoffice/").status_code == 302
    refused = db_session.query(AuditEvent).filter_by(action="login_failed").order_by(AuditEvent.id.desc()).first()
    assert refused.detail == {"email": user.email, "human_check": "not solved"}


def test_past_the_limit_a_solution_does_not_make_a_wrong_password_right(client, make_staff):
    user = make_staff()
    _guess_from_everywhere(client, user.email)
    solution = _solution(client)
    response = _try(client, user.email, password="immer-noch-falsch", solution=solution)
    assert response.status_code == 200 and "E-Mail-Adresse oder Passwort ist falsch." in response.get_data(as_text=True)
    # A solution counts once: sent again, the right password is refused.
    again = _try(client, user.email, solution=solution)
    assert again.status_code == 429 and TOO_MANY in again.get_data(as_text=True)
    assert _try(client, user.email, solution=_solution(client)).status_code == 302


def test_unknown_addresses_are_counted_alike_and_other_accounts_are_not_affected(client, make_staff):
    colleague = make_staff()
    body = _guess_from_everywhere(client, "niemand@abh-test.example")[-1].get_data(as_text=True)
    assert _widget(body), "the answer does not tell that there is no such account"
    assert _try(client, "niemand@abh-test.example").status_code == 429
    assert sign_in(client, colleague.email).status_code == 302, "another account needs no check"


def test_wrong_codes_count_as_failures_of_the_account(client, make_staff):
    admin = make_staff("admin")
    for i in range(FAILURES):
        token = csrf_token_from(client.get("/backoffice/login").get_data(as_text=True))
        client.post("/backoffice/login", data={"email": admin.email, "password": STAFF_PASSWORD, "csrf_token": token})
        token = csrf_token_from(client.get("/backoffice/login/code").get_data(as_text=True))
        assert client.post("/backoffice/login/code", data={"code": f"{i:06d}", "csrf_token": token}).status_code == 200
    assert _try(client, admin.email).status_code == 429
    response = _try(client, admin.email, solution=_solution(client))
    assert response.status_code == 302 and response.headers["Location"].endswith("/backoffice/login/code")


def test_the_limit_per_address_holds_also_with_solutions(client, make_staff):
    user = make_staff()
    _guess_from_everywhere(client, user.email)
    statuses = [_try(client, f"user{i}@abh-test.example", address="203.0.113.50").status_code for i in range(20)]
    assert statuses == [200] * 20
    assert _try(client, user.email, solution=_solution(client), address="203.0.113.50").status_code == 429
    assert _try(client, user.email, solution=_solution(client), address="203.0.113.51").status_code == 302


def test_without_the_proof_of_work_the_account_waits(app, client, make_staff, monkeypatch):
    """PORTAL_ALTCHA_ENABLED=0 (load tests): past the limit the account can only wait."""
    override_settings(monkeypatch, app, human_check={"enabled": False})
    user = make_staff()
    body = _guess_from_everywhere(client, user.email)[-1].get_data(as_text=True)
    assert _widget(body) is None
    refused = _try(client, user.email)
    assert refused.status_code == 429 and "in 15 Minuten erneut" in refused.get_data(as_text=True)
    assert client.get("/backoffice/login/challenge").status_code == 404


def test_the_sign_in_widget_page_has_no_inline_script(client, make_staff):
    user = make_staff()
    body = _guess_from_everywhere(client, user.email)[-1].get_data(as_text=True)
    assert '<script type="module" src="/static/vendor/altcha/altcha.js"></script>' in body
    assert '<script type="module" src="/static/vendor/altcha/i18n/de.js"></script>' in body
    assert not re.search(r"<script(?![^>]*\ssrc=)[^>]*>", body) and "<style" not in body and " style=" not in body
    assert "löst Ihr Browser vor der Anmeldung eine kleine Aufgabe" in body
    assert "<noscript>" in body and "JavaScript" in body


# After sign-in, `next` goes where it says only when that is a plain path inside the back office.
@pytest.mark.parametrize("target", [
    "/backoffice/\nSet-Cookie: x=1",
    "/backoffice/queue\r\n",
    "/backoffice/%0d%0aSet-Cookie:%20x=1",
    "/backoffice/%0aqueue",
    "/backoffice/\tqueue",
    "/\t/evil.example/backoffice/",
    "/backoffice/\x00",
    "/backoffice/\x85",
    "/\\evil.example/backoffice/",
    "/backoffice/\\..\\..\\de",
    "/backoffice/../x",
    "/backoffice/../../de/",
    "/backoffice/..",
    "/backoffice/./queue",
    "/backoffice/%2e%2e/x",
    "/backoffice/%2E%2E/%2e%2e/de/",
    "/backoffice/.%2e/x",
    "/backoffice/%2e%2e%2fx",
    "/backoffice/%5c..%5cde",
    "https://evil.example/backoffice/",
    "//evil.example/backoffice/",
])
def test_next_is_refused_with_control_characters_and_dot_segments(client, make_staff, target):
    response = sign_in(client, make_staff().email, next_url=target)
    assert response.status_code == 302 and response.headers["Location"] == "/backoffice/", target


def test_next_from_the_query_string_with_an_encoded_newline(client, make_staff):
    """The form carries `next` from the sign-in link (decoded once: a raw CR LF)."""
    user = make_staff()
    page = client.get("/backoffice/login?next=/backoffice/%0d%0aSet-Cookie:%20x=1").get_data(as_text=True)
    carried = re.search(r'name="next"[^>]*value="([^"]*)"', page).group(1)
    assert carried == "/backoffice/\r\nSet-Cookie: x=1"
    response = client.post("/backoffice/login", data={
        "email": user.email, "password": STAFF_PASSWORD, "csrf_token": csrf_token_from(page), "next": carried})
    assert response.status_code == 302 and response.headers["Location"] == "/backoffice/"


def test_next_through_the_code_step_is_checked_alike(client, make_staff):
    response = sign_in(client, make_staff("admin").email, next_url="/backoffice/\r\nX: y")
    assert response.status_code == 302 and response.headers["Location"] == "/backoffice/"


@pytest.mark.parametrize("target", [
    "/backoffice/queue?status=received",
    "/backoffice/lookup?q=Шевченко",
    "/backoffice/lookup?q=%D0%A8%D0%B5%D0%B2",
    "/backoffice/casefiles/WZ-2022-00017",
    "/backoffice/content/pages..old",
])
def test_plain_back_office_paths_are_kept(client, make_staff, target):
    response = sign_in(client, make_staff().email, next_url=target)
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("/backoffice/") and unquote(location) == unquote(target)


def test_staff_may_switch_the_back_office_to_english(client, make_staff):
    sign_in(client, make_staff().email)
    page = client.get("/backoffice/")
    assert "Übersicht" in page.get_data(as_text=True)
    client.post("/backoffice/language", data={"language": "en",
                                               "csrf_token": csrf_token_from(page.get_data(as_text=True))})
    assert "Overview" in client.get("/backoffice/").get_data(as_text=True)
