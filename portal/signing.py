"""The signed values of a request, the session cookie and the form token, in Flask's and
Flask-WTF's formats, at a fraction of the cost: each is made on every public page a new visitor
opens (cached pages included), and was a good part of what such a page costs.

- The signing serializer is made once per set of keys instead of twice per request.
- itsdangerous tries zlib on every payload, which costs about 0.1 ms (its 256 KB of work
  memory is returned to the system after each call); here it tries with a window sized for a
  cookie. The result is the same format: readable by stock Flask and Flask-WTF, and a payload
  zlib cannot shorten (a session of a few keys, a token) comes out byte for byte the same.
- Every new visitor who opens a page with the same notices gets the same session, and so, within
  one second (the cookie's time stamp), the same cookie: it is signed once per second.
"""
from __future__ import annotations

import hashlib
import os
import time
import zlib

from flask import Flask, current_app, g, session
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer
from itsdangerous.encoding import base64_decode, base64_encode, bytes_to_int
from itsdangerous.url_safe import URLSafeSerializerMixin

# A cookie holds at most 4 KB: a 4 KB window finds every repeat; 24 KB of work memory in all.
_WINDOW_BITS = 12
_MEMORY_LEVEL = 4


class _SmallZlib(URLSafeTimedSerializer):
    def dump_payload(self, obj) -> bytes:
        json = super(URLSafeSerializerMixin, self).dump_payload(obj)  # the JSON, before the mixin's zlib
        packer = zlib.compressobj(6, zlib.DEFLATED, _WINDOW_BITS, _MEMORY_LEVEL)
        compressed = packer.compress(json) + packer.flush()
        if len(compressed) < len(json) - 1:  # itsdangerous's rule
            return b"." + base64_encode(compressed)
        return base64_encode(json)


class _SessionSerializer(_SmallZlib):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._kept: tuple[int, dict] = (0, {})  # the second, and the cookies signed in it

    def dumps(self, obj, salt=None):
        key = _plain(obj) if salt is None else None
        if key is None:
            return super().dumps(obj, salt)
        second, kept = self._kept
        if second == int(time.time()) and key in kept:
            return kept[key]
        value = super().dumps(obj)
        stamped = bytes_to_int(base64_decode(value.rsplit(".", 2)[1]))  # the second it was signed in
        if second != stamped:
            kept = {}
            self._kept = (stamped, kept)
        if len(kept) < 64:
            kept[key] = value
        return value


def _plain(data: dict) -> tuple | None:
    """The session as a key, if it holds nothing but strings and lists of strings; None for other
    types, which could be equal yet signed differently (True and 1)."""
    items = []
    for name, value in data.items():
        if type(name) is not str:
            return None
        if type(value) is str:
            items.append((name, value))
        elif type(value) is list and all(type(item) is str for item in value):
            items.append((name, tuple(value)))
        else:
            return None
    return tuple(items)


class SessionCookies(SecureCookieSessionInterface):
    """Flask's signed cookie session with the serializer kept per set of keys (a key rotation
    changes SECRET_KEY_FALLBACKS, and tests change keys: a new set gets a new serializer)."""

    def __init__(self):
        self._serializers: dict[tuple, URLSafeTimedSerializer] = {}

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        if not app.secret_key:
            return None
        keys = (*(app.config["SECRET_KEY_FALLBACKS"] or ()), app.secret_key)  # current key last, as Flask
        found = self._serializers.get(keys)
        if found is None:
            found = _SessionSerializer(list(keys), salt=self.salt, serializer=self.serializer,
                               signer_kwargs={"key_derivation": self.key_derivation,
                                              "digest_method": self.digest_method})
            self._serializers = {**self._serializers, keys: found}  # replaced whole: readers never lock
        return found


_token_serializers: dict[str, URLSafeTimedSerializer] = {}


def form_token() -> str:
    """flask_wtf.csrf.generate_csrf() (same token, same session key, once per request), with
    the serializer kept per key. Validation stays Flask-WTF's own."""
    config = current_app.config
    field = config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    if field not in g:
        secret = config.get("WTF_CSRF_SECRET_KEY", current_app.secret_key)
        if secret is None or field is None:
            raise RuntimeError("A secret key is required to use CSRF.")
        serializer = _token_serializers.get(secret)
        if serializer is None:
            serializer = _token_serializers[secret] = _SmallZlib(secret, salt="wtf-csrf-token")
        if field not in session:
            session[field] = hashlib.sha1(os.urandom(64)).hexdigest()  # noqa: S324 - Flask-WTF's token, not a digest
        try:
            token = serializer.dumps(session[field])
        except TypeError:  # as Flask-WTF: a session value it cannot sign is replaced
            session[field] = hashlib.sha1(os.urandom(64)).hexdigest()  # noqa: S324
            token = serializer.dumps(session[field])
        setattr(g, field, token)
    return g.get(field)


def init_app(app: Flask) -> None:
    app.session_interface = SessionCookies()
