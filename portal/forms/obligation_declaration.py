"""Formal obligation declaration (Verpflichtungserklärung) for a visitor from abroad."""
from flask_babel import lazy_gettext as _l

from portal.forms.common import INCOME_SLOT, OTHER_SLOT, PASSPORT_SLOT, RENTAL_SLOT, contact_step, identity_step
from portal.forms.fields import BIRTH_DATE, COUNTRY, DATE, NUMBER, PASSPORT, FieldSpec, after, as_date, not_in_past
from portal.forms.spec import DocumentSlot, ServiceForm, StepSpec

CODE = "obligation-declaration"
MAX_VISIT_DAYS = 90


def _visit_length(values):
    start, end = as_date(values.get("visit_from", "")), as_date(values.get("visit_until", ""))
    if start and end and (end - start).days > MAX_VISIT_DAYS:
        return {"visit_until": _l("A visit with a visa may last at most 90 days.")}
    return {}


FORM = ServiceForm(
    code=CODE,
    version=1,
    steps=(
        identity_step(),
        contact_step(),
        StepSpec(
            key="visitor",
            title=_l("Your visitor"),
            intro=_l("Enter the details of the person you invite, as in their passport."),
            fields=(
                FieldSpec("visitor_surname", _l("Surname of the visitor")),
                FieldSpec("visitor_given_names", _l("Given names of the visitor")),
                FieldSpec("visitor_date_of_birth", _l("Date of birth of the visitor"), kind=BIRTH_DATE),
                FieldSpec("visitor_nationality", _l("Nationality of the visitor"), kind=COUNTRY),
                FieldSpec("visitor_passport_number", _l("Passport number of the visitor"), kind=PASSPORT),
                FieldSpec("relationship", _l("How are you related to the visitor?"),
                          hint=_l("For example: mother, brother, friend.")),
                FieldSpec("visit_from", _l("Visit from"), kind=DATE, rules=(not_in_past,)),
                FieldSpec("visit_until", _l("Visit until"), kind=DATE,
                          rules=(after("visit_from", _l("The end of the visit must be after its start.")),)),
            ),
            checks=(_visit_length,),
        ),
        StepSpec(
            key="finances",
            title=_l("Your income"),
            intro=_l("With the declaration you promise to pay for the visitor's stay. We check that you can."),
            fields=(
                FieldSpec("monthly_net_income", _l("Monthly net income in euros"), kind=NUMBER),
                FieldSpec("dependants", _l("Number of people you support"), kind=NUMBER,
                          hint=_l("Spouse, children and others who live on your income.")),
                FieldSpec("monthly_rent", _l("Monthly rent including heating in euros"), kind=NUMBER),
            ),
        ),
    ),
    documents=(
        DocumentSlot(PASSPORT_SLOT.key, _l("Your passport or residence title"), PASSPORT_SLOT.hint),
        INCOME_SLOT,
        RENTAL_SLOT,
        DocumentSlot("visitor_passport", _l("Copy of the visitor's passport"), required=False),
        OTHER_SLOT,
    ),
)
