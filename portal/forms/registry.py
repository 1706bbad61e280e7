"""The online forms by service code, each with its version."""
from __future__ import annotations

from portal.forms import (
    address_change, general_enquiry, obligation_declaration, permit_extension, temporary_protection,
)
from portal.forms.spec import ServiceForm

FORMS: dict[str, ServiceForm] = {
    module.FORM.code: module.FORM
    for module in (temporary_protection, permit_extension, obligation_declaration, address_change, general_enquiry)
}


def form_for(code: str) -> ServiceForm | None:
    return FORMS.get(code)
