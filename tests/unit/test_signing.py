"""portal.signing makes the session cookie and the form token as Flask and Flask-WTF do, only
cheaper: what it signs, stock Flask and Flask-WTF read, and the other way round."""
from __future__ import annotations

import pytest
from flask import Flask, session
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFProtect, generate_csrf, validate_csrf
from itsdangerous import BadSignature

from portal import signing


@pytest.fixture
def signing_app():
    app = Flask(__name__)
    app.config.update(SECRET_KEY="k" * 48, SECRET_KEY_FALLBACKS=["o" * 48])
    CSRFProtect(app)
    signing.init_app(app)
    return app


@pytest.fixture
def frozen(monkeypatch):
    """Both signers read the same second (itsdangerous stamps each value with it)."""
    import itsdangerous.timed

    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: 1_800_000_000.25)


def test_a_session_zlib_cannot_shorten_is_the_cookie_flask_makes(signing_app, frozen):
    data = {"csrf_token": "e2b4e81963361d08deccad7b4f16229585dcf26b", "seen_notices": ["8.1"]}
    ours = signing_app.session_interface.get_signing_serializer(signing_app)
    stock = SecureCookieSessionInterface().get_signing_serializer(signing_app)
    assert ours.dumps(data) == stock.dumps(data)


def test_a_long_session_is_compressed_and_read_by_flask(signing_app):
    data = {"seen_notices": [f"notice-{n}" for n in range(60)]}
    cookie = signing_app.session_interface.get_signing_serializer(signing_app).dumps(data)
    assert cookie.startswith(".")  # compressed, as itsdangerous marks it
    assert SecureCookieSessionInterface().get_signing_serializer(signing_app).loads(cookie) == data


def test_flask_cookies_and_keys_being_rotated_out_are_read(signing_app):
    stock = SecureCookieSessionInterface().get_signing_serializer(signing_app)
    assert signing_app.session_interface.get_signing_serializer(signing_app).loads(stock.dumps({"a": 1})) == {"a": 1}
    old = Flask(__name__)
    old.config.update(SECRET_KEY="o" * 48, SECRET_KEY_FALLBACKS=[])
    signed_before = SecureCookieSessionInterface().get_signing_serializer(old).dumps({"b": 2})
    assert signing_app.session_interface.get_signing_serializer(signing_app).loads(signed_before) == {"b": 2}
    signing_app.config["SECRET_KEY_FALLBACKS"] = []  # the rotation ends: the old key is no longer taken
    with pytest.raises(BadSignature):
        signing_app.session_interface.get_signing_serializer(signing_app).loads(signed_before)


def test_the_form_token_is_flask_wtfs_and_validates(signing_app, frozen):
    with signing_app.test_request_context():
        token = signing.form_token()
        assert signing.form_token() == token  # once per request
        validate_csrf(token)
        raw = session["csrf_token"]
    with signing_app.test_request_context():
        session["csrf_token"] = raw
        assert generate_csrf() == token


def test_a_session_signed_again_within_its_second_is_the_cookie_signed_then(signing_app, monkeypatch):
    import itsdangerous.timed

    clock = [1_800_000_000.1]
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: clock[0])
    ours = signing_app.session_interface.get_signing_serializer(signing_app)
    stock = SecureCookieSessionInterface().get_signing_serializer(signing_app)
    seen = {"seen_notices": ["8.1"]}
    first = ours.dumps(seen)
    clock[0] += 0.5
    assert ours.dumps({"seen_notices": ["8.1"]}) == first == stock.dumps(seen)
    assert ours.dumps({"seen_notices": ["8.2"]}) == stock.dumps({"seen_notices": ["8.2"]}) != first
    assert ours.dumps({"seen_notices": True}) == stock.dumps({"seen_notices": True})  # not kept: not text
    clock[0] += 0.5  # the next second: signed anew, with its time stamp
    assert ours.dumps(seen) == stock.dumps(seen) != first
    assert ours.loads(ours.dumps(seen), max_age=60) == seen
