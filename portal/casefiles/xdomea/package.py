"""Reading an xdomea hand-over (`Abgabe.Abgabe.0401` in a ZIP) from another office, and checking
it whole before anything is filed: the ZIP (flat, no paths, no links, no bombs, nothing
encrypted), the message (well-formed, no DTD, valid against the official schema, the process id
in its file name), the file names (every file the message names is there, nothing else is), the
SHA-256 where the message gives one, and the person. Any problem refuses the package, with every
reason found. The documents' contents are checked by the intake (portal.intake.transfer), as
every channel's are."""
from __future__ import annotations

import hashlib
import re
import stat
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from lxml import etree

from portal.casefiles.xdomea import message as M
from portal.casefiles.xdomea.schema import InvalidXml, parse, problems, q
from portal.domain.dates import InvalidPartialDate, PartialDate

MESSAGE_SUFFIX = "_" + M.MESSAGE_NAMES[M.HAND_OVER] + ".xml"
MAX_ENTRIES = 20_000
MAX_TOTAL_BYTES = 20 * 1024 * 1024 * 1024
BOMB_RATIO = 200  # a file that unpacks to more than 200 times its packed size is refused
_NATIONALITY = re.compile(r"^[A-Z]{3}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_SPELLING_KINDS = {"passport", "earlier_passport", "birth_name", "script_original", "other"}


class PackageRefused(ValueError):
    """The package is not taken; `reasons` lists every problem found. `process_id` and
    `object_id` are known when the message could be read (for the 0402 answer)."""

    def __init__(self, reasons: list[str], *, process_id: str = "", object_id: str = "", sender: str = ""):
        super().__init__("; ".join(reasons[:5]))
        self.reasons = reasons
        self.process_id = process_id
        self.object_id = object_id
        self.sender = sender


@dataclass
class PackageFile:
    name: str  # the primary file's name in the package (<UUID>_<name>)
    original_name: str
    sha256: str = ""  # as the message declares it (checked against the file), "" if it gives none
    copy_of: str = ""  # the name of the file this one is a copy of (the portal's own packages)
    copy_reason: str = ""
    actual_sha256: str = ""


@dataclass
class PackageDocument:
    title: str
    kind: str
    document_date: date | None
    received_on: date | None
    source: str
    files: list[PackageFile]


@dataclass(frozen=True)
class PackagePerson:
    surname: str
    given_names: str = ""
    birth_name: str = ""
    date_of_birth: PartialDate = PartialDate(None)
    place_of_birth: str = ""
    nationality: str = ""
    site_code: str = ""
    spellings: tuple[tuple[str, str, str], ...] = ()  # (surname, given names, kind)


@dataclass(frozen=True)
class PackageNote:
    author: str
    at: datetime | None
    text: str


@dataclass
class Package:
    path: Path
    process_id: str
    object_id: str  # the Akte's ID
    file_number: str  # the sending office's (Kennzeichen)
    sender: str
    recipient: str
    person: PackagePerson
    documents: list[PackageDocument] = field(default_factory=list)
    notes: list[PackageNote] = field(default_factory=list)

    def read(self, name: str) -> bytes:
        with zipfile.ZipFile(self.path) as archive:
            return archive.read(name)


# -- the ZIP -----------------------------------------------------------------------------------

def _entry_problem(info: zipfile.ZipInfo, max_file_bytes: int) -> str | None:
    name = info.filename
    if info.is_dir() or "/" in name or "\\" in name or name in (".", "..") or re.match(r"^[A-Za-z]:", name):
        return f"{name!r}: a path, not a file name (xdomea packages are flat; paths are refused)"
    if _CONTROL.search(name):
        return f"{name!r}: control characters in the file name"
    if stat.S_ISLNK(info.external_attr >> 16):
        return f"{name!r}: a symbolic link"
    if info.flag_bits & 0x1:
        return f"{name!r}: encrypted"
    if info.file_size > max_file_bytes:
        return f"{name!r}: larger than {max_file_bytes // (1024 * 1024)} MB"
    if info.file_size > 10 * 1024 * 1024 and info.file_size > BOMB_RATIO * max(info.compress_size, 1):
        return f"{name!r}: unpacks to {info.file_size} bytes from {info.compress_size} (refused as a ZIP bomb)"
    return None


def _entries(path: Path, max_file_bytes: int) -> tuple[dict[str, zipfile.ZipInfo], list[str]]:
    """The package's files by name, and what is wrong with the ZIP (the message is read even so,
    to answer the sender)."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError) as error:
        raise PackageRefused([f"not a readable ZIP file ({error})"]) from None
    if len(infos) > MAX_ENTRIES:
        raise PackageRefused([f"more than {MAX_ENTRIES} files in the package"])
    reasons, entries = [], {}
    for info in infos:
        problem = _entry_problem(info, max_file_bytes)
        if problem:
            reasons.append(problem)
        elif info.filename in entries:
            reasons.append(f"{info.filename!r}: twice in the package")
        else:
            entries[info.filename] = info
    if sum(info.file_size for info in infos) > MAX_TOTAL_BYTES:
        reasons.append(f"the package unpacks to more than {MAX_TOTAL_BYTES // 1024 ** 3} GB")
    return entries, reasons


# -- the message -------------------------------------------------------------------------------

def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None


def _moment(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text) if text else None
    except ValueError:
        return None


def _documents(akte: etree._Element) -> list[etree._Element]:
    content = M.child(akte, "Akteninhalt")
    if content is None:
        return []
    return [element for element in content.iter(q("Dokument"), q("Anlage"))]


def _document(element: etree._Element) -> PackageDocument:
    versions = element.findall(q("Version"))
    files = []
    if versions:
        for fmt in versions[-1].findall(q("Format")):  # the latest version is the document
            primary = M.child(fmt, "Primaerdokument")
            files.append(PackageFile(name=M.text_of(primary, "Dateiname"),
                                     original_name=M.text_of(primary, "DateinameOriginal")))
    fields, _groups = M.extension_fields(element, M.DOCUMENT_EXTENSION)
    by_name = {f.name: f for f in files}
    source = ""
    for name, description, value in fields:
        target = by_name.get(description)
        if name == M.F_SOURCE:
            source = value
        elif target is not None and name == M.F_SHA256:
            target.sha256 = value.lower()
        elif target is not None and name == M.F_COPY_OF:
            target.copy_of = value
        elif target is not None and name == M.F_COPY_REASON:
            target.copy_reason = value
    return PackageDocument(
        title=M.text_of(element, "AllgemeineMetadaten", "Betreff"), kind=M.text_of(element, "Typ"),
        document_date=_day(M.text_of(element, "DatumDesSchreibens")),
        received_on=_day(M.text_of(element, "Posteingangsdatum")), source=source, files=files)


def _person(akte: etree._Element, reasons: list[str]) -> PackagePerson | None:
    fields, groups = M.extension_fields(akte, M.PERSON_EXTENSION)
    values = {name: value for name, _description, value in fields}
    contact = M.child(akte, "Kontakt")
    surname = values.get(M.F_SURNAME) or M.text_of(contact, "Name", "Familienname", "Name")
    given = values.get(M.F_GIVEN) if M.F_GIVEN in values else M.text_of(contact, "Name", "Vorname", "Name")
    born_text = values.get(M.F_BORN) or M.text_of(contact, "Geburt", "Datum")
    if not surname:
        reasons.append("the case file names no person (no surname in Kontakt or in the portal's person data)")
        return None
    try:
        born = PartialDate.parse(born_text) if born_text else PartialDate(None)
    except InvalidPartialDate:
        reasons.append(f"date of birth {born_text!r} is not a date")
        return None
    nationality = values.get(M.F_NATIONALITY, "").upper()
    if nationality and not _NATIONALITY.match(nationality):
        reasons.append(f"nationality {nationality!r} is not an ISO 3166 alpha-3 code")
        return None
    spellings = []
    for name, _description, group_fields in groups:
        if name != M.G_SPELLING:
            continue
        group = {field_name: value for field_name, _d, value in group_fields}
        kind = group.get(M.F_KIND) if group.get(M.F_KIND) in _SPELLING_KINDS else "other"
        if group.get(M.F_SURNAME):
            spellings.append((group[M.F_SURNAME][:200], group.get(M.F_GIVEN, "")[:200], kind))
    too_long = [n for n, v in (("surname", surname), ("given names", given or ""),
                               ("birth name", values.get(M.F_BIRTH_NAME, "")),
                               ("place of birth", values.get(M.F_PLACE, ""))) if len(v) > 200]
    if too_long:
        reasons.append(f"{', '.join(too_long)}: longer than 200 characters")
        return None
    return PackagePerson(surname=surname, given_names=given or "", birth_name=values.get(M.F_BIRTH_NAME, ""),
                         date_of_birth=born, place_of_birth=values.get(M.F_PLACE, ""), nationality=nationality,
                         site_code=values.get(M.F_SITE, ""), spellings=tuple(spellings))


def _notes(akte: etree._Element) -> list[PackageNote]:
    return [PackageNote(author=M.text_of(item, "Akteur"), at=_moment(M.text_of(item, "DatumUhrzeit")),
                        text=M.text_of(item, "Bemerkung"))
            for item in akte.findall(q("HistorienProtokollInformation"))
            if M.text_of(item, "Aktion") == M.NOTE_ACTION and M.text_of(item, "Bemerkung")]


def _digests(path: Path, package: Package, reasons: list[str]) -> None:
    """Read every file once: the ZIP's own checksum (CRC) and the declared SHA-256."""
    with zipfile.ZipFile(path) as archive:
        for document in package.documents:
            for item in document.files:
                digest = hashlib.sha256()
                try:
                    with archive.open(item.name) as fh:
                        for chunk in iter(lambda: fh.read(1024 * 1024), b""):
                            digest.update(chunk)
                except (zipfile.BadZipFile, OSError, EOFError) as error:
                    reasons.append(f"{item.name!r}: damaged in the ZIP ({error})")
                    continue
                item.actual_sha256 = digest.hexdigest()
                if item.sha256 and item.sha256 != item.actual_sha256:
                    reasons.append(f"{item.name!r}: SHA-256 is {item.actual_sha256}, the message says {item.sha256}")


def read_package(path: Path, *, max_file_bytes: int) -> Package:
    """The package, checked whole (PackageRefused with every reason otherwise)."""
    entries, zip_problems = _entries(path, max_file_bytes)
    messages = [name for name in entries if name.endswith(MESSAGE_SUFFIX)]
    if len(messages) != 1:
        raise PackageRefused(zip_problems + [
            f"the package must hold exactly one message *{MESSAGE_SUFFIX}, it holds {len(messages)}"])
    with zipfile.ZipFile(path) as archive:
        try:
            data = archive.read(messages[0])
        except (zipfile.BadZipFile, OSError) as error:
            raise PackageRefused([f"{messages[0]!r}: damaged in the ZIP ({error})"]) from None
    try:
        root = parse(data)
    except InvalidXml as error:
        raise PackageRefused(zip_problems + error.problems) from None
    process_id = M.text_of(root, "Kopf", "ProzessID")
    sender = M.text_of(root, "Kopf", "Absender", "Institution", "Name")
    akte = M.child(root, "Schriftgutobjekt", "Akte")
    object_id = M.text_of(akte, "Identifikation", "ID") if akte is not None else ""

    def refuse(reasons: list[str]):
        return PackageRefused(reasons, process_id=process_id, object_id=object_id, sender=sender)

    if zip_problems:
        raise refuse(zip_problems)
    if root.tag != q(M.MESSAGE_NAMES[M.HAND_OVER]):
        raise refuse([f"not an {M.MESSAGE_NAMES[M.HAND_OVER]} message ({etree.QName(root).localname})"])
    invalid = problems(root)
    if invalid:
        raise refuse(["the message is not valid against the xdomea 3.0.0 schema:", *invalid])
    reasons = []
    if messages[0] != process_id + MESSAGE_SUFFIX:
        reasons.append(f"the message's file name {messages[0]!r} does not begin with its process id {process_id}")
    objects = root.findall(q("Schriftgutobjekt"))
    if len(objects) != 1 or akte is None:
        raise refuse(reasons + ["the portal takes one case file (Akte) per message"])
    person = _person(akte, reasons)
    package = Package(path=path, process_id=process_id, object_id=object_id,
                      file_number=M.text_of(akte, "AllgemeineMetadaten", "Kennzeichen"), sender=sender,
                      recipient=M.text_of(root, "Kopf", "Empfaenger", "Institution", "Name"),
                      person=person, documents=[_document(d) for d in _documents(akte)], notes=_notes(akte))
    named = [item.name for document in package.documents for item in document.files]
    for document in package.documents:
        if not document.files:
            reasons.append(f"the document {document.title!r} has no file")
    for name in named:
        if name not in entries:
            reasons.append(f"{name!r}: named in the message, missing from the package")
    if len(set(named)) != len(named):
        reasons.append("a file is named by two documents")
    extra = sorted(set(entries) - set(named) - {messages[0]})
    if extra:
        reasons.append(f"files the message does not name: {', '.join(repr(n) for n in extra[:10])}")
    if reasons:
        raise refuse(reasons)
    _digests(path, package, reasons)
    if reasons:
        raise refuse(reasons)
    return package
