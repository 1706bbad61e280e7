"""Signed links in booking mails: confirm, and manage (cancel or move).

The signature (itsdangerous, keyed with the app's secret) covers the booking and its current
nonce, so a link stops working when the booking is moved and gets a new nonce. The functions take
the installation's keys, current last (`portal.config.secret_keys`): links in mails sent before a
rotation of the secret key keep working while the old key is among the fallbacks.
"""
from __future__ import annotations

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from portal.models import Booking

CONFIRM, MANAGE = "confirm", "manage"


def _serializer(keys: str | list[str], purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(keys, salt=f"booking-{purpose}")  # signs with the last key


def make_token(keys: str | list[str], booking: Booking, purpose: str) -> str:
    return _serializer(keys, purpose).dumps({"b": booking.id, "n": booking.token_hash[:16]})


def booking_from_token(session: Session, keys: str | list[str], token: str, purpose: str,
                       max_age: int | None = None) -> Booking | None:
    try:
        data = _serializer(keys, purpose).loads(token, max_age=max_age)
    except (BadSignature, SignatureExpired):
        return None
    if not isinstance(data, dict):
        return None
    booking = session.get(Booking, data.get("b")) if isinstance(data.get("b"), int) else None
    if booking is None or booking.token_hash[:16] != data.get("n"):
        return None
    return booking
