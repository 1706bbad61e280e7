"""The rules of each online form, without HTTP: what a caseworker needs is checked on entry."""
from datetime import date, timedelta

import pytest

from portal.forms.registry import current_forms
from portal.forms.spec import DOCUMENTS, REVIEW, DECLARATION
from tests.support import samples


def _stored(code: str) -> dict:
    """Every step of a sample application, cleaned as the server stores it (each step validated
    with the earlier steps' values; several values of a checkboxes field as the browser sends them)."""
    values = {}
    for key, data in samples.STEPS[code].items():
        cleaned, errors = current_forms()[code].step(key).validate(samples.form_data(data), values)
        assert not errors, (code, key, errors)
        values.update(cleaned)
    return values


@pytest.mark.parametrize("code", sorted(current_forms()))
def test_sample_applications_pass_every_rule(code):
    form = current_forms()[code]
    assert form.validate_all(_stored(code)) == {}
    assert form.step_keys[-3:] == (DOCUMENTS, REVIEW, DECLARATION)
    assert form.version >= 1


@pytest.mark.parametrize("code", sorted(current_forms()))
def test_samples_fill_the_steps_and_slots_asked_for_their_answers(code):
    """A sample has each step asked for its answers, in order, and a file for every required
    document slot asked for them (and for no slot that is not asked)."""
    form, values = current_forms()[code], _stored(code)
    assert list(samples.STEPS[code]) == [step.key for step in form.visible_steps(values)]
    asked = {slot.key for slot in form.documents_for(values)}
    assert {slot.key for slot in form.documents_for(values) if slot.required} <= set(samples.FILES[code]) <= asked
    assert all(len(files) <= form.slot(slot).max_files for slot, files in samples.FILES[code].items())


@pytest.mark.parametrize("code", sorted(current_forms()))
def test_field_names_are_unique_and_stable(code):
    names = [field.name for field in current_forms()[code].fields]
    assert len(names) == len(set(names))
    assert all(name.replace("_", "").isalnum() and name.islower() for name in names)
    assert {"surname", "given_names", "date_of_birth", "email"} <= set(names)


def _identity(**changes):
    return {**samples.IDENTITY_UKRAINIAN, **changes}


@pytest.mark.parametrize("changes, field", [
    ({"surname": ""}, "surname"),
    ({"date_of_birth-day": "31", "date_of_birth-month": "2", "date_of_birth-year": "1990"}, "date_of_birth"),
    ({"date_of_birth-day": "15", "date_of_birth-month": "", "date_of_birth-year": "1990"}, "date_of_birth"),
    ({"date_of_birth-year": str(date.today().year + 1), "date_of_birth-month": "1", "date_of_birth-day": "1"},
     "date_of_birth"),
    ({"nationality": "ZZZ"}, "nationality"),
    ({"passport_number": "FP/1234"}, "passport_number"),
    ({"surname": "x" * 201}, "surname"),
])
def test_identity_rules(changes, field):
    _, errors = current_forms()["temporary-protection"].step("identity").validate(_identity(**changes))
    assert set(errors) == {field}


def test_identity_cleaning():
    values, errors = current_forms()["permit-extension"].step("identity").validate(
        {**samples.STEPS["permit-extension"]["identity"], "passport_number": " n 012-3456 ",
         "surname": "  Al   Hassan ", "nationality": "syr"})
    assert not errors
    assert values["passport_number"] == "N0123456" and values["surname"] == "Al Hassan"
    assert values["nationality"] == "SYR" and values["date_of_birth"] == "1990-00-00"


def test_unknown_birth_day_and_month_are_accepted():
    values, errors = current_forms()["general-enquiry"].step("identity").validate(
        _identity(**{"date_of_birth-day": "", "date_of_birth-month": "", "date_of_birth-year": "1990"}))
    assert not errors and values["date_of_birth"] == "1990-00-00"


@pytest.mark.parametrize("changes, field", [
    ({"email": "olena@"}, "email"),
    ({"postcode": "60311"}, "postcode"),  # Frankfurt: not our district
    ({"postcode": "3557"}, "postcode"),
    ({"phone": "ring me"}, "phone"),
    ({"city": ""}, "city"),
])
def test_contact_rules(changes, field):
    _, errors = current_forms()["temporary-protection"].step("contact").validate({**samples.CONTACT_WETZLAR, **changes})
    assert set(errors) == {field}


def test_enquiry_needs_no_address():
    values, errors = current_forms()["general-enquiry"].step("contact").validate({"email": "A@Example.org"})
    assert not errors and values["email"] == "A@example.org"


