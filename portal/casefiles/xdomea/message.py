"""Building blocks of the portal's xdomea messages: the head (Kopf), contacts, codes of the
xdomea code lists, and the application-specific extensions in which the portal says what the
standard has no element for (a date of birth with unknown parts, the SHA-256 of each file)."""
from __future__ import annotations

from datetime import date, datetime

from lxml import etree

from portal.casefiles.xdomea.schema import NS, q

PRODUCT = "E-Service-Portal der Ausländerbehörde"
PRODUCT_VERSION = "1.0"
# The 0401 and 0402 messages of the group "Abgabe durchführen" (code list Nachrichtentyp 2.0).
HAND_OVER, IMPORT_CONFIRMATION = "0401", "0402"
MESSAGE_NAMES = {HAND_OVER: "Abgabe.Abgabe.0401", IMPORT_CONFIRMATION: "Abgabe.ImportBestaetigen.0402"}
FILE_FORMAT_LIST = "urn:xoev-de:xdomea:codeliste:dateiformat"
FILE_FORMAT_LIST_VERSION = "1.0"
# Code list Dateiformat 1.0 (xdomea toolkit): the types the portal files; 100 "Sonstiges" else.
FILE_FORMATS = {"application/pdf": "018", "image/jpeg": "011", "image/png": "019", "image/tiff": "024"}
OTHER_FORMAT = "100"
ELECTRONIC = "001"  # code list Medium: the file exists in electronic form only

# The portal's extensions (AnwendungsspezifischeErweiterung): their ids and field names.
PERSON_EXTENSION = "urn:de:abh-portal:xdomea:person:1"
DOCUMENT_EXTENSION = "urn:de:abh-portal:xdomea:dokument:1"
F_SURNAME, F_GIVEN, F_BIRTH_NAME = "familienname", "vornamen", "geburtsname"
F_BORN, F_PLACE, F_NATIONALITY = "geburtsdatum", "geburtsort", "staatsangehoerigkeit"
F_SITE, F_STATUS, F_MOVED_AWAY = "standort", "status", "weggezogen_am"
G_SPELLING, F_KIND = "schreibweise", "art"
F_SHA256, F_COPY_OF, F_COPY_REASON, F_SOURCE = "sha256", "kopie_von", "kopiegrund", "eingangskanal"
NOTE_ACTION = "Vermerk"


def el(parent: etree._Element | None, name: str, text: str | None = None, **attributes) -> etree._Element:
    """An xdomea element (under `parent` if given), with text."""
    element = etree.Element(q(name), nsmap={"xdomea": NS}) if parent is None else etree.SubElement(parent, q(name))
    if text is not None:
        element.text = text
    for key, value in attributes.items():
        element.set(key, value)
    return element


def code(parent: etree._Element, name: str, value: str, *, list_uri: str | None = None,
         list_version: str | None = None, label: str | None = None) -> etree._Element:
    """A code of a code list: <name listURI=… listVersionID=…><code>…</code></name>."""
    attributes = {}
    if list_uri:
        attributes["listURI"] = list_uri
    if list_version:
        attributes["listVersionID"] = list_version
    element = el(parent, name, **attributes)
    etree.SubElement(element, "code").text = value  # unqualified, as xoev-code wants it
    if label:
        etree.SubElement(element, "name").text = label
    return element


def stamp(moment: datetime) -> str:
    return moment.replace(microsecond=0).isoformat()


def day(value: date) -> str:
    return value.isoformat()


def institution(parent: etree._Element, name: str, tag: str, unit: str = "") -> etree._Element:
    """A contact (Absender, Empfaenger) naming an authority and, optionally, its unit."""
    contact = el(parent, tag)
    organisation = el(contact, "Institution")
    el(organisation, "Name", name)
    if unit:
        el(el(contact, "Organisationseinheit"), "Name", unit)
    return contact


def head(root: etree._Element, *, process_id: str, message_type: str, created: datetime, sender: str,
         recipient: str, sender_unit: str = "") -> etree._Element:
    """The Kopf of a message (NkBasisType); the caller adds what the message type adds."""
    kopf = el(root, "Kopf")
    el(kopf, "ProzessID", process_id)
    code(kopf, "Nachrichtentyp", message_type)
    el(kopf, "Erstellungszeitpunkt", stamp(created))
    institution(kopf, sender, "Absender", sender_unit)
    institution(kopf, recipient or "unbekannt", "Empfaenger")
    system = el(kopf, "SendendesSystem")
    el(system, "Produktname", PRODUCT)
    el(system, "Version", PRODUCT_VERSION)
    return kopf


def extension(parent: etree._Element, kennung: str, name: str, fields: list[tuple[str, str, str]],
              groups: list[tuple[str, str, list[tuple[str, str, str]]]] = ()) -> etree._Element:
    """An AnwendungsspezifischeErweiterung: fields as (name, description, value); groups as
    (name, description, fields)."""
    element = el(parent, "AnwendungsspezifischeErweiterung")
    el(element, "Kennung", kennung)
    el(element, "Name", name)
    for group_name, description, group_fields in groups:
        group = el(element, "Feldgruppe")
        el(group, "Name", group_name)
        el(group, "Beschreibung", description)
        for field in group_fields:
            _field(group, *field)
    for field in fields:
        _field(element, *field)
    return element


def _field(parent: etree._Element, name: str, description: str, value: str) -> None:
    field = el(parent, "Feld")
    el(field, "Name", name)
    if description:
        el(field, "Beschreibung", description)
    el(field, "Wert", value)


# -- reading -----------------------------------------------------------------------------------

def child(element: etree._Element | None, *path: str) -> etree._Element | None:
    for name in path:
        if element is None:
            return None
        element = element.find(q(name))
    return element


def text_of(element: etree._Element | None, *path: str) -> str:
    found = child(element, *path)
    return (found.text or "").strip() if found is not None else ""


def code_of(element: etree._Element | None, *path: str) -> str:
    found = child(element, *path)
    if found is None:
        return ""
    value = found.find("code")
    return (value.text or "").strip() if value is not None else ""


def extension_fields(element: etree._Element, kennung: str) -> tuple[list[tuple[str, str, str]], list]:
    """The fields (name, description, value) and groups (name, description, fields) of the
    element's extension with that id; empty when it has none."""
    for ext in element.findall(q("AnwendungsspezifischeErweiterung")):
        if text_of(ext, "Kennung") != kennung:
            continue
        fields = [_read_field(f) for f in ext.findall(q("Feld"))]
        groups = [(text_of(g, "Name"), text_of(g, "Beschreibung"), [_read_field(f) for f in g.findall(q("Feld"))])
                  for g in ext.findall(q("Feldgruppe"))]
        return fields, groups
    return [], []


def _read_field(field: etree._Element) -> tuple[str, str, str]:
    return text_of(field, "Name"), text_of(field, "Beschreibung"), text_of(field, "Wert")


def serialise(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
