"""Letters the office sends an applicant, as PDF: for now the request for missing documents (the
same request as the mail of portal.casework.actions.request_documents, on paper or attached).
Only the status code's hash is stored, so a letter prints the code only when the caller has it
(just issued); otherwise it points to the receipt, and the QR code opens the status page with
the reference filled in. Needs an application context (translations)."""
from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.config import OfficeSettings
from portal.domain.office_time import local_date
from portal.models import Site, Submission
from portal.models._types import utcnow


def _office_lines(session: Session, submission: Submission) -> list[str]:
    site = submission.site or session.scalar(select(Site).where(Site.is_active).order_by(Site.id))
    if site is None:
        return []
    return [f"{site.street}, {site.postcode} {site.city}", *(value for value in (site.phone, site.email) if value)]


def _recipient(submission: Submission) -> list[str]:
    """Name and postal address as the applicant gave them (a scan or mail may have none)."""
    values = submission.field_values or {}
    name = " ".join(part for part in (values.get("given_names", ""), values.get("surname", "")) if part)
    place = " ".join(part for part in (values.get("postcode", ""), values.get("city", "")) if part)
    return [line for line in (name, values.get("street", ""), place) if line.strip()]


def status_page_url(office: OfficeSettings, submission: Submission, status_code: str | None) -> str:
    """The status page: opened directly with the code, else the look-up with the reference filled in."""
    if status_code:
        from portal.intake.acknowledge import status_link

        return status_link(office, submission, status_code)
    return office.url(f"/{submission.language}/status/?{urlencode({'reference': submission.reference})}")


def request_letter(session: Session, submission: Submission, slots: list[str], message: str, *,
                   office: OfficeSettings, status_code: str | None = None, written_on: date | None = None,
                   answer_link: str | None = None, deadline: date | None = None) -> bytes:
    """The request for missing documents as a tagged PDF in the applicant's language and German;
    its QR code and link open the answer page when `answer_link` is given (a request just made),
    else the status page."""
    from portal.casework.actions import requested_labels
    from portal.forms.catalogue import BY_CODE
    from portal.forms.display import label_in
    from portal.pdf.request_letter import RequestedDocument, RequestLetterData, render_request_letter

    language = submission.language
    entry = BY_CODE.get(submission.service.code)
    own = requested_labels(submission, slots)
    german = german_labels(submission, slots)
    data = RequestLetterData(
        language=language, office_name=office.name, office_lines=_office_lines(session, submission),
        office_email=office.mail_address, reference=submission.reference,
        service_title=label_in(entry.title, language) if entry else submission.service.name_de,
        service_title_de=entry.name_de if entry else submission.service.name_de,
        status_url=answer_link or status_page_url(office, submission, status_code), written_on=written_on or local_date(utcnow()),
        documents=[RequestedDocument(label, label_de) for label, label_de in zip(own, german)],
        message=(message or "").strip(), status_code=status_code, recipient_lines=_recipient(submission),
        deadline=deadline, answers_online=answer_link is not None)
    return render_request_letter(data)


def german_labels(submission: Submission, slots: list[str]) -> list[str]:
    from portal.forms.display import label_in
    from portal.forms.registry import submission_form

    form = submission_form(submission)
    labels = []
    for key in slots:
        slot = form.slot(key) if form else None
        labels.append(label_in(slot.label, "de") if slot else key)
    return labels
