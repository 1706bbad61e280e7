"""Field definitions of the online forms and their server-side rules.

A field reads its raw input (strings from the browser, or from a filled PDF) and gives back
a normalised string value or an error message. Values are kept as strings so that a draft,
a submission, a fillable PDF and an e-mailed form all hold the same thing.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Callable, Mapping

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext

from portal.domain.dates import InvalidPartialDate, PartialDate
from portal.domain.digits import western_digits
from portal.forms import countries, district

TEXT, TEXTAREA, EMAIL, PHONE, DATE, BIRTH_DATE, COUNTRY, CHOICE, CHECKBOX, POSTCODE, PASSPORT, NUMBER = (
    "text", "textarea", "email", "tel", "date", "birth_date", "country", "choice", "checkbox",
    "postcode", "passport", "number")
# A country list that also offers "stateless" and "nationality unclear"; one choice of yes or no;
# several choices at once (stored as their values joined by commas).
NATIONALITY, YES_NO, CHECKBOXES = "nationality", "yes_no", "checkboxes"
KINDS = frozenset({TEXT, TEXTAREA, EMAIL, PHONE, DATE, BIRTH_DATE, COUNTRY, NATIONALITY, CHOICE, YES_NO, CHECKBOX,
                   CHECKBOXES, POSTCODE, PASSPORT, NUMBER})
COUNTRY_KINDS = frozenset({COUNTRY, NATIONALITY})
CHOICE_KINDS = frozenset({CHOICE, YES_NO})
YES_NO_CHOICES = (("yes", _l("Yes")), ("no", _l("No")))

REQUIRED = _l("This field is required.")
OUTSIDE_DISTRICT = _l("This postcode is not in the Lahn-Dill district. Please contact the office of your place of "
                      "residence.")
# Date messages name what is wrong and repeat the example of the date hints (macros/apply.html).
DATE_HINT = _l("For example 27 3 1987.")
BIRTH_DATE_HINT = _l("For example 27 3 1987. Leave day or month empty if unknown.")
NOT_A_DATE = _l("This is not a real date. Enter day, month and year as numbers, for example 27 3 1987.")
DATE_INCOMPLETE = _l("Enter day, month and year, for example 27 3 1987.")
DATE_NO_YEAR = _l("Enter the year, for example 27 3 1987.")
DATE_SHORT_YEAR = _l("Enter the year with 4 digits, for example 27 3 1987.")
DATE_DAY_WITHOUT_MONTH = _l("If you know the day, enter the month too, for example 27 3 1987.")
DATE_BEFORE_1900 = _l("The year is before 1900. Please check it, for example 27 3 1987.")
DATE_OTHER_CALENDAR = _l("This looks like a year of the Iranian or the Islamic calendar. Please enter the date "
                         "in the Gregorian calendar, as in your passport, for example 27 3 1987.")
BIRTH_DATE_IN_FUTURE = _l("The date of birth is in the future. Please check it, for example 27 3 1987.")
# Years of the Solar Hijri (Iranian) and lunar Hijri calendars that people alive today were born in.
OTHER_CALENDAR_YEARS = range(1300, 1500)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_PASSPORT = re.compile(r"^[A-Z0-9]{5,20}$")
_POSTCODE = re.compile(r"^\d{5}$")
# A whole number, bare or grouped in thousands with one kind of separator: 3100, 3.100, 3,100, 3 100.
_WHOLE_NUMBER = re.compile(r"^(?:[0-9]+|[0-9]{1,3}([., ])[0-9]{3}(?:\1[0-9]{3})*)$")
_PHONE = re.compile(r"^\+?[0-9 ()/-]{6,25}$")

Rule = Callable[[str, Mapping[str, str]], object | None]  # (value, all values) -> error or None


class FieldError(ValueError):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


@dataclass(frozen=True)
class FieldSpec:
    name: str  # stable: submissions, fillable PDFs and the e-mail intake use it
    label: object  # lazy string
    kind: str = TEXT
    required: bool = True
    hint: object | None = None
    choices: tuple[tuple[str, object], ...] = ()
    max_length: int = 200
    autocomplete: str | None = None
    rules: tuple[Rule, ...] = ()
    # From a definition (docs/forms.md): when the field is asked, its rules as data (checked once the
    # whole step has its values), how a choice is shown, whether a postcode must be in the district.
    show_if: Mapping | None = None
    checks: tuple[Mapping, ...] = ()
    display: str = "radio"
    district_check: bool = False

    @property
    def input_names(self) -> tuple[str, ...]:
        """The names of the HTML inputs (a date has three)."""
        if self.kind in (DATE, BIRTH_DATE):
            return (f"{self.name}-day", f"{self.name}-month", f"{self.name}-year")
        return (self.name,)

    def raw_from(self, form: Mapping[str, str]) -> str:
        """Collect this field's raw text from submitted inputs."""
        if self.kind in (DATE, BIRTH_DATE):
            day, month, year = (western_digits(str(form.get(n, ""))).strip() for n in self.input_names)
            if not (day or month or year):
                return ""
            return f"{year}-{month or 0:0>2}-{day or 0:0>2}" if _digits(year) else f"{year}|{month}|{day}"
        if self.kind == CHECKBOX:
            return "yes" if form.get(self.name) in ("yes", "on", "1", "true") else ""
        if self.kind == CHECKBOXES:
            # Ticked boxes from the browser; "a,b" from a stored value; one per line from a filled PDF.
            chosen = (form.getlist(self.name) if hasattr(form, "getlist")
                      else re.split(r"[,\n]", str(form.get(self.name, ""))))
            return ",".join(str(value).strip() for value in chosen if str(value).strip())
        return str(form.get(self.name, ""))

    @property
    def format_hint(self):
        """The example every date field shows (its errors repeat it)."""
        return {BIRTH_DATE: BIRTH_DATE_HINT, DATE: DATE_HINT}.get(self.kind)

    def clean(self, raw: str, values: Mapping[str, str]) -> str:
        """The normalised value, or FieldError. Digits of any script count as 0-9; a free text
        (text area) is kept as written."""
        text = _CONTROL.sub("", raw or "").strip()
        if self.kind != TEXTAREA:
            text = " ".join(western_digits(text).split())
        if not text:
            if self.required:
                raise FieldError(REQUIRED if self.kind != CHECKBOX else _l("Please confirm this."))
            return ""
        if len(text) > self.max_length:
            raise FieldError(lazy_ngettext("Use at most %(num)s character.", "Use at most %(num)s characters.",
                                           self.max_length))
        value = _CLEANERS.get(self.kind, _keep)(self, text)
        for rule in self.rules:
            error = rule(value, values)
            if error is not None:
                raise FieldError(error)
        return value


