"""Extension of a residence permit."""
from flask_babel import lazy_gettext as _l

from portal.forms.common import (
    INCOME_SLOT, INSURANCE_SLOT, OTHER_SLOT, PASSPORT_SLOT, PHOTO_SLOT, RENTAL_SLOT, RESIDENCE_PERMIT_SLOT,
    contact_step, identity_step,
)
from portal.forms.fields import CHOICE, DATE, NUMBER, FieldSpec, not_in_past
from portal.forms.spec import DocumentSlot, ServiceForm, StepSpec

CODE = "permit-extension"

PURPOSES = (
    ("employment", _l("Work")),
    ("study", _l("Study or vocational training")),
    ("family", _l("Family reasons")),
    ("humanitarian", _l("Humanitarian reasons or protection")),
    ("other", _l("Other")),
)

FORM = ServiceForm(
    code=CODE,
    version=1,
    steps=(
        identity_step(extra=(
            FieldSpec("passport_valid_until", _l("Passport valid until"), kind=DATE, rules=(not_in_past,)),
        )),
        contact_step(),
        StepSpec(
            key="permit",
            title=_l("Your residence permit"),
            fields=(
                FieldSpec("permit_purpose", _l("Purpose of your current permit"), kind=CHOICE, choices=PURPOSES),
                FieldSpec("permit_valid_until", _l("Your current permit is valid until"), kind=DATE,
                          rules=(not_in_past,),
                          hint=_l("If it has already expired, please call us before you apply.")),
                FieldSpec("employer_or_school", _l("Employer, university or school"), required=False),
                FieldSpec("monthly_net_income", _l("Monthly net income in euros"), kind=NUMBER, required=False),
                FieldSpec("health_insurer", _l("Health insurance company")),
            ),
        ),
    ),
    documents=(
        PASSPORT_SLOT, PHOTO_SLOT, RESIDENCE_PERMIT_SLOT,
        DocumentSlot(INCOME_SLOT.key, INCOME_SLOT.label, INCOME_SLOT.hint, required=False),
        DocumentSlot(RENTAL_SLOT.key, RENTAL_SLOT.label, required=False),
        DocumentSlot(INSURANCE_SLOT.key, INSURANCE_SLOT.label, required=False),
        OTHER_SLOT,
    ),
)
