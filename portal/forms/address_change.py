"""Change of address within the district."""
from flask_babel import lazy_gettext as _l

from portal.forms.common import OTHER_SLOT, REGISTRATION_SLOT, contact_step, identity_step
from portal.forms.fields import DATE, POSTCODE, FieldSpec, not_in_future
from portal.forms.spec import ServiceForm, StepSpec

CODE = "address-change"

FORM = ServiceForm(
    code=CODE,
    version=1,
    steps=(
        identity_step(passport_required=False),
        contact_step(title=_l("Your new address")),
        StepSpec(
            key="move",
            title=_l("Your move"),
            fields=(
                FieldSpec("move_date", _l("Date of the move"), kind=DATE, rules=(not_in_future,),
                          hint=_l("Please register at the town hall first; then tell us.")),
                FieldSpec("previous_street", _l("Previous street and house number")),
                FieldSpec("previous_postcode", _l("Previous postcode"), kind=POSTCODE),
                FieldSpec("previous_city", _l("Previous town")),
            ),
        ),
    ),
    documents=(REGISTRATION_SLOT, OTHER_SLOT),
)
