"""What the office offers online: one entry per service.

The database row (models.Service) holds what an admin may change (appointment length,
active); the entry here holds the translated texts that applicants read.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class ServiceEntry:
    code: str
    name_de: str  # the office's own name, shown in the back office
    title: object  # lazy translated string
    summary: object
    audience: object
    has_online_form: bool
    needs_appointment: bool
    appointment_minutes: int
    form_version: int | None = None


CATALOGUE: tuple[ServiceEntry, ...] = (
    ServiceEntry(
        code="temporary-protection",
        name_de="Aufenthaltserlaubnis zum vorübergehenden Schutz (§ 24 AufenthG)",
        title=_l("Residence permit for temporary protection (section 24 Residence Act)"),
        summary=_l("Apply for protection status if you fled the war in Ukraine."),
        audience=_l("For people who fled Ukraine and live in the district."),
        has_online_form=True, needs_appointment=True, appointment_minutes=30, form_version=1,
    ),
    ServiceEntry(
        code="permit-extension",
        name_de="Verlängerung der Aufenthaltserlaubnis",
        title=_l("Extension of a residence permit"),
        summary=_l("Apply in good time before your residence permit expires."),
        audience=_l("For people whose residence permit will expire soon."),
        has_online_form=True, needs_appointment=True, appointment_minutes=20, form_version=1,
    ),
    ServiceEntry(
        code="obligation-declaration",
        name_de="Verpflichtungserklärung für einen Besuch",
        title=_l("Formal obligation declaration for a visitor"),
        summary=_l("Declare that you will cover the costs of a visitor from abroad."),
        audience=_l("For people in the district who invite a guest who needs a visa."),
        has_online_form=True, needs_appointment=True, appointment_minutes=30, form_version=1,
    ),
    ServiceEntry(
        code="address-change",
        name_de="Adressänderung innerhalb des Kreises",
        title=_l("Change of address within the district"),
        summary=_l("Tell us your new address after a move within the district."),
        audience=_l("For people who have moved within the district."),
        has_online_form=True, needs_appointment=False, appointment_minutes=10, form_version=1,
    ),
    ServiceEntry(
        code="general-enquiry",
        name_de="Allgemeine Anfrage",
        title=_l("General enquiry"),
        summary=_l("Ask a question or send us documents."),
        audience=_l("For everyone whose matter is not listed here."),
        has_online_form=True, needs_appointment=False, appointment_minutes=10, form_version=1,
    ),
    ServiceEntry(
        code="card-collection",
        name_de="Abholung des elektronischen Aufenthaltstitels (eAT)",
        title=_l("Collection of your electronic residence permit card"),
        summary=_l("Book a time to collect your card once we have told you it is ready."),
        audience=_l("For people who have received a letter that their card is ready."),
        has_online_form=False, needs_appointment=True, appointment_minutes=10,
    ),
)

BY_CODE = {entry.code: entry for entry in CATALOGUE}
