"""The office's objects as the API shows them (portal.api.schemas): the one place that turns
rows into responses, so that a submission looks the same in a list, in the feed and alone."""
from __future__ import annotations

from flask import url_for

from portal.api import schemas as S
from portal.casefiles.timeline import DOCUMENT, NOTE, TimelineEntry
from portal.domain.dates import PartialDate
from portal.domain.office_time import aware
from portal.models import CaseFile, Document, Submission, SubmissionStatusChange


def partial(date_of_birth: PartialDate | None) -> str | None:
    return date_of_birth.iso() if date_of_birth is not None and not date_of_birth.is_unknown else None


def submission_summary(submission: Submission) -> S.SubmissionSummary:
    return S.SubmissionSummary(
        reference=submission.reference, status=submission.status, channel=submission.channel,
        service=submission.service.code, site=submission.site.code if submission.site is not None else None,
        case_file=submission.case_file.file_number if submission.case_file is not None else None,
        received_at=aware(submission.received_at), updated_at=aware(submission.updated_at),
        url=url_for("api.submission", reference=submission.reference, _external=True))


def document_out(document: Document) -> S.DocumentOut:
    return S.DocumentOut(
        id=document.id, title=document.title or document.original_filename, kind=document.kind,
        media_type=document.media_type, size_bytes=document.size_bytes, sha256=document.sha256,
        page_count=document.page_count, document_date=document.document_date,
        received_at=aware(document.received_at), source=document.source, original_id=document.derived_from_id,
        copy_reason=document.copy_reason,
        submission=document.submission.reference if document.submission is not None else None,
        case_file=document.case_file.file_number if document.case_file is not None else None,
        content_url=url_for("api.document_content", document_id=document.id, _external=True))


def _made_by(change: SubmissionStatusChange) -> str:
    if change.api_client_id is not None:
        return "api"
    return "staff" if change.staff_user_id is not None else "intake"


def submission_detail(submission: Submission, documents: list[Document]) -> S.SubmissionDetail:
    summary = submission_summary(submission)
    return S.SubmissionDetail(
        **summary.model_dump(), form_version=submission.form_version, language=submission.language,
        applicant=S.Applicant(surname=submission.applicant_surname, given_names=submission.applicant_given_names,
                              date_of_birth=partial(submission.applicant_date_of_birth),
                              email=submission.applicant_email),
        answers=dict(submission.field_values or {}),
        documents=[document_out(d) for d in documents],
        history=[S.HistoryEntry(status=c.status, at=aware(c.at), note=c.note or "", made_by=_made_by(c))
                 for c in sorted(submission.history, key=lambda c: (aware(c.at), c.id or 0))])


def case_file_out(case_file: CaseFile) -> S.CaseFileOut:
    return S.CaseFileOut(
        file_number=case_file.file_number, surname=case_file.surname, given_names=case_file.given_names,
        birth_name=case_file.birth_name, date_of_birth=partial(case_file.date_of_birth),
        place_of_birth=case_file.place_of_birth, nationality=case_file.nationality, site=case_file.site.code,
        status=case_file.status, moved_away_on=case_file.moved_away_on, retention_until=case_file.retention_until,
        created_at=aware(case_file.created_at), updated_at=aware(case_file.updated_at),
        spellings=[S.Spelling(surname=a.surname, given_names=a.given_names, kind=a.kind) for a in case_file.aliases],
        url=url_for("api.case_file", file_number=case_file.file_number, _external=True))


def timeline_entry(entry: TimelineEntry) -> S.TimelineEntry:
    if entry.kind == DOCUMENT:
        return S.TimelineEntry(kind="document", day=entry.day, at=entry.at, source=entry.source,
                               document=document_out(entry.document))
    if entry.kind == NOTE:
        return S.TimelineEntry(kind="note", day=entry.day, at=entry.at, source=entry.source, note=entry.note.text)
    return S.TimelineEntry(kind="status", day=entry.day, at=entry.at, source=entry.source, status=entry.status,
                           submission=entry.submission.reference if entry.submission is not None else None)


def case_file_detail(case_file: CaseFile, entries: list[TimelineEntry]) -> S.CaseFileDetail:
    return S.CaseFileDetail(**case_file_out(case_file).model_dump(),
                            timeline=[timeline_entry(entry) for entry in entries])
