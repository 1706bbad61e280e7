import pytest

from portal.staff.accounts import AccountError, check_password_strength, hash_password


def test_hashes_are_argon2_and_salted():
    first, second = hash_password("a long pass phrase"), hash_password("a long pass phrase")
    assert first.startswith("$argon2id$") and first != second


@pytest.mark.parametrize("password", ["short", "aaaaaaaaaaaaaaaa", "abababababababab"])
def test_weak_passwords_are_refused(password):
    with pytest.raises(AccountError):
        check_password_strength(password)


@pytest.mark.parametrize("password", ["password1234", "PASSWORD1234", "Qwertyuiop12", "1qaz2wsx3edc",
                                      "Sunshine2026!!", "!!iloveyou1234", "qwerty123456"])
def test_common_passwords_are_refused_whatever_their_case_or_digits_around(password):
    with pytest.raises(AccountError, match="common"):
        check_password_strength(password)


def test_the_common_list_is_the_packaged_corpus():
    from portal.staff.accounts import common_passwords

    words = common_passwords()
    assert len(words) >= 10_000 and {"123456", "password", "qwerty", "dragon"} <= words
    assert all(word == word.lower() for word in words)


@pytest.mark.parametrize("password, person", [
    ("thomas.weber2026", {"email": "Thomas.Weber@abh-demo.example"}),
    ("Thomas Weber!!", {"full_name": "Thomas Weber"}),
    ("weber-thomas-2026", {"full_name": "Thomas Weber"}),
    ("Олександр Шевченко", {"full_name": "Олександр Шевченко"}),
    ("Ausländerbehörde Lahn-Dill", {"office_name": "Ausländerbehörde Lahn-Dill"}),
    ("auslaenderbehoerdelahndill".replace("ae", "ä").replace("oe", "ö"), {"office_name": "Ausländerbehörde Lahn-Dill"}),
])
def test_own_name_e_mail_and_office_name_are_refused(password, person):
    with pytest.raises(AccountError, match="name"):
        check_password_strength(password, **person)


@pytest.mark.parametrize("password", ["correct-horse-battery-staple", "demo-Administration-2026",
                                      "Wetzlar liegt an der Lahn 1987", "x9#kQ2!m8@q7$z"])
def test_good_passwords_pass(password):
    check_password_strength(password, email="thomas.weber@abh-demo.example", full_name="Thomas Weber",
                            office_name="Ausländerbehörde Lahn-Dill")
