"""Steps that most forms share: who the applicant is, and how to reach them."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.forms import district
from portal.forms.fields import (
    BIRTH_DATE, BIRTH_DATE_HINT, COUNTRY, EMAIL, PASSPORT, PHONE, POSTCODE, FieldSpec,
)
from portal.forms.spec import DocumentSlot, StepSpec


def _in_district(value: str, values) -> object | None:
    if value and not district.in_district(value):
        return _l("This postcode is not in the Lahn-Dill district. Please contact the office of your place of residence.")
    return None


def identity_step(*, passport_required: bool = True, extra: tuple[FieldSpec, ...] = ()) -> StepSpec:
    return StepSpec(
        key="identity",
        title=_l("About you"),
        intro=_l("Write your names as in your passport. If your passport shows only the year of birth, leave day and month empty."),
        fields=(
            FieldSpec("surname", _l("Surname"), autocomplete="family-name"),
            FieldSpec("given_names", _l("Given names"), autocomplete="given-name"),
            FieldSpec("birth_name", _l("Birth name, if different"), required=False),
            FieldSpec("date_of_birth", _l("Date of birth"), kind=BIRTH_DATE,
                      hint=BIRTH_DATE_HINT),
            FieldSpec("place_of_birth", _l("Place of birth")),
            FieldSpec("nationality", _l("Nationality"), kind=COUNTRY),
            FieldSpec("passport_number", _l("Passport or ID card number"), kind=PASSPORT,
                      required=passport_required,
                      hint=None if passport_required else _l("Leave empty if you have no passport.")),
        ) + extra,
    )


def contact_step(*, address_required: bool = True, title=None) -> StepSpec:
    fields = [
        FieldSpec("email", _l("E-mail address"), kind=EMAIL, max_length=254, autocomplete="email",
                  hint=_l("We send the receipt and news about your application to this address.")),
        FieldSpec("phone", _l("Phone number"), kind=PHONE, required=False, autocomplete="tel"),
    ]
    if address_required:
        fields += [
            FieldSpec("street", _l("Street and house number"), autocomplete="street-address"),
            FieldSpec("postcode", _l("Postcode"), kind=POSTCODE, autocomplete="postal-code",
                      rules=(_in_district,)),
            FieldSpec("city", _l("Town"), autocomplete="address-level2"),
        ]
    return StepSpec(key="contact", title=title or _l("How we reach you"), fields=tuple(fields))


PASSPORT_SLOT = DocumentSlot("passport", _l("Passport or ID card"),
                             _l("All pages with personal data, and pages with visas or stamps."))
PHOTO_SLOT = DocumentSlot("photo", _l("Biometric passport photo"),
                          _l("A recent photo, 35 by 45 millimetres, light background."), max_files=1)
REGISTRATION_SLOT = DocumentSlot("registration", _l("Registration certificate (Meldebescheinigung)"),
                                 _l("You get it from the town hall after registering your address."))
RESIDENCE_PERMIT_SLOT = DocumentSlot("residence_permit", _l("Current residence permit"),
                                     _l("Both sides of the card."))
INCOME_SLOT = DocumentSlot("income", _l("Proof of income"),
                           _l("Pay slips of the last three months, or a notice of benefits."))
RENTAL_SLOT = DocumentSlot("rental_contract", _l("Rental contract"))
INSURANCE_SLOT = DocumentSlot("health_insurance", _l("Proof of health insurance"))
OTHER_SLOT = DocumentSlot("other", _l("Other documents"), required=False, max_files=5)
