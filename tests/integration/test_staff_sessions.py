"""Staff sessions: they end after PORTAL_STAFF_IDLE_MINUTES without a request and after the
absolute lifetime however active, and a sign-in issues a new session (no fixation).
A clock of the test's own replaces the time: nothing sleeps. Changes to an account end all its
sessions, on every node."""
from urllib.parse import urlsplit

import pytest

from portal.models import AuditEvent
from tests.support.app_factory import override_settings
from tests.support.helpers import csrf_token_from, sign_in


class Clock:
    def __init__(self, start: float):
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, minutes: float) -> None:
        self.now += minutes * 60


@pytest.fixture
def clock(monkeypatch):
    from portal.backoffice import guard

    fake = Clock(1_800_000_000.0)
    monkeypatch.setattr(guard, "clock", fake)
    return fake


def test_a_session_ends_after_the_idle_minutes(app, client, make_staff, clock, db_session, monkeypatch):
    override_settings(monkeypatch, app, staff_idle_minutes=30)
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
    override_settings(monkeypatch, app, staff_idle_minutes=5)
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
    from tests.support.helpers import enter_code

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
    override_settings(monkeypatch, app, env="production")
    assert "max-age=" in client.get("/de/").headers["Strict-Transport-Security"]


# Ending sessions: sign-out, a new password, a reset second factor, a new role and deactivation end
# every session of the account on every node, copies of its cookie included (a per-account
# session generation in the database, compared on each request).
CASE_FILE = "/backoffice/casefiles/WZ-2022-00017"


@pytest.fixture(scope="module")
def second_node(app, test_environ):
    """Another app on the same database, as a second gunicorn node behind the proxy would be."""
    from tests.support.app_factory import app_for

    return app_for(test_environ)


def _with_second_factor(user, db_session):
    from portal.models._types import utcnow
    from tests.support.helpers import STAFF_TOTP_SECRET

    user.totp_secret, user.totp_enrolled_at = STAFF_TOTP_SECRET, utcnow()
    db_session.commit()


def _sign_out(app, user, own_client):
    page = own_client.get("/backoffice/").get_data(as_text=True)
    assert own_client.post("/backoffice/logout", data={"csrf_token": csrf_token_from(page)}).status_code == 302


def _cli(*args):
    def run(app, user, own_client):
        result = app.test_cli_runner().invoke(args=["users", *[a.format(email=user.email) for a in args]])
        assert result.exit_code == 0, result.output
    return run


def _admin_resets_second_factor(app, user, own_client):
    from portal.models import StaffUser

    admin = app.test_client()
    with app.app_context():
        from portal.extensions import db

        admin_email = db.session.query(StaffUser.email).filter_by(role="admin").scalar()
    assert sign_in(admin, admin_email).status_code == 302
    page = admin.get("/backoffice/admin/staff").get_data(as_text=True)
    response = admin.post(f"/backoffice/admin/staff/{user.id}/reset-two-factor", data={"csrf_token": csrf_token_from(page)})
    assert response.status_code == 302
    assert admin.get("/backoffice/admin/staff").status_code == 200, "the admin's own session goes on"


def _deactivate_and_activate_again(app, user, own_client):
    _cli("deactivate", "{email}")(app, user, own_client)
    _cli("activate", "{email}")(app, user, own_client)


ENDINGS = {
    "sign-out": (_sign_out, "logout"),
    "new password": (_cli("set-password", "{email}", "--password", "Lahnbrücke im Nebel 7"), "password_changed"),
    "second factor reset on the command line": (_cli("reset-totp", "{email}"), "totp_reset"),
    "second factor reset by an admin": (_admin_resets_second_factor, "totp_reset"),
    "new role": (_cli("set-role", "{email}", "team_lead"), "role_changed"),
    "deactivation": (_cli("deactivate", "{email}"), "account_deactivated"),
    "deactivation, then activated again": (_deactivate_and_activate_again, "account_deactivated"),
}


