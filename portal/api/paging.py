"""Opaque cursors: where a list or the change feed goes on, signed with the portal's key so
that a client can keep one but not forge or edit it (an edited cursor is a 400, not a guess
at someone else's data). Each kind of list signs with its own salt: a feed cursor does not
page a submission list."""
from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from portal.api.problems import Problem

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


def _serializer(kind: str) -> URLSafeSerializer:
    keys = [current_app.secret_key, *current_app.config.get("SECRET_KEY_FALLBACKS", [])]
    # The newest key signs; fallbacks still read cursors handed out before a key rotation.
    return URLSafeSerializer(list(reversed(keys)), salt=f"api-cursor:{kind}")


def encode(kind: str, position: dict) -> str:
    return _serializer(kind).dumps(position)


def decode(kind: str, cursor: str | None) -> dict | None:
    """The position a cursor names; None without one. Problem("invalid-request") if forged."""
    if not cursor:
        return None
    try:
        position = _serializer(kind).loads(cursor)
    except BadSignature:
        raise Problem("invalid-request", "The cursor is not one this API gave out.",
                      errors=[{"location": "query.after", "message": "not a cursor of this list"}]) from None
    if not isinstance(position, dict) or not all(isinstance(v, int) and v >= 0 for v in position.values()):
        raise Problem("invalid-request", "The cursor is not one this API gave out.")
    return position
