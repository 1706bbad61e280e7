"""One case file as an xdomea 3.0 hand-over (`Abgabe.Abgabe.0401`): the message and the files in
one ZIP, for the office the person moved to. The message is checked against the official schema
before anything is written; the export is in the audit trail, and it can mark the file as handed
over (moved away: the retention rules count from that day)."""
from __future__ import annotations

import re
import uuid
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from typing import BinaryIO

from lxml import etree
from sqlalchemy.orm import Session

from portal.audit import record
from portal.casefiles.retention import RULE_YEARS, effective_retention_until, mark_moved_away
from portal.casefiles.timeline import DOCUMENT, NOTE, TimelineEntry, timeline
from portal.casefiles.xdomea import message as M
from portal.casefiles.xdomea.schema import InvalidXml, parse, problems
from portal.documents.storage import DocumentStorage
from portal.domain.office_time import aware, local_date, to_office_time
from portal.models import CaseFile, Document, StaffUser
from portal.models._types import utcnow

_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:]+")


class ExportError(ValueError):
    """The file cannot be exported whole (a document's file is missing from storage)."""


@dataclass(frozen=True)
class ExportResult:
    process_id: str
    package_name: str  # what the standard calls the ZIP: <ProzessID>_Abgabe.Abgabe.0401.zip
    documents: int
    files: int
    handed_over: bool


def message_file_name(process_id: str, message_type: str) -> str:
    return f"{process_id}_{M.MESSAGE_NAMES[message_type]}.xml"


def primary_name(document: Document) -> str:
    """`<UUID>_<name>`: how xdomea names a primary file (unique in the package, the original
    name readable)."""
    name = _UNSAFE.sub("_", document.original_filename or f"dokument-{document.id}").strip(" .") or "dokument"
    return f"{uuid.uuid4()}_{name[-120:]}"


def _pdf_version(storage: DocumentStorage, document: Document) -> str:
    if document.media_type != "application/pdf":
        return ""
    with storage.open(document.sha256) as fh:
        head = fh.read(16)
    found = re.match(rb"%PDF-(\d\.\d)", head)
    return found.group(1).decode() if found else ""


@dataclass
class _Packed:
    document: Document
    name: str
    copy_of: str = ""  # name of the original this file is a copy of


def _format(version: etree._Element, storage: DocumentStorage, packed: _Packed) -> None:
    document = packed.document
    fmt = M.el(version, "Format")
    known = M.FILE_FORMATS.get(document.media_type)
    M.code(fmt, "Name", known or M.OTHER_FORMAT, list_uri=M.FILE_FORMAT_LIST, list_version=M.FILE_FORMAT_LIST_VERSION)
    if known is None:
        M.el(fmt, "SonstigerName", document.media_type)
    M.el(fmt, "Version", _pdf_version(storage, document))
    primary = M.el(fmt, "Primaerdokument")
    M.el(primary, "Dateiname", packed.name)
    if document.original_filename:
        M.el(primary, "DateinameOriginal", document.original_filename)
    M.el(primary, "DatumUhrzeit", M.stamp(to_office_time(document.received_at)))


def _document(content: etree._Element, storage: DocumentStorage, entry: TimelineEntry) -> list[_Packed]:
    shown, original = entry.document, entry.original
    files = [_Packed(original, primary_name(original)), _Packed(shown, "")] if original is not None \
        else [_Packed(shown, primary_name(shown))]
    if original is not None:
        files[1].name, files[1].copy_of = primary_name(shown), files[0].name
    first = files[0].document
    element = M.el(content, "Dokument")
    M.el(M.el(element, "Identifikation"), "ID", str(uuid.uuid4()))
    M.el(M.el(element, "AllgemeineMetadaten"), "Betreff", entry.title or first.kind)
    M.el(element, "Posteingangsdatum", M.day(local_date(aware(first.received_at))))
    if entry.dated_by_document:
        M.el(element, "DatumDesSchreibens", M.day(entry.day))
    M.el(element, "Typ", first.kind)
    version = M.el(element, "Version")
    M.el(version, "Nummer", "1")
    for packed in files:
        _format(version, storage, packed)
    fields = [(M.F_SOURCE, "", first.source)]
    for packed in files:
        fields.append((M.F_SHA256, packed.name, packed.document.sha256))
        if packed.copy_of:
            fields.append((M.F_COPY_OF, packed.name, packed.copy_of))
            fields.append((M.F_COPY_REASON, packed.name, packed.document.copy_reason or "image_to_pdf"))
    M.extension(element, M.DOCUMENT_EXTENSION, "Dokument (Ausländerbehörde)", fields)
    return files


def _person(akte: etree._Element, case_file: CaseFile) -> None:
    contact = M.el(akte, "Kontakt")
    name = M.el(contact, "Name")
    M.el(M.el(name, "Familienname"), "Name", case_file.surname)
    if case_file.given_names:
        M.el(M.el(name, "Vorname"), "Name", case_file.given_names)
    born = case_file.date_of_birth
    if born is not None and born.is_complete:
        M.el(M.el(contact, "Geburt"), "Datum", M.day(date(born.year, born.month, born.day)))


