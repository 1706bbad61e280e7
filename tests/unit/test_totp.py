"""Time-based one-time codes: the window of one step either side, input tolerance, the QR code."""
import base64

import pyotp
import pytest

from portal.staff import totp

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
NOW = 1_800_000_000.0  # a fixed moment, so that no test depends on the clock


def _code(offset_steps: int) -> str:
    return pyotp.TOTP(SECRET).at(NOW + offset_steps * 30)


@pytest.mark.parametrize("offset", [-1, 0, 1])
def test_codes_one_step_either_side_are_accepted(offset):
    assert totp.matching_step(SECRET, _code(offset), NOW) == totp.current_step(NOW) + offset


@pytest.mark.parametrize("offset", [-3, -2, 2, 3])
def test_older_or_later_codes_are_refused(offset):
    assert _code(offset) not in {_code(-1), _code(0), _code(1)}  # (a collision would make this moot)
    assert totp.matching_step(SECRET, _code(offset), NOW) is None


def test_a_step_already_used_is_refused():
    here = totp.current_step(NOW)
    assert totp.matching_step(SECRET, _code(0), NOW, after=here) is None
    assert totp.matching_step(SECRET, _code(1), NOW, after=here) == here + 1


@pytest.mark.parametrize("typed", [lambda c: c[:3] + " " + c[3:], lambda c: f" {c}\t"])
def test_spaces_as_apps_show_them_are_ignored(typed):
    assert totp.matching_step(SECRET, typed(_code(0)), NOW) == totp.current_step(NOW)


@pytest.mark.parametrize("typed", ["", "12345", "1234567", "abcdef", "١٢٣٤٥٦", None])
def test_anything_but_six_digits_is_refused(typed):
    assert totp.matching_step(SECRET, typed, NOW) is None


def test_new_secrets_are_random_base32_of_160_bits():
    first, second = totp.new_secret(), totp.new_secret()
    assert first != second and len(base64.b32decode(first)) == 20


def test_enrolment_material():
    uri = totp.provisioning_uri(SECRET, "anna@abh-test.example", "Ausländerbehörde Lahn-Dill")
    assert uri.startswith("otpauth://totp/") and f"secret={SECRET}" in uri and "issuer=Ausl" in uri
    assert totp.grouped(SECRET).split() == [SECRET[i:i + 4] for i in range(0, 32, 4)]
    qr = totp.qr_data_uri(uri)
    assert qr.startswith("data:image/svg+xml;base64,")
    svg = base64.b64decode(qr.split(",", 1)[1]).decode()
    assert "<svg" in svg and "<script" not in svg and svg.count("<rect") + svg.count("<path") > 50


def test_secrets_are_sealed_with_the_installation_key():
    from portal.staff.totp import UnreadableSecret, seal, unseal

    secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    sealed = seal(secret, "k" * 40)
    assert sealed != seal(secret, "k" * 40), "a fresh nonce each time"
    assert secret not in sealed and unseal(sealed, "k" * 40) == secret
    assert unseal(secret, "k" * 40) == secret  # stored before sealing existed
    with pytest.raises(UnreadableSecret):
        unseal(sealed, "another secret key, after a rotation")


def test_a_rotated_key_still_opens_until_it_is_dropped():
    from portal.staff.totp import UnreadableSecret, seal, sealed_with_current_key, unseal

    secret, old, new = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", "o" * 40, "n" * 40
    sealed = seal(secret, [old])
    assert unseal(sealed, [old, new]) == secret
    assert not sealed_with_current_key(sealed, [old, new]) and sealed_with_current_key(sealed, [new, old])
    resealed = seal(secret, [old, new])
    assert unseal(resealed, [new]) == secret, "sealing uses the current (last) key"
    assert not sealed_with_current_key(secret, [new]), "a plain secret is not sealed at all"
    with pytest.raises(UnreadableSecret):
        unseal(sealed, [new])
