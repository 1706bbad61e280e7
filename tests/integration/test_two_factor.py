"""Second factor for staff: enrolment with QR code, the code after the password, single use,
wrong codes in the sign-in throttle, admins who must enrol, and the reset after a lost phone."""
import re

import pyotp
from sqlalchemy import select

from portal.models import AuditEvent, StaffUser
from tests.support.helpers import STAFF_PASSWORD, csrf_token_from, enter_code, sign_in


def _password_step(client, email, password=STAFF_PASSWORD):
    token = csrf_token_from(client.get("/backoffice/login").get_data(as_text=True))
    return client.post("/backoffice/login", data={"email": email, "password": password, "csrf_token": token})


def _post_code(client, code):
    token = csrf_token_from(client.get("/backoffice/login/code").get_data(as_text=True))
    return client.post("/backoffice/login/code", data={"code": code, "csrf_token": token})


def _enrol(client):
    page = client.get("/backoffice/account/two-factor").get_data(as_text=True)
    secret = re.search(r'id="two-factor-secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    response = client.post("/backoffice/account/two-factor", data={
        "code": pyotp.TOTP(secret).now(), "csrf_token": csrf_token_from(page)})
    return secret, page, response


def _fresh(db_session, user):
    db_session.expire_all()
    return db_session.get(StaffUser, user.id)


def _actions(db_session):
    db_session.expire_all()
    return [e.action for e in db_session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def test_enrolment_shows_qr_and_key_once_and_then_asks_for_the_code(app, client, make_staff, db_session):
    user = make_staff("caseworker")
    assert sign_in(client, user.email).headers["Location"].endswith("/backoffice/")
    secret, page, response = _enrol(client)
    assert 'src="data:image/svg+xml;base64,' in page and "<script" not in page
    assert response.status_code == 302 and _fresh(db_session, user).has_totp
    stored = _fresh(db_session, user).totp_secret
    assert stored != secret and secret not in stored, "stored sealed, not as the app shows it"
    from portal.staff.totp import unseal

    assert unseal(stored, app.config["SECRET_KEY"]) == secret
    again = client.get("/backoffice/account/two-factor").get_data(as_text=True)
    assert 'id="two-factor-on"' in again and secret not in again and secret[:4] not in again, "never shown again"
    assert "totp_enrol" in _actions(db_session)

    other = app.test_client()
    step = _password_step(other, user.email)
    assert step.status_code == 302 and step.headers["Location"].endswith("/backoffice/login/code")
    assert other.get("/backoffice/").status_code == 302, "the password alone does not sign in"
    # The code used for enrolment (and anything not from the app) does not sign in.
    assert _post_code(other, "000000").status_code == 200
    signed_in = enter_code(other, user.email, secret)
    assert signed_in.status_code == 302 and other.get("/backoffice/").status_code == 200


def test_a_code_is_single_use(app, client, make_staff, db_session):
    admin = make_staff("admin")
    from tests.support.helpers import STAFF_TOTP_SECRET

    code = pyotp.TOTP(STAFF_TOTP_SECRET).now()
    _password_step(client, admin.email)
    assert _post_code(client, code).status_code == 302
    thief = app.test_client()
    _password_step(thief, admin.email)
    refused = _post_code(thief, code)
    assert refused.status_code == 200 and "kern-error" in refused.get_data(as_text=True)
    assert thief.get("/backoffice/").status_code == 302
    failed = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "login_failed")).one()
    assert failed.detail == {"email": admin.email, "factor": "code"}


def test_wrong_codes_are_throttled_per_account(app, client, make_staff):
    admin, colleague = make_staff("admin"), make_staff("admin")
    assert _password_step(client, admin.email).status_code == 302
    statuses = [_post_code(client, f"{i:06d}").status_code for i in range(11)]
    assert statuses == [200] * 10 + [429]
    # Only someone who had the password reaches this budget, so it is a hard limit; the wrong
    # codes also count as failures of the account, whose password step now needs the proof of work.
    assert _password_step(app.test_client(), admin.email).status_code == 429
    assert sign_in(app.test_client(), colleague.email).status_code == 302, "other accounts go on"


def test_the_code_step_lapses(client, make_staff, monkeypatch):
    from portal.backoffice import guard
    from portal.backoffice.auth import PENDING_SECONDS

    admin = make_staff("admin")
    start = guard.clock()
    _password_step(client, admin.email)
    monkeypatch.setattr(guard, "clock", lambda: start + PENDING_SECONDS + 1)
    response = client.get("/backoffice/login/code")
    assert response.status_code == 302 and response.headers["Location"].endswith("/backoffice/login")
    assert client.get("/backoffice/login/code").headers["Location"].endswith("/backoffice/login")


