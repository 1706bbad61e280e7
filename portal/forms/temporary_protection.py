"""Residence permit for temporary protection (§ 24 AufenthG) for people who fled Ukraine."""
from datetime import date

from flask_babel import lazy_gettext as _l

from portal.forms.common import OTHER_SLOT, PASSPORT_SLOT, PHOTO_SLOT, REGISTRATION_SLOT, contact_step, identity_step
from portal.forms.fields import CHOICE, DATE, TEXTAREA, FieldSpec, as_date, not_in_future
from portal.forms.spec import ServiceForm, StepSpec

CODE = "temporary-protection"
WAR_BEGAN = date(2022, 2, 24)

STATUS_IN_UKRAINE = (
    ("citizen", _l("I am a Ukrainian citizen")),
    ("protected", _l("I had international protection in Ukraine")),
    ("permanent_residence", _l("I had a permanent residence permit in Ukraine")),
    ("family_member", _l("I am a family member of one of these persons")),
    ("other", _l("Other")),
)
YES_NO = (("yes", _l("Yes")), ("no", _l("No")))


def _lived_in_ukraine(values):
    if values.get("status_in_ukraine") != "other" and values.get("in_ukraine_on_24_feb") == "no":
        entered = as_date(values.get("entry_date", ""))
        if entered is None or entered >= WAR_BEGAN:
            return {"in_ukraine_on_24_feb": _l(
                "Temporary protection needs residence in Ukraine on 24 February 2022 or shortly before. "
                "Please explain your situation in the field for remarks.")} if not values.get("remarks") else {}
    return {}


FORM = ServiceForm(
    code=CODE,
    version=1,
    steps=(
        identity_step(passport_required=False),
        contact_step(),
        StepSpec(
            key="protection",
            title=_l("Your stay"),
            fields=(
                FieldSpec("status_in_ukraine", _l("Your status in Ukraine"), kind=CHOICE, choices=STATUS_IN_UKRAINE),
                FieldSpec("in_ukraine_on_24_feb", _l("Did you live in Ukraine on 24 February 2022?"), kind=CHOICE,
                          choices=YES_NO),
                FieldSpec("entry_date", _l("Date of entry into Germany"), kind=DATE, rules=(not_in_future,)),
                FieldSpec("family_members", _l("Family members who came with you"), kind=TEXTAREA, required=False,
                          max_length=2000, hint=_l("Names and dates of birth, one person per line.")),
                FieldSpec("other_eu_application", _l("Have you applied for protection in another EU country?"),
                          kind=CHOICE, choices=YES_NO),
                FieldSpec("remarks", _l("Remarks"), kind=TEXTAREA, required=False, max_length=2000),
            ),
            checks=(_lived_in_ukraine,),
        ),
    ),
    documents=(PASSPORT_SLOT, PHOTO_SLOT, REGISTRATION_SLOT, OTHER_SLOT),
)
