import pytest

from portal.accounts import AccountError, check_password_strength, hash_password


def test_hashes_are_argon2_and_salted():
    first, second = hash_password("a long pass phrase"), hash_password("a long pass phrase")
    assert first.startswith("$argon2id$") and first != second


@pytest.mark.parametrize("password", ["short", "aaaaaaaaaaaaaaaa", "abababababababab"])
def test_weak_passwords_are_refused(password):
    with pytest.raises(AccountError):
        check_password_strength(password)