def test_an_admin_without_second_factor_can_only_enrol(client, make_staff, db_session):
    admin = make_staff("admin")
    admin.totp_secret = admin.totp_enrolled_at = None
    db_session.commit()
    response = sign_in(client, admin.email)
    assert response.status_code == 302
    for path in ("/backoffice/", "/backoffice/admin/staff", "/backoffice/queue", "/backoffice/audit"):
        blocked = client.get(path)
        assert blocked.status_code == 302 and blocked.headers["Location"].endswith("/backoffice/account/two-factor"), path
    page = client.get("/backoffice/account/two-factor")
    assert page.status_code == 200 and 'id="two-factor-required"' in page.get_data(as_text=True)
    _enrol(client)
    assert client.get("/backoffice/admin/staff").status_code == 200


def test_an_admin_resets_the_second_factor_of_a_colleague(app, client, make_staff, db_session):
    colleague = make_staff("caseworker")
    colleague.totp_secret, colleague.totp_enrolled_at = pyotp.random_base32(), admin_time()
    db_session.commit()
    caseworker_client = app.test_client()
    sign_in(caseworker_client, make_staff("caseworker").email)
    token = csrf_token_from(caseworker_client.get("/backoffice/").get_data(as_text=True))
    assert caseworker_client.post(f"/backoffice/admin/staff/{colleague.id}/reset-two-factor",
                                  data={"csrf_token": token}).status_code == 403
    assert _fresh(db_session, colleague).has_totp

    admin = make_staff("admin")
    sign_in(client, admin.email)
    staff_page = client.get("/backoffice/admin/staff").get_data(as_text=True)
    assert f"/backoffice/admin/staff/{colleague.id}/reset-two-factor" in staff_page
    response = client.post(f"/backoffice/admin/staff/{colleague.id}/reset-two-factor",
                           data={"csrf_token": csrf_token_from(staff_page)})
    assert response.status_code == 302 and not _fresh(db_session, colleague).has_totp
    event = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "totp_reset")).one()
    assert (event.staff_user_id, event.object_id, event.detail["email"]) == (admin.id, str(colleague.id), colleague.email)
    # The colleague signs in with the password alone again.
    assert sign_in(app.test_client(), colleague.email).headers["Location"].endswith("/backoffice/")


def admin_time():
    from portal.models._types import utcnow

    return utcnow()


def test_reset_totp_on_the_command_line(app, make_staff, db_session):
    admin = make_staff("admin")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "reset-totp", admin.email.upper()])
    assert result.exit_code == 0, result.output
    assert not _fresh(db_session, admin).has_totp
    assert "totp_reset" in _actions(db_session)
    assert runner.invoke(args=["users", "reset-totp", "nobody@abh-test.example"]).exit_code != 0
    listed = runner.invoke(args=["users", "list"]).output
    assert admin.email in listed


def test_set_password_on_the_command_line_applies_the_rules(app, make_staff, db_session):
    user = make_staff("caseworker")
    runner = app.test_cli_runner()
    weak = runner.invoke(args=["users", "set-password", user.email, "--password", "Password2026!"])
    assert weak.exit_code != 0 and "common" in weak.output
    own = runner.invoke(args=["users", "set-password", user.email, "--password", user.email.split("@")[0]])
    assert own.exit_code != 0
    good = runner.invoke(args=["users", "set-password", user.email, "--password", "Lahnbrücke im Nebel 7"])
    assert good.exit_code == 0, good.output
    assert sign_in(app.test_client(), user.email, password="Lahnbrücke im Nebel 7").status_code == 302


def test_users_create_refuses_common_passwords(app, sites):
    result = app.test_cli_runner().invoke(args=[
        "users", "create", "--email", "neu@abh-test.example", "--role", "caseworker", "--site", "WZ",
        "--password", "qwertyuiop123"])
    assert result.exit_code != 0 and "common" in result.output


def test_demo_admin_signs_in_with_the_printed_key(app, db_session):
    from portal.demo import DEMO_ADMIN_TOTP_SECRET, DEMO_STAFF

    output = app.test_cli_runner().invoke(args=["seed-demo", "--case-files", "0"]).output
    assert DEMO_ADMIN_TOTP_SECRET in output
    email, password = next((e, p) for e, _, role, _, p in DEMO_STAFF if role == "admin")
    client = app.test_client()
    assert sign_in(client, email, password=password, totp_secret=DEMO_ADMIN_TOTP_SECRET).status_code == 302
    assert client.get("/backoffice/admin/staff").status_code == 200


def test_a_secret_stored_before_sealing_is_sealed_at_its_next_use(app, client, make_staff, db_session):
    from portal.staff.totp import unseal
    from tests.support.helpers import STAFF_TOTP_SECRET

    admin = make_staff("admin")  # the fixture stores the secret as older versions did, unsealed
    assert _fresh(db_session, admin).totp_secret == STAFF_TOTP_SECRET
    assert sign_in(client, admin.email).status_code == 302
    stored = _fresh(db_session, admin).totp_secret
    assert stored != STAFF_TOTP_SECRET and unseal(stored, app.config["SECRET_KEY"]) == STAFF_TOTP_SECRET