@pytest.mark.parametrize("ending", list(ENDINGS))
def test_a_change_to_the_account_ends_all_its_sessions(app, second_node, make_staff, case_files, db_session, ending):
    change, action = ENDINGS[ending]
    user, colleague = make_staff("caseworker"), make_staff("caseworker")
    make_staff("admin")
    _with_second_factor(user, db_session)
    here, there, colleagues = app.test_client(), second_node.test_client(), app.test_client()
    for client, person in ((here, user), (there, user), (colleagues, colleague)):
        assert sign_in(client, person.email).status_code == 302
        assert client.get(CASE_FILE).status_code == 200
    copied = here.get_cookie("session").value
    thief = app.test_client()
    thief.set_cookie("session", copied)
    assert thief.get(CASE_FILE).status_code == 200, "the copy works while the session lasts"

    change(app, user, here)

    for client in (thief, here, there):
        response = client.get(CASE_FILE)
        assert response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/backoffice/login", \
            (ending, client)
    assert colleagues.get(CASE_FILE).status_code == 200, "other accounts' sessions go on"
    db_session.expire_all()
    assert db_session.query(AuditEvent).filter_by(action=action, object_id=str(user.id)).count() == 1
    # The replayed copy is in the audit trail, under the account it belonged to.
    assert db_session.query(AuditEvent).filter_by(action="ended_session_refused",
                                                  staff_user_id=user.id).count() >= 1


def test_a_copy_replayed_after_sign_out_on_the_other_node(app, second_node, make_staff, case_files):
    """The cookie copied on node 1 is replayed on node 2 after the sign-out on node 1."""
    user = make_staff("caseworker")
    here = app.test_client()
    sign_in(here, user.email)
    thief = second_node.test_client()
    thief.set_cookie("session", here.get_cookie("session").value)
    assert thief.get(CASE_FILE).status_code == 200
    _sign_out(app, user, here)
    replayed = thief.get(CASE_FILE)
    assert replayed.status_code == 302 and urlsplit(replayed.headers["Location"]).path == "/backoffice/login"
    assert sign_in(here, user.email).status_code == 302 and here.get(CASE_FILE).status_code == 200, \
        "signing in again opens a new session"
    assert thief.get(CASE_FILE).status_code == 302, "and does not revive the copy"


def test_a_new_password_ends_the_half_sign_in_before_the_code(app, make_staff):
    import pyotp

    from tests.support.helpers import STAFF_TOTP_SECRET

    admin = make_staff("admin")
    client = app.test_client()
    token = csrf_token_from(client.get("/backoffice/login").get_data(as_text=True))
    client.post("/backoffice/login", data={"email": admin.email, "password": "correct-horse-battery-staple",
                                           "csrf_token": token})
    token = csrf_token_from(client.get("/backoffice/login/code").get_data(as_text=True))
    _cli("set-password", "{email}", "--password", "Lahnbrücke im Nebel 7")(app, admin, client)
    response = client.post("/backoffice/login/code", data={"code": pyotp.TOTP(STAFF_TOTP_SECRET).now(),
                                                           "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].endswith("/backoffice/login")
    assert client.get("/backoffice/").status_code == 302


def test_role_and_deactivation_on_the_command_line(app, make_staff, db_session):
    user = make_staff("caseworker")
    runner = app.test_cli_runner()
    assert "team_lead already" not in runner.invoke(args=["users", "set-role", user.email, "team_lead"]).output
    assert "team_lead already" in runner.invoke(args=["users", "set-role", user.email, "team_lead"]).output
    assert runner.invoke(args=["users", "set-role", user.email, "chief"]).exit_code != 0
    assert runner.invoke(args=["users", "deactivate", user.email]).exit_code == 0
    assert "locked" in runner.invoke(args=["users", "list"]).output
    assert sign_in(app.test_client(), user.email).status_code == 200, "a locked account cannot sign in"
    assert runner.invoke(args=["users", "activate", user.email]).exit_code == 0
    assert sign_in(app.test_client(), user.email).status_code == 302
    db_session.expire_all()
    changed = db_session.query(AuditEvent).filter_by(action="role_changed").one()
    assert changed.detail == {"email": user.email, "previous": "caseworker", "role": "team_lead",
                              "by": "command line"}
