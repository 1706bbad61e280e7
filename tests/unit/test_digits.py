"""Digits of every script are read as 0-9 in one place (portal.domain.digits), before any rule
checks a value; a Persian page shows Persian digits; date errors say what is wrong."""
from datetime import date

import pytest
from flask import Flask
from flask_babel import force_locale

from portal.domain.digits import local_digits, western_digits
from portal.forms.fields import (
    BIRTH_DATE, DATE, NUMBER, PHONE, POSTCODE, TEXTAREA, FieldError, FieldSpec,
)
from portal.forms.registry import current_forms
from portal.intake.references import InvalidReference, format_reference, hash_secret, parse_reference

PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


@pytest.mark.parametrize("typed, expected", [
    ("۳۵۶۸۳", "35683"), ("٣٥٥٧٦", "35576"), ("０６４４１", "06441"), ("35576", "35576"),
    ("+۴۹ ۶۴۴۱ ۱۲۳۴۵", "+49 6441 12345"), ("١٬٥٠٠", "1500"), ("", ""), ("Wetzlar", "Wetzlar"),
])
def test_every_script_gives_western_digits(typed, expected):
    assert western_digits(typed) == expected


def test_persian_pages_show_persian_digits_and_others_western():
    assert local_digits("24 مارس 2026", "fa") == "۲۴ مارس ۲۰۲۶"
    assert local_digits("24 مارس 2026", "ar") == "24 مارس 2026"
    assert local_digits("24. März 2026", "de") == "24. März 2026"


@pytest.mark.parametrize("kind, typed, stored", [
    (POSTCODE, "۳۵۶۸۳", "35683"),
    (PHONE, "۰۶۴۴۱ ۱۲۳۴۵۶", "06441 123456"),
    (PHONE, "+٤٩ ٦٤٤١ ١٢٣٤٥٦", "+49 6441 123456"),
    (NUMBER, "۲٫۳۵۰".replace("٫", "."), "2350"),
])
def test_numeric_fields_take_any_script(kind, typed, stored):
    assert FieldSpec("f", "F", kind=kind).clean(typed, {}) == stored


def test_a_persian_postcode_of_the_district_is_in_the_district():
    """۳۵۶۸۳ is Dillenburg: it must not send the resident to another office."""
    step = current_forms()["temporary-protection"].step("contact")
    values, errors = step.validate({"email": "maryam.rezaei@example.org", "phone": "۰۶۴۴۱ ۱۲۳۴۵۶",
                                    "street": "Wilhelmstraße ۷", "postcode": "۳۵۶۸۳", "city": "Dillenburg"})
    assert not errors, errors
    assert values["postcode"] == "35683" and values["street"] == "Wilhelmstraße 7"


def test_free_text_is_kept_as_written():
    assert FieldSpec("message", "M", kind=TEXTAREA, max_length=500).clean("اتاق ۱۲\nطبقه ۳", {}) == "اتاق ۱۲\nطبقه ۳"


def _date_error(kind, day, month, year):
    spec = FieldSpec("d", "D", kind=kind)
    raw = spec.raw_from({"d-day": day, "d-month": month, "d-year": year})
    try:
        return spec.clean(raw, {})
    except FieldError as exc:
        return FieldError(str(exc.message))


@pytest.mark.parametrize("day, month, year, stored", [
    ("۲۷", "۳", "۱۹۸۷", "1987-03-27"), ("٢", "١١", "١٩٧٩", "1979-11-02"), ("", "", "۱۹۹۰", "1990-00-00"),
])
def test_dates_in_persian_and_arabic_digits(day, month, year, stored):
    assert _date_error(BIRTH_DATE, day, month, year) == stored


@pytest.mark.parametrize("day, month, year, says", [
    ("31", "2", "1990", "This is not a real date."),
    ("27", "3", "۱۳۶۹", "Iranian or the Islamic calendar"),  # Solar Hijri
    ("1", "1", "1410", "Iranian or the Islamic calendar"),  # lunar Hijri
    ("1", "1", "1850", "before 1900"),
    ("1", "1", "87", "with 4 digits"),
    ("27", "", "1987", "enter the month too"),
    ("27", "3", "", "Enter the year"),
    ("x", "3", "1987", "This is not a real date."),
    ("27", "3", str(date.today().year + 1), "in the future"),
    ("", "", str(date.today().year + 1), "in the future"),
])
def test_date_errors_say_what_is_wrong_with_the_hints_example(day, month, year, says):
    spec = FieldSpec("d", "D", kind=BIRTH_DATE)
    error = _date_error(BIRTH_DATE, day, month, year)
    assert isinstance(error, FieldError), error
    assert says in str(error)
    assert "for example 27 3 1987" in str(error) and "27 3 1987" in str(spec.format_hint)


def test_a_date_that_needs_all_three_parts_says_so():
    assert "Enter day, month and year" in str(_date_error(DATE, "", "3", "2026"))


def test_references_and_status_codes_in_persian_digits():
    reference = format_reference(2026, 4711)
    assert parse_reference(reference.translate(PERSIAN)) == reference
    assert parse_reference(" abh ٢٠٢٦ ٠٠٤٧١١ " + reference[-1].translate(ARABIC_INDIC)) == reference
    with pytest.raises(InvalidReference):
        parse_reference(reference[:-1] + str((int(reference[-1]) + 1) % 10))
    assert hash_secret("K7QF-9XMA-2PLD") == hash_secret("K۷QF-۹XMA-۲PLD")


def test_a_persian_page_formats_numbers_and_dates_in_persian_digits():
    from portal import i18n
    from portal.i18n import clock, numberformat, partial_date

    app = Flask(__name__)
    i18n.init_app(app)
    with app.test_request_context("/"), force_locale("fa"):
        assert numberformat(12026) == "۱۲٬۰۲۶"
        assert partial_date("1987-03-00") == "مارس ۱۹۸۷"
        from datetime import time

        assert clock(time(9, 5)) == "۰۹:۰۵"
    with app.test_request_context("/"), force_locale("de"):
        assert numberformat(12026) == "12.026" and partial_date("1987-03-27") == "27. März 1987"
