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
    needs_appointment: bool
    appointment_minutes: int
    # What to bring when the service has no online form (a form lists its own document slots).
    bring_along: tuple = ()
    # False for the office's own intake kinds (scanned paper files): never listed for applicants.
    offered_to_applicants: bool = True

    @property
    def form(self):
        from portal.forms.registry import form_for

        return form_for(self.code)

    @property
    def has_online_form(self) -> bool:
        return self.form is not None

    @property
    def form_version(self) -> int | None:
        return self.form.version if self.form else None

    def documents_needed(self) -> list[tuple[object, bool]]:
        """(what, required) for the service page."""
        if self.form:
            return [(slot.label, slot.required) for slot in self.form.documents]
        return [(item, True) for item in self.bring_along]


CATALOGUE: tuple[ServiceEntry, ...] = (
    ServiceEntry(
        code="temporary-protection",
        name_de="Aufenthaltserlaubnis zum vorübergehenden Schutz (§ 24 AufenthG)",
        title=_l("Residence permit for temporary protection (section 24 Residence Act)"),
        summary=_l("Apply for protection status if you fled the war in Ukraine."),
        audience=_l("For people who fled Ukraine and live in the district."),
        needs_appointment=True, appointment_minutes=30,
    ),
    ServiceEntry(
        code="permit-extension",
        name_de="Verlängerung der Aufenthaltserlaubnis",
        title=_l("Extension of a residence permit"),
        summary=_l("Apply in good time before your residence permit expires."),
        audience=_l("For people whose residence permit will expire soon."),
        needs_appointment=True, appointment_minutes=20,
    ),
    ServiceEntry(
        code="obligation-declaration",
        name_de="Verpflichtungserklärung für einen Besuch",
        title=_l("Formal obligation declaration for a visitor"),
        summary=_l("Declare that you will cover the costs of a visitor from abroad."),
        audience=_l("For people in the district who invite a guest who needs a visa."),
        needs_appointment=True, appointment_minutes=30,
    ),
    ServiceEntry(
        code="address-change",
        name_de="Adressänderung innerhalb des Kreises",
        title=_l("Change of address within the district"),
        summary=_l("Tell us your new address after a move within the district."),
        audience=_l("For people who have moved within the district."),
        needs_appointment=False, appointment_minutes=10,
    ),
    ServiceEntry(
        code="general-enquiry",
        name_de="Allgemeine Anfrage",
        title=_l("General enquiry"),
        summary=_l("Ask a question or send us documents."),
        audience=_l("For everyone whose matter is not listed here."),
        needs_appointment=False, appointment_minutes=10,
    ),
    ServiceEntry(
        code="card-collection",
        name_de="Abholung des elektronischen Aufenthaltstitels (eAT)",
        title=_l("Collection of your electronic residence title (eAT card)"),
        summary=_l("Book a time to collect your card once we have told you it is ready."),
        audience=_l("For people who have received a letter that their card is ready."),
        needs_appointment=True, appointment_minutes=10,
        bring_along=(_l("The letter saying that your card is ready"), _l("Your passport"),
                     _l("Your previous residence title or certificate, if you have one")),
    ),
    # Paper files from other municipalities, scanned and imported in batches (flask scans import).
    ServiceEntry(
        code="scanned-file",
        name_de="Gescannte Papierakte",
        title=_l("Scanned paper file"),
        summary=_l("Paper files scanned and imported by the office."),
        audience=_l("Used by the office only."),
        needs_appointment=False, appointment_minutes=10,
        offered_to_applicants=False,
    ),
    # Case files handed over by another office as xdomea packages (flask casefiles import-xdomea).
    ServiceEntry(
        code="transferred-file",
        name_de="Abgabe einer anderen Behörde",
        title=_l("Case file handed over by another office"),
        summary=_l("Case files another office handed over electronically when the person moved here."),
        audience=_l("Used by the office only."),
        needs_appointment=False, appointment_minutes=10,
        offered_to_applicants=False,
    ),
)

BY_CODE = {entry.code: entry for entry in CATALOGUE}
# What the public pages list and open.
PUBLIC_CATALOGUE = tuple(entry for entry in CATALOGUE if entry.offered_to_applicants)
PUBLIC_BY_CODE = {entry.code: entry for entry in PUBLIC_CATALOGUE}
