"""Staff sessions: they end after PORTAL_STAFF_IDLE_MINUTES without a request and after the
absolute lifetime however active, and a sign-in issues a new session (no fixation).
A clock of the test's own replaces the time: nothing sleeps."""
import pytest

from portal.models import AuditEvent
from tests.helpers import csrf_token_from, sign_in


class Clock:
    def __init__(self, start: float):
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, minutes: float) -> None:
        self.now += minutes * 60


@pytest.fixture
def clock(monkeypatch):
    from portal import security

    fake = Clock(1_800_000_000.0)
    monkeypatch.setattr(security, "clock", fake)
    return fake


def test_a_session_ends_after_the_idle_minutes(app, client, make_staff, clock, db_session, monkeypatch):
    monkeypatch.setitem(app.config, "PORTAL_STAFF_IDLE_MINUTES", 30)
    sign_in(client, make_staff("caseworker").email)
    for _ in range(4):  # active: each request within the idle time keeps the session going
        clock.advance(29)
        assert client.get("/backoffice/queue").status_code == 200
    clock.advance(31)
    response = client.get("/backoffice/queue?status=received")
    assert response.status_code == 302
    location = response.headers["Location"]
    from urllib.parse import parse_qs, urlsplit

    assert urlsplit(location).path == "/backoffice/login"
    assert parse_qs(urlsplit(location).query)["next"] == ["/backoffice/queue?status=received"]
    login = client.get(location).get_data(as_text=True)
    assert "30" in login and 'class="kern-alert' in login
    assert client.get("/backoffice/").status_code == 302, "the session is gone, not just paused"
    assert db_session.query(AuditEvent).filter_by(action="session_expired").one().detail == {"reason": "idle"}


def test_the_idle_time_is_a_setting(app, client, make_staff, clock, monkeypatch):
    monkeypatch.setitem(app.config, "PORTAL_STAFF_IDLE_MINUTES", 5)
    sign_in(client, make_staff("caseworker").email)
    clock.advance(4)
    assert client.get("/backoffice/").status_code == 200
    clock.advance(6)
    assert client.get("/backoffice/").status_code == 302


def test_a_session_ends_after_its_lifetime_however_active(app, client, make_staff, clock, db_session):
    lifetime_minutes = app.permanent_session_lifetime.total_seconds() / 60
    sign_in(client, make_staff("caseworker").email)
    elapsed = 0
    while elapsed + 20 <= lifetime_minutes:
        clock.advance(20)
        elapsed += 20
        assert client.get("/backoffice/").status_code == 200
    clock.advance(lifetime_minutes - elapsed + 1)
    assert client.get("/backoffice/").status_code == 302
    assert db_session.query(AuditEvent).filter_by(action="session_expired").one().detail == {"reason": "too_long"}


def test_sign_in_issues_a_new_session(app, client, make_staff):
    """Session fixation: a cookie planted before the sign-in is worth nothing after it."""
    user = make_staff("caseworker")
    client.get("/backoffice/login")
    planted = client.get_cookie("session").value
    assert sign_in(client, user.email).status_code == 302
    issued = client.get_cookie("session").value
    assert issued != planted and client.get("/backoffice/").status_code == 200

    attacker = app.test_client()
    attacker.set_cookie("session", planted)
    assert attacker.get("/backoffice/").status_code == 302


def test_the_session_before_the_code_step_is_not_signed_in_either(app, client, make_staff):
    admin = make_staff("admin")
    token = csrf_token_from(client.get("/backoffice/login").get_data(as_text=True))
    client.post("/backoffice/login", data={"email": admin.email, "password": "correct-horse-battery-staple",
                                           "csrf_token": token})
    between = client.get_cookie("session").value
    from tests.helpers import enter_code

    assert enter_code(client, admin.email).status_code == 302
    attacker = app.test_client()
    attacker.set_cookie("session", between)
    assert attacker.get("/backoffice/").status_code == 302


def test_a_session_from_before_these_checks_counts_as_expired(client, make_staff):
    sign_in(client, make_staff("caseworker").email)
    with client.session_transaction() as session:
        del session["seen"]
    assert client.get("/backoffice/").status_code == 302


def test_security_headers(app, client, monkeypatch):
    for path in ("/de/", "/backoffice/login"):
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
        assert "img-src 'self' data:" in csp and "http" not in csp
        assert headers["X-Content-Type-Options"] == "nosniff" and headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] == "same-origin"
        assert "Strict-Transport-Security" not in headers
    monkeypatch.setitem(app.config, "ENV_NAME", "production")
    assert "max-age=" in client.get("/de/").headers["Strict-Transport-Security"]
