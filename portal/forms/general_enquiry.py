"""General enquiry: free text and attachments, for anything not covered by another form."""
from flask_babel import lazy_gettext as _l

from portal.forms.common import contact_step, identity_step
from portal.forms.fields import TEXTAREA, FieldSpec
from portal.forms.spec import DocumentSlot, ServiceForm, StepSpec

CODE = "general-enquiry"

FORM = ServiceForm(
    code=CODE,
    version=1,
    steps=(
        identity_step(passport_required=False),
        contact_step(address_required=False),
        StepSpec(
            key="enquiry",
            title=_l("Your enquiry"),
            fields=(
                FieldSpec("file_number", _l("Your file number, if you know it"), required=False, max_length=40,
                          hint=_l("It is printed on letters from us.")),
                FieldSpec("subject", _l("Subject"), max_length=150),
                FieldSpec("message", _l("Your message"), kind=TEXTAREA, max_length=5000),
            ),
        ),
    ),
    documents=(DocumentSlot("attachment", _l("Attachments"), required=False, max_files=5),),
)
