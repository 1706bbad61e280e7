"""Rotating the secret key: with the old key in SECRET_KEY_FALLBACKS (PORTAL_SECRET_KEY_FALLBACKS),
booking links already mailed, staff sessions and sealed second factors keep working; new
signatures and seals use the new key; `users reseal-totp` and `check` tell when the old key can go."""
from sqlalchemy import select

from portal.staff import totp
from portal.appointments import links
from portal.config import secret_keys
from portal.extensions import get_storage
from portal.maintenance.check import check
from portal.models import Booking, StaffUser
from tests.support.helpers import STAFF_TOTP_SECRET, sign_in
from tests.support.booking_journey import book

NEW_KEY = "rotated-in-2026-" + "n" * 32


def _rotate(app, monkeypatch, keep_old: bool = True) -> str:
    old = app.config["SECRET_KEY"]
    monkeypatch.setitem(app.config, "SECRET_KEY", NEW_KEY)
    monkeypatch.setitem(app.config, "SECRET_KEY_FALLBACKS", [old] if keep_old else [])
    return old


def _admin_sealed_with(make_staff, db_session, key: str) -> StaffUser:
    admin = make_staff("admin")
    admin.totp_secret = totp.seal(STAFF_TOTP_SECRET, key)
    db_session.commit()
    return admin


def _second_factor_findings(db_session, app) -> list[str]:
    with app.app_context():
        report, _ = check(db_session, get_storage(), keys=secret_keys(app.config))
    return [f.detail for f in report.findings if f.kind == "second_factor_unreadable"]


def test_booking_links_mailed_before_a_rotation_work_while_the_old_key_is_a_fallback(
        app, client, db_session, bookable, monkeypatch):  # noqa: F811
    manage = book(client, db_session, bookable).split("?")[0]
    old = _rotate(app, monkeypatch)
    assert client.get(manage).status_code == 200

    booking = db_session.scalars(select(Booking)).one()
    fresh = links.make_token(secret_keys(app.config), booking, links.MANAGE)
    assert links.booking_from_token(db_session, [NEW_KEY], fresh, links.MANAGE).id == booking.id
    assert links.booking_from_token(db_session, [old], fresh, links.MANAGE) is None, "new links use the new key"

    monkeypatch.setitem(app.config, "SECRET_KEY_FALLBACKS", [])
    assert client.get(manage).status_code == 404, "the old key dropped: its links end"
    assert client.get(f"/tr/appointments/manage/{fresh}").status_code == 200


def test_staff_stay_signed_in_while_the_old_key_is_a_fallback(app, make_staff, monkeypatch):
    user = make_staff("caseworker")
    kept, dropped = app.test_client(), app.test_client()
    for client in (kept, dropped):
        assert sign_in(client, user.email).status_code == 302
    _rotate(app, monkeypatch)
    assert kept.get("/backoffice/").status_code == 200
    monkeypatch.setitem(app.config, "SECRET_KEY_FALLBACKS", [])
    # The first request after the rotation re-signed `kept`'s session with the new key.
    assert kept.get("/backoffice/").status_code == 200
    assert dropped.get("/backoffice/").status_code == 302, "a session signed only with the dropped key ends"


def test_second_factors_sealed_with_the_old_key_open_and_move_to_the_new_one(app, make_staff, db_session,
                                                                           monkeypatch):
    old = app.config["SECRET_KEY"]
    signing_in, waiting = (_admin_sealed_with(make_staff, db_session, old) for _ in range(2))
    _rotate(app, monkeypatch)
    assert _second_factor_findings(db_session, app) == []

    # A sign-in opens the old seal and seals the secret again with the new key.
    assert sign_in(app.test_client(), signing_in.email).headers["Location"].endswith("/backoffice/")
    db_session.expire_all()
    assert totp.sealed_with_current_key(db_session.get(StaffUser, signing_in.id).totp_secret, [NEW_KEY])
    assert not totp.sealed_with_current_key(db_session.get(StaffUser, waiting.id).totp_secret, [NEW_KEY])

    # Those who did not sign in meanwhile: the command seals theirs again, then the old key can go.
    result = app.test_cli_runner().invoke(args=["users", "reseal-totp"])
    assert result.exit_code == 0 and "sealed again with the current key: 1" in result.output, result.output
    db_session.expire_all()
    assert totp.unseal(db_session.get(StaffUser, waiting.id).totp_secret, [NEW_KEY]) == STAFF_TOTP_SECRET
    monkeypatch.setitem(app.config, "SECRET_KEY_FALLBACKS", [])
    assert _second_factor_findings(db_session, app) == []
    assert sign_in(app.test_client(), waiting.email).headers["Location"].endswith("/backoffice/")


def test_a_second_factor_no_configured_key_opens_is_reported(app, make_staff, db_session, monkeypatch):
    stranded = _admin_sealed_with(make_staff, db_session, app.config["SECRET_KEY"])
    _rotate(app, monkeypatch, keep_old=False)

    findings = _second_factor_findings(db_session, app)
    assert len(findings) == 1 and stranded.email in findings[0]
    result = app.test_cli_runner().invoke(args=["users", "reseal-totp"])
    assert result.exit_code == 1 and f"users reset-totp {stranded.email}" in result.output
    check_command = app.test_cli_runner().invoke(args=["check"])
    assert check_command.exit_code == 1 and "second_factor_unreadable" in check_command.output
    # The password alone does not get past the code step.
    response = sign_in(app.test_client(), stranded.email)
    assert response.status_code == 200 and "/backoffice/login/code" not in response.headers.get("Location", "")