def test_entry_date_cannot_be_in_the_future():
    tomorrow = date.today() + timedelta(days=1)
    data = {**samples.STEPS["temporary-protection"]["protection"], "entry_date-day": tomorrow.day,
            "entry_date-month": tomorrow.month, "entry_date-year": tomorrow.year}
    _, errors = current_forms()["temporary-protection"].step("protection").validate(data)
    assert set(errors) == {"entry_date"}


def test_protection_needs_residence_in_ukraine_or_an_explanation():
    step = current_forms()["temporary-protection"].step("protection")
    data = {**samples.STEPS["temporary-protection"]["protection"], "in_ukraine_on_24_feb": "no"}
    assert set(step.validate(data)[1]) == {"in_ukraine_on_24_feb"}
    explained = {**data, "remarks": "Ich war am 20.02.2022 zu einer Operation in Polen."}
    assert step.validate(explained)[1] == {}
    assert set(step.validate({**data, "status_in_ukraine": "sometimes"})[1]) == {"status_in_ukraine"}


def test_visit_must_end_after_it_starts_and_last_at_most_90_days():
    step = current_forms()["obligation-declaration"].step("visitor")
    visit = samples.STEPS["obligation-declaration"]["visitor"]
    start = date.today() + timedelta(days=30)

    def until(day):
        return {"visit_until-day": day.day, "visit_until-month": day.month, "visit_until-year": day.year}

    assert set(step.validate({**visit, **until(start - timedelta(days=1))})[1]) == {"visit_until"}
    assert set(step.validate({**visit, **until(start + timedelta(days=91))})[1]) == {"visit_until"}
    assert step.validate({**visit, **until(start + timedelta(days=90))})[1] == {}


def test_permit_must_still_be_valid():
    yesterday = date.today() - timedelta(days=1)
    data = {**samples.STEPS["permit-extension"]["permit"], "permit_valid_until-day": yesterday.day,
            "permit_valid_until-month": yesterday.month, "permit_valid_until-year": yesterday.year}
    assert set(current_forms()["permit-extension"].step("permit").validate(data)[1]) == {"permit_valid_until"}


def test_income_is_a_whole_number():
    step = current_forms()["obligation-declaration"].step("finances")
    values, errors = step.validate({"monthly_net_income": "3.100", "dependants": "2", "monthly_rent": "950"})
    assert not errors and values["monthly_net_income"] == "3100"
    assert set(step.validate({"monthly_net_income": "viel", "dependants": "2", "monthly_rent": "950"})[1]) == \
        {"monthly_net_income"}


@pytest.mark.parametrize("typed, stored", [("3100", "3100"), ("3.100", "3100"), ("3,100", "3100"), ("3 100", "3100"),
                                           ("1.250.000", "1250000"), ("۳٬۱۰۰", "3100"), ("٣١٠٠", "3100")])
def test_thousands_separators_are_read_as_such(typed, stored):
    step = current_forms()["obligation-declaration"].step("finances")
    values, errors = step.validate({"monthly_net_income": typed, "dependants": "2", "monthly_rent": "950"})
    assert not errors and values["monthly_net_income"] == stored


@pytest.mark.parametrize("typed", ["1500.50", "1500,50", "3.10", "31.00.0", "1,500.000", "12.3456", ".500"])
def test_a_decimal_is_refused_not_read_as_a_larger_whole_number(typed):
    # "1500.50" was stored as 150050 before: a hundred times the income that was meant.
    step = current_forms()["obligation-declaration"].step("finances")
    values, errors = step.validate({"monthly_net_income": typed, "dependants": "2", "monthly_rent": "950"})
    assert set(errors) == {"monthly_net_income"}


def test_address_change_postcodes():
    step = current_forms()["address-change"].step("move")
    data = samples.STEPS["address-change"]["move"]
    assert step.validate(data)[1] == {}
    assert set(step.validate({**data, "previous_postcode": "ABCDE"})[1]) == {"previous_postcode"}


def test_validate_all_catches_values_saved_with_errors():
    values = {**_stored("general-enquiry"), "email": "broken@", "surname": ""}
    assert set(current_forms()["general-enquiry"].validate_all(values)) == {"email", "surname"}


def test_control_characters_are_removed_and_text_kept_whole():
    step = current_forms()["general-enquiry"].step("enquiry")
    values, errors = step.validate({"subject": "Termin\x00\x07 bitte", "message": "Zeile 1\nZeile 2\x1b"})
    assert not errors and values["subject"] == "Termin bitte" and values["message"] == "Zeile 1\nZeile 2"


def test_a_date_rule_ignores_an_unreadable_other_field():
    """Found by the hostile-input fuzzing: a day input of "000" reached a rule that compares dates."""
    from portal.forms.fields import after, as_date

    assert as_date("2026-12-000") is None and as_date("2026|x|") is None
    assert after("visit_from", "end before start")("2026-12-24", {"visit_from": "2026-12-000"}) is None
