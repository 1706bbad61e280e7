import pytest

from portal.domain.dates import InvalidPartialDate, PartialDate


@pytest.mark.parametrize("text, expected", [
    ("00.03.1987", PartialDate(1987, 3)),
    ("00.00.1990", PartialDate(1990)),
    ("02.11.1979", PartialDate(1979, 11, 2)),
    ("1987-03-00", PartialDate(1987, 3)),
    ("1990-00-00", PartialDate(1990)),
    ("1990", PartialDate(1990)),
    (" 2.1.2001 ", PartialDate(2001, 1, 2)),
])
def test_parses_register_and_iso_notation(text, expected):
    assert PartialDate.parse(text) == expected


@pytest.mark.parametrize("text", ["31.02.1990", "15.00.1990", "00.13.1990", "1.1.90", "gestern", "", "1800-01-01"])
def test_refuses_impossible_dates(text):
    with pytest.raises(InvalidPartialDate):
        PartialDate.parse(text)


def test_formats_unknown_parts_as_zeros():
    assert PartialDate(1987, 3).german() == "00.03.1987"
    assert PartialDate(1990).iso() == "1990-00-00"
    assert PartialDate(None).german() == ""
    assert not PartialDate(1987, 3).is_complete


def test_unknown_parts_match_anything_known_parts_must_agree():
    assert PartialDate(1987, 3).could_be(PartialDate(1987, 3, 14))
    assert PartialDate(1990).could_be(PartialDate(1990, 7, 1))
    assert not PartialDate(1987, 3).could_be(PartialDate(1987, 4, 14))
    assert not PartialDate(1987, 3, 14).could_be(PartialDate(1987, 3, 15))
    assert not PartialDate(None).could_be(PartialDate(1990))
