"""The proof of work before a time is reserved (ALTCHA v1): challenges we make verify when
solved, and nothing else does; a used challenge is remembered."""
from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta, timezone

import altcha
import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.appointments import pow as proof_of_work
from portal.models import ProofOfWorkRedemption

SECRET = "unit-test-secret-key-that-is-long-enough-0123"
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc)


def _challenge(now=NOW, max_number=5_000, secret=SECRET) -> dict:
    return proof_of_work.create_challenge(secret, max_number=max_number, expiry_minutes=10, now=now)


def _payload(data: dict) -> str:
    return base64.b64encode(json.dumps(data).encode()).decode()


def _solved(challenge: dict) -> dict:
    """What the widget sends: the challenge with the number it found."""
    solution = altcha.solve_challenge_v1(challenge["challenge"], challenge["salt"], challenge["algorithm"],
                                         challenge["maxNumber"])
    assert solution is not None
    return {key: challenge[key] for key in ("algorithm", "challenge", "salt", "signature")} | {
        "number": solution.number, "took": 42}


def test_a_challenge_of_ours_solved_in_python_verifies():
    challenge = _challenge()
    assert challenge["algorithm"] == "SHA-256" and challenge["maxNumber"] == 5_000
    sent = _solved(challenge)
    verdict = proof_of_work.check_solution(_payload(sent), SECRET, NOW + timedelta(minutes=1))
    assert verdict.ok and verdict.reason == "ok"
    assert verdict.challenge == challenge["challenge"] and len(verdict.challenge) == 64
    assert verdict.expires_at == NOW + timedelta(minutes=10)


def test_the_python_package_verifies_our_solutions_too():
    """Same protocol as the package's v1 (and so the npm widget 2.x); signed with a key derived
    from SECRET_KEY, not with SECRET_KEY itself."""
    challenge = proof_of_work.create_challenge(SECRET, max_number=5_000, expiry_minutes=10)
    payload = _payload(_solved(challenge))
    assert altcha.verify_solution_v1(payload, proof_of_work.hmac_key(SECRET)) == (True, None)
    assert altcha.verify_solution_v1(payload, SECRET)[0] is False
    assert proof_of_work.hmac_key(SECRET) == proof_of_work.hmac_key(SECRET) != proof_of_work.hmac_key(SECRET + "x")


def test_the_expiry_is_in_the_signed_salt():
    salt = _challenge()["salt"]
    assert f"expires={int((NOW + timedelta(minutes=10)).timestamp())}" in salt


def test_each_challenge_is_new():
    first, second = _challenge(), _challenge()
    assert first["salt"] != second["salt"] and first["challenge"] != second["challenge"]


def _tampered(change) -> dict:
    sent = _solved(_challenge())
    change(sent)
    return sent


@pytest.mark.parametrize("change", [
    pytest.param(lambda s: s.update(number=s["number"] + 1), id="another number"),
    pytest.param(lambda s: s.update(salt=s["salt"].replace("expires=", "expires=9")), id="longer expiry"),
    pytest.param(lambda s: s.update(salt="0" + s["salt"]), id="another salt"),
    pytest.param(lambda s: s.update(signature="0" * 64), id="another signature"),
    pytest.param(lambda s: s.update(challenge="f" * 64), id="another challenge"),
    pytest.param(lambda s: s.update(algorithm="SHA-1"), id="another algorithm"),
    pytest.param(lambda s: s.update(number=str(s["number"])), id="number as text"),
    pytest.param(lambda s: s.update(number=float(s["number"])), id="number as float"),
    pytest.param(lambda s: s.pop("signature"), id="no signature"),
])
def test_a_tampered_solution_fails(change):
    verdict = proof_of_work.check_solution(_payload(_tampered(change)), SECRET, NOW)
    assert not verdict.ok and verdict.reason == "invalid"


def test_a_solution_signed_with_another_key_fails():
    sent = _solved(_challenge(secret="another-installation-secret-key-0123456789"))
    assert proof_of_work.check_solution(_payload(sent), SECRET, NOW).reason == "invalid"


def test_a_challenge_without_expiry_is_not_ours():
    key = proof_of_work.hmac_key(SECRET)
    challenge = altcha.create_challenge_v1(altcha.ChallengeOptionsV1(max_number=1_000, hmac_key=key)).to_dict()
    assert altcha.verify_solution_v1(_payload(_solved(challenge)), key) == (True, None)
    assert proof_of_work.check_solution(_payload(_solved(challenge)), SECRET, NOW).reason == "invalid"


def test_an_expired_solution_fails():
    sent = _payload(_solved(_challenge(now=NOW - timedelta(minutes=11))))
    verdict = proof_of_work.check_solution(sent, SECRET, NOW)
    assert not verdict.ok and verdict.reason == "expired"
    # valid up to the second before the expiry
    assert proof_of_work.check_solution(sent, SECRET, NOW - timedelta(minutes=1, seconds=1)).ok


@pytest.mark.parametrize("payload, reason", [
    (None, "missing"),
    ("", "missing"),
    ("not base64 at all!", "invalid"),
    (base64.b64encode(b"\xff\xfe").decode(), "invalid"),
    (base64.b64encode(b"{not json").decode(), "invalid"),
    (_payload([1, 2, 3]), "invalid"),
    (_payload(12), "invalid"),
    (_payload({"algorithm": "SHA-256", "challenge": "\u00e9" * 64, "number": 1, "salt": "s",
               "signature": "0" * 64}), "invalid"),
    (_payload({"algorithm": "SHA-256", "challenge": "0" * 64, "number": 1, "salt": "\ud800\u00e9",
               "signature": "0" * 64}), "invalid"),
    ("A" * 5000, "invalid"),
])
def test_garbage_fails_without_an_exception(payload, reason):
    assert proof_of_work.check_solution(payload, SECRET, NOW).reason == reason


@pytest.fixture
def session():
    engine = sa.create_engine("sqlite://")
    ProofOfWorkRedemption.__table__.create(engine)
    with Session(engine) as session:
        yield session
    engine.dispose()


def _count(session) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(ProofOfWorkRedemption))


def test_a_used_solution_is_refused_the_second_time(session):
    verdict = proof_of_work.check_solution(_payload(_solved(_challenge())), SECRET, NOW)
    assert proof_of_work.redeem(session, verdict.challenge, verdict.expires_at) is True
    session.commit()
    # still a valid solution by itself, but redeemed already
    assert proof_of_work.check_solution(_payload(_solved(_challenge())), SECRET, NOW).ok
    assert proof_of_work.redeem(session, verdict.challenge, verdict.expires_at) is False
    # the refused insert leaves the transaction usable
    assert proof_of_work.redeem(session, "a" * 64, verdict.expires_at) is True
    session.commit()
    assert _count(session) == 2


def test_expired_redemptions_are_forgotten(session):
    proof_of_work.redeem(session, "a" * 64, NOW - timedelta(minutes=1))
    proof_of_work.redeem(session, "b" * 64, NOW + timedelta(minutes=1))
    session.commit()
    assert proof_of_work.forget_expired(session, NOW) == 1
    session.commit()
    assert session.scalars(sa.select(ProofOfWorkRedemption.challenge_hash)).all() == ["b" * 64]


def test_messages_are_english_ids(babel_context):
    assert str(proof_of_work.NOT_SOLVED) == "Please wait until the check below is finished, then try again."
    assert str(proof_of_work.EXPIRED) == "The check has expired. Please try again."
    assert str(proof_of_work.ALREADY_USED) == "This check has already been used. Please try again."
