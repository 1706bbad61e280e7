"""The export of a whole case file as one PDF: the data for portal.pdf.case_file_export from
the file, its timeline (oldest first: the file read from its first page like a paper file),
the applications filed in it (their answers as caseworkers read them: German labels, the
values as given with a Latin form beside names and places, and their receipts among the
documents on the day they were received) and the document storage. The caller gives the
translated texts and a file to write to."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO
from typing import BinaryIO

from babel import dates

from portal.casefiles.person import Name, latin_beside, person_of
from portal.casefiles.timeline import DOCUMENT, NOTE, submissions_of, timeline
from portal.documents.storage import DocumentStorage
from portal.domain.office_time import OFFICE_TZ, local_date, to_office_time
from portal.models import CaseFile, Document, Submission
from portal.pdf.case_file_export import (
    NOT_PRINTABLE,
    CaseFileExport,
    ExportAnswer,
    ExportApplication,
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


def answers_of(submission: Submission) -> list[ExportAnswer]:
    """The answers as the back office shows them: German label, the value as given (a choice or
    a country by its German name), a Latin form beside names, places and addresses."""
    from portal.forms.display import ROMANISED_FIELDS, display_value, label_in
    from portal.forms.registry import submission_form

    form = submission_form(submission)
    answers = []
    for spec in form.fields if form else ():
        shown = display_value(spec, submission.field_values.get(spec.name, ""), "de")
        if not shown:
            continue
        latin = latin_beside(shown) if spec.name in ROMANISED_FIELDS else ""
        answers.append(ExportAnswer(label=label_in(spec.label, "de"), value=shown, latin=latin))
    return answers


def _receipt_opener(storage: DocumentStorage, submission: Submission):
    """The receipt PDF, or one made now from its HTML when the export comes before it was made."""
    pdf_digest, html_digest = submission.receipt_sha256, submission.receipt_html_sha256

    def opener():
        if pdf_digest:
            return storage.open(pdf_digest) if storage.exists(pdf_digest) else None
        if not storage.exists(html_digest):
            return None
        from portal.pdf.renderer import render_pdf

        return BytesIO(render_pdf(storage.read(html_digest).decode("utf-8")))
    return opener


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
    submissions = sorted(submissions_of(session, case_file), key=lambda s: (s.received_at, s.id))
    dated: list[tuple] = []  # (day, received, rank, document): documents and receipts in timeline order
    notes = []
    for entry in timeline(session, case_file, submissions):
        if entry.kind == DOCUMENT:
            opener, problem = _opener(storage, entry.document)
            dated.append((entry.day, entry.at, 0, ExportDocument(
                title=entry.title, day=dates.format_date(entry.day, "medium", locale=language),
                source=source_labels.get(entry.source, entry.source), open=opener, problem=problem,
                year=str(entry.day.year))))
        elif entry.kind == NOTE:
            heading = _when(entry.note.created_at, language) + (f" – {entry.staff_name}" if entry.staff_name else "")
            notes.append(ExportNote(heading=heading, text=entry.note.text))
    applications = []
    for submission in submissions:
        received = to_office_time(submission.received_at)
        day = local_date(submission.received_at)
        applications.append(ExportApplication(
            reference=submission.reference, service=submission.service.name_de,
            received=dates.format_date(day, "medium", locale=language),
            channel=source_labels.get(submission.channel, submission.channel), language=submission.language,
            answers=answers_of(submission)))
        if submission.receipt_sha256 or submission.receipt_html_sha256:
            # The receipt the applicant got, on the day it was issued, after that day's documents.
            dated.append((day, received, 1, ExportDocument(
                title=labels.receipt % {"reference": submission.reference},
                day=dates.format_date(day, "medium", locale=language),
                source=source_labels.get(submission.channel, submission.channel),
                open=_receipt_opener(storage, submission), year=str(day.year))))
    dated.sort(key=lambda item: item[:3])
    return CaseFileExport(office_name=office_name, file_number=case_file.file_number, person=rows, aliases=aliases,
                          exported=exported, documents=[item[3] for item in dated], notes=notes, labels=labels,
                          language=language, applications=applications)


def export_case_file(session, storage: DocumentStorage, case_file: CaseFile, out: BinaryIO, **texts) -> ExportResult:
    """Write the whole file as PDF to `out`; see build_export for the texts."""
    return write_case_file_pdf(build_export(session, storage, case_file, **texts), out)