def _keep(field: FieldSpec, text: str) -> str:
    return text


def _email(field: FieldSpec, text: str) -> str:
    try:
        return validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError:
        raise FieldError(_l("Enter a valid e-mail address, like name@example.com.")) from None


def _phone(field: FieldSpec, text: str) -> str:
    if not _PHONE.match(text) or sum(ch.isdigit() for ch in text) < 6:
        raise FieldError(_l("Enter a phone number with digits only, like +49 6441 12345."))
    return text


def _digits(text: str) -> bool:
    """0-9 only (str.isdigit also takes ² and other digits int() refuses)."""
    return text.isascii() and text.isdigit()


def _date_parts(text: str) -> tuple[str, str, str]:
    """(day, month, year) as typed: `year|month|day` and `YYYY-MM-DD` from the three inputs,
    `DD.MM.YYYY` from a filled PDF, or a year alone."""
    if "|" in text:
        year, month, day = (text.split("|") + ["", ""])[:3]
    elif "." in text:
        day, month, year = (["", ""] + text.split("."))[-3:]
    else:
        year, month, day = (text.split("-") + ["", ""])[:3]
    return day.strip(), month.strip(), year.strip()


def _date(field: FieldSpec, text: str) -> str:
    day, month, year = _date_parts(text)
    if not year:
        raise FieldError(DATE_NO_YEAR)
    if not _digits(year) or not all(_digits(part) for part in (day, month) if part):
        raise FieldError(NOT_A_DATE)
    if len(year) != 4:
        raise FieldError(DATE_SHORT_YEAR)
    if int(year) in OTHER_CALENDAR_YEARS:
        raise FieldError(DATE_OTHER_CALENDAR)
    if int(year) < 1900:
        raise FieldError(DATE_BEFORE_1900)
    if int(day or 0) and not int(month or 0):
        raise FieldError(DATE_DAY_WITHOUT_MONTH)
    try:
        parsed = PartialDate.parse(text)
    except InvalidPartialDate:
        raise FieldError(NOT_A_DATE) from None
    if field.kind == DATE and not parsed.is_complete:
        raise FieldError(DATE_INCOMPLETE)
    # A birth date is in the future when even its earliest possible day is (unknown parts as 1).
    if field.kind == BIRTH_DATE and date(parsed.year, parsed.month or 1, parsed.day or 1) > date.today():
        raise FieldError(BIRTH_DATE_IN_FUTURE)
    return parsed.iso()


