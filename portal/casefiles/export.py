"""The export of a whole case file as one PDF: the data for portal.pdf.case_file_export from
the file, its timeline (oldest first: the file read from its first page like a paper file)
and the document storage. The caller gives the translated texts and a file to write to."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO
from typing import BinaryIO

from babel import dates

from portal.casefiles.person import Name, person_of
from portal.casefiles.timeline import DOCUMENT, NOTE, timeline
from portal.documents.storage import DocumentStorage
from portal.domain.office_time import OFFICE_TZ, to_office_time
from portal.models import CaseFile, Document
from portal.pdf.case_file_export import (
    NOT_PRINTABLE,
    CaseFileExport,
    ExportDocument,
    ExportLabels,
    ExportNote,
    ExportResult,
    write_case_file_pdf,
)

# Images are stored upright and checked at intake; older ones without a PDF made from them
# (e.g. from a scan batch) are turned into a page here.
_IMAGE_TYPES = {"image/jpeg", "image/png", "image/tiff", "image/gif", "image/webp"}


@dataclass
class PersonLabels:
    """Row labels of the cover sheet, in the language to print."""
    name: str = "Name"
    birth_name: str = "Birth name"
    date_of_birth: str = "Date of birth"
    place_of_birth: str = "Place of birth"
    nationality: str = "Nationality"
    site: str = "Site"
    status: str = "Status"


def _printed(name: Name) -> str:
    return f"{name.text} ({name.latin})" if name.latin else name.text


def _image_as_pdf(storage: DocumentStorage, sha256: str) -> BinaryIO:
    from PIL import Image

    from portal.documents.image_pdf import image_to_pdf

    with storage.open(sha256) as fh, Image.open(fh) as image:
        image.load()
        return BytesIO(image_to_pdf(image))


def _opener(storage: DocumentStorage, document: Document) -> tuple[Callable[[], BinaryIO | None] | None, str]:
    """How to open the document as PDF, or why it cannot be printed."""
    if not storage.exists(document.sha256):
        return None, ""
    digest = document.sha256
    if document.media_type == "application/pdf":
        return (lambda: storage.open(digest)), ""
    if document.media_type in _IMAGE_TYPES:
        return (lambda: _image_as_pdf(storage, digest)), ""
    return (lambda: None), NOT_PRINTABLE


def _when(moment: datetime, language: str) -> str:
    local = to_office_time(moment)
    return dates.format_datetime(local, "short", tzinfo=OFFICE_TZ, locale=language)


def build_export(session, storage: DocumentStorage, case_file: CaseFile, *, office_name: str, exported: str,
                 labels: ExportLabels, person_labels: PersonLabels, source_labels: dict[str, str],
                 status_label: str, language: str = "de") -> CaseFileExport:
    person = person_of(case_file)
    name = ", ".join(part for part in (_printed(person.surname), _printed(person.given_names)) if part)
    rows = [
        (person_labels.name, name),
        (person_labels.birth_name, _printed(person.birth_name)),
        (person_labels.date_of_birth, person.date_of_birth),
        (person_labels.place_of_birth, person.place_of_birth),
        (person_labels.nationality, person.nationality),
        (person_labels.site, case_file.site.name),
        (person_labels.status, status_label),
    ]
    aliases = [", ".join(part for part in (_printed(a.surname), _printed(a.given_names)) if part)
               for a in person.aliases]
    documents, notes = [], []
    for entry in timeline(session, case_file):
        if entry.kind == DOCUMENT:
            opener, problem = _opener(storage, entry.document)
            documents.append(ExportDocument(
                title=entry.title, day=dates.format_date(entry.day, "medium", locale=language),
                source=source_labels.get(entry.source, entry.source), open=opener, problem=problem))
        elif entry.kind == NOTE:
            heading = _when(entry.note.created_at, language) + (f" – {entry.staff_name}" if entry.staff_name else "")
            notes.append(ExportNote(heading=heading, text=entry.note.text))
    return CaseFileExport(office_name=office_name, file_number=case_file.file_number, person=rows, aliases=aliases,
                          exported=exported, documents=documents, notes=notes, labels=labels, language=language)


def export_case_file(session, storage: DocumentStorage, case_file: CaseFile, out: BinaryIO, **texts) -> ExportResult:
    """Write the whole file as PDF to `out`; see build_export for the texts."""
    return write_case_file_pdf(build_export(session, storage, case_file, **texts), out)
