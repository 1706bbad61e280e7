"""What the office offers online: one entry per service.

The database row (models.Service) holds what an admin may change (appointment length,
active); the entry here holds the translated texts that applicants read. A service with an online
form is described by its form's definition (docs/forms.md); the others are listed here.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from portal.forms.definitions.texts import localised


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

    def documents_needed(self) -> list[tuple[object, bool, bool]]:
        """(what, required, only in some cases) for the service page: a slot asked only with some
        answers (a marriage certificate for spouses) is needed only then."""
        if self.form:
            return [(slot.label, slot.required, slot.show_if is not None) for slot in self.form.documents]
        return [(item, True, False) for item in self.bring_along]


OTHER_SERVICES: tuple[ServiceEntry, ...] = (
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



def _form_entry(form) -> ServiceEntry:
    service = form.definition["service"]
    return ServiceEntry(
        code=form.code, name_de=service["name_de"], title=localised(service["title"]),
        summary=localised(service.get("summary")) or "", audience=localised(service.get("audience")) or "",
        needs_appointment=bool(service.get("needs_appointment")),
        appointment_minutes=int(service.get("appointment_minutes") or 10),
    )


def entries(public_only: bool = False) -> tuple[ServiceEntry, ...]:
    """Every service: those with an online form (from its newest published definition), then the
    others, in that order."""
    return _made(public_only)[0]


def _made(public_only: bool) -> tuple[tuple[ServiceEntry, ...], dict[str, ServiceEntry]]:
    """The entries and their index by code, made again only when the published forms change."""
    from portal.forms.registry import current_forms_view

    forms = current_forms_view()
    kept = _kept.get(public_only)
    if kept is not None and kept[0] is forms:
        return kept[1], kept[2]
    ordered = sorted(forms.values(), key=lambda f: (f.definition["service"].get("position", DEFAULT_POSITION), f.code))
    found = tuple(_form_entry(form) for form in ordered) + OTHER_SERVICES
    if public_only:
        found = tuple(e for e in found if e.offered_to_applicants)
    by_code = {entry.code: entry for entry in found}
    _kept[public_only] = (forms, found, by_code)  # holding `forms` keeps its identity unique while kept
    return found, by_code


DEFAULT_POSITION = 50
_kept: dict[bool, tuple[dict, tuple[ServiceEntry, ...], dict[str, ServiceEntry]]] = {}


class _Entries:
    """The catalogue as the pages read it, following the published forms (a publication adds or
    changes a service): iterate it, or look an entry up by code."""

    def __init__(self, public_only: bool):
        self.public_only = public_only

    def _by_code(self) -> dict[str, ServiceEntry]:
        return _made(self.public_only)[1]

    def __iter__(self):
        return iter(entries(self.public_only))

    def __len__(self) -> int:
        return len(entries(self.public_only))

    def __contains__(self, code) -> bool:
        return code in self._by_code()

    def __getitem__(self, code: str) -> ServiceEntry:
        return self._by_code()[code]

    def get(self, code: str, default=None):
        return self._by_code().get(code, default)

    def keys(self):
        return self._by_code().keys()

    def values(self):
        return entries(self.public_only)

    def items(self):
        return self._by_code().items()


CATALOGUE = BY_CODE = _Entries(public_only=False)
# What the public pages list and open.
PUBLIC_CATALOGUE = PUBLIC_BY_CODE = _Entries(public_only=True)