def _country(field: FieldSpec, text: str) -> str:
    code = text.upper()
    if not countries.is_known(code) or (field.kind == COUNTRY and code in countries.SPECIAL):
        raise FieldError(_l("Choose a country from the list."))
    return code


def _choice(field: FieldSpec, text: str) -> str:
    if text not in {value for value, _ in field.choices}:
        raise FieldError(_l("Choose one of the options."))
    return text


def _postcode(field: FieldSpec, text: str) -> str:
    if not _POSTCODE.match(text):
        raise FieldError(_l("Enter a postcode of 5 digits."))
    if field.district_check and not district.in_district(text):
        raise FieldError(OUTSIDE_DISTRICT)
    return text


def _checkboxes(field: FieldSpec, text: str) -> str:
    known = [value for value, _ in field.choices]
    chosen = set(text.split(","))
    if not chosen <= set(known):
        raise FieldError(_l("Choose one of the options."))
    return ",".join(value for value in known if value in chosen)  # in the form's order, each once


def _passport(field: FieldSpec, text: str) -> str:
    number = text.replace(" ", "").replace("-", "").upper()
    if not _PASSPORT.match(number):
        raise FieldError(_l("Enter the number as printed in the document: 5 to 20 letters and digits."))
    return number


def _number(field: FieldSpec, text: str) -> str:
    # Points, commas and spaces only as thousands separators, in groups of three ("3.100",
    # "3,100", "3 100"): "1500.50" or "1500,50" is a decimal, not 150050, and is refused.
    text = text.replace("\u00a0", " ").replace("\u202f", " ").strip()
    if not _WHOLE_NUMBER.match(text):
        raise FieldError(_l("Enter a whole number, like 1500."))
    digits = re.sub(r"[., ]", "", text)
    if len(digits) > 9:
        raise FieldError(_l("Enter a whole number, like 1500."))
    return str(int(digits))


_CLEANERS = {EMAIL: _email, PHONE: _phone, DATE: _date, BIRTH_DATE: _date, COUNTRY: _country, NATIONALITY: _country,
             CHOICE: _choice, YES_NO: _choice, CHECKBOXES: _checkboxes, POSTCODE: _postcode, PASSPORT: _passport,
             NUMBER: _number}


def as_date(value: str) -> date | None:
    """A complete ISO date value as a date (None for empty, partial or unreadable: a rule that
    compares with another field reads that field's raw input, whose own check reports it)."""
    if not value:
        return None
    try:
        parsed = PartialDate.parse(value)
    except InvalidPartialDate:
        return None
    return date(parsed.year, parsed.month, parsed.day) if parsed.is_complete else None


# Rules shared by several forms ---------------------------------------------------------

def not_in_future(value: str, values) -> object | None:
    day = as_date(value)
    return _l("The date must not be in the future.") if day and day > date.today() else None


def not_in_past(value: str, values) -> object | None:
    day = as_date(value)
    return _l("The date must not be in the past.") if day and day < date.today() else None


def after(other: str, message) -> Rule:
    def rule(value: str, values) -> object | None:
        mine, theirs = as_date(value), as_date(values.get(other, ""))
        return message if mine and theirs and mine <= theirs else None
    return rule