def _person_extension(akte: etree._Element, case_file: CaseFile) -> None:
    born = case_file.date_of_birth
    fields = [(M.F_SURNAME, "", case_file.surname), (M.F_GIVEN, "", case_file.given_names),
              (M.F_BIRTH_NAME, "", case_file.birth_name),
              (M.F_BORN, "JJJJ-MM-TT, 00 für einen unbekannten Tag oder Monat",
               born.iso() if born is not None else ""),
              (M.F_PLACE, "", case_file.place_of_birth), (M.F_NATIONALITY, "ISO 3166-1 alpha-3", case_file.nationality),
              (M.F_SITE, "", case_file.site.code), (M.F_STATUS, "", case_file.status)]
    if case_file.moved_away_on:
        fields.append((M.F_MOVED_AWAY, "", M.day(case_file.moved_away_on)))
    groups = [(M.G_SPELLING, "Bekannte Schreibweise des Namens",
               [(M.F_SURNAME, "", alias.surname), (M.F_GIVEN, "", alias.given_names), (M.F_KIND, "", alias.kind)])
              for alias in case_file.aliases]
    M.extension(akte, M.PERSON_EXTENSION, "Personendaten (Ausländerbehörde)", fields, groups)


def build_message(storage: DocumentStorage, case_file: CaseFile, entries: list[TimelineEntry], *, process_id: str,
                  office_name: str, recipient: str, now: datetime) -> tuple[etree._Element, list[_Packed]]:
    root = M.el(None, M.MESSAGE_NAMES[M.HAND_OVER])
    kopf = M.head(root, process_id=process_id, message_type=M.HAND_OVER, created=to_office_time(now),
                  sender=office_name, sender_unit=case_file.site.name, recipient=recipient)
    M.el(kopf, "Importbestaetigung", "1")
    M.el(kopf, "Empfangsbestaetigung", "0")
    akte = M.el(M.el(root, "Schriftgutobjekt"), "Akte")
    M.el(M.el(akte, "Identifikation"), "ID", str(uuid.uuid4()))
    general = M.el(akte, "AllgemeineMetadaten")
    # The standard's fields are German: what the receiving office's system shows.
    M.el(general, "Betreff", f"Ausländerakte {case_file.surname}, {case_file.given_names}".strip(", "))
    M.el(general, "Kennzeichen", case_file.file_number)
    M.code(general, "Medium", M.ELECTRONIC)
    retention_years, retention_until = RULE_YEARS.get(case_file.retention_rule), effective_retention_until(case_file)
    if retention_years or retention_until:
        archive = M.el(akte, "ArchivspezifischeMetadaten")
        if retention_years:
            M.el(M.el(archive, "Aufbewahrungsdauer"), "AnzahlJahre", str(retention_years))
        if retention_until:
            M.el(archive, "Aufbewahrungsende", M.day(retention_until))
    M.el(akte, "Typ", "Ausländerakte")
    days = [entry.day for entry in entries]
    period = M.el(akte, "Laufzeit")
    M.el(period, "Beginn", M.day(min(days + [local_date(aware(case_file.created_at))])))
    if case_file.moved_away_on:
        M.el(period, "Ende", M.day(case_file.moved_away_on))
    for entry in entries:
        if entry.kind == NOTE:
            note = M.el(akte, "HistorienProtokollInformation")
            M.el(note, "Akteur", entry.staff_name or "Sachbearbeitung")
            M.el(note, "DatumUhrzeit", M.stamp(to_office_time(entry.note.created_at)))
            M.el(note, "Bemerkung", entry.note.text)
            M.el(note, "Aktion", M.NOTE_ACTION)
    documents = [entry for entry in entries if entry.kind == DOCUMENT]
    packed: list[_Packed] = []
    if documents:
        content = M.el(akte, "Akteninhalt")
        for entry in documents:
            packed += _document(content, storage, entry)
    _person(akte, case_file)
    _person_extension(akte, case_file)
    return root, packed


def export_case_file(session: Session, storage: DocumentStorage, case_file: CaseFile, out: BinaryIO, *,
                     office_name: str, recipient: str = "", handed_over_on: date | None = None,
                     staff: StaffUser | None = None, client_address: str = "",
                     now: datetime | None = None) -> ExportResult:
    """Write the package to `out`; with `handed_over_on`, the file is marked as moved away on
    that day. Audited; the caller commits."""
    now = now or utcnow()
    entries = timeline(session, case_file)
    for entry in entries:
        if entry.kind == DOCUMENT:
            for document in (entry.document, entry.original):
                if document is not None and not storage.exists(document.sha256):
                    raise ExportError(f"the file of document {document.id} ({document.title}) is missing from "
                                      f"storage ({document.sha256})")
    process_id = str(uuid.uuid4())
    root, packed = build_message(storage, case_file, entries, process_id=process_id, office_name=office_name,
                                 recipient=recipient, now=now)
    data = M.serialise(root)
    found = problems(parse(data))
    if found:  # the portal's own message must be valid: a bug, not the user's problem
        raise InvalidXml(found)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as package:
        package.writestr(message_file_name(process_id, M.HAND_OVER), data)
        for item in packed:
            package.write(storage.path(item.document.sha256), item.name)
    document_count = sum(1 for entry in entries if entry.kind == DOCUMENT)
    record(session, "download", staff=staff, object_type="case_file", object_id=case_file.file_number,
           client_address=client_address,
           detail={"export": "xdomea", "message": M.MESSAGE_NAMES[M.HAND_OVER], "process_id": process_id,
                   "recipient": recipient, "documents": document_count, "files": len(packed)})
    if handed_over_on is not None:
        retention_until = mark_moved_away(case_file, handed_over_on)
        record(session, "change", staff=staff, object_type="case_file", object_id=case_file.file_number,
               client_address=client_address,
               detail={"handed_over_to": recipient, "moved_away_on": handed_over_on.isoformat(),
                       "retention_until": retention_until.isoformat() if retention_until else None,
                       "process_id": process_id})
    return ExportResult(process_id=process_id, package_name=f"{process_id}_{M.MESSAGE_NAMES[M.HAND_OVER]}.zip",
                        documents=document_count, files=len(packed), handed_over=handed_over_on is not None)
