"""What the applicant gets back: the receipt and the confirmation mail (through the outbox; the
receipt's PDF is made after the response, portal.intake.receipts), and the mail with a link to
resume a saved application."""
from __future__ import annotations

from urllib.parse import urlencode

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.config import OfficeSettings
from portal.documents.storage import DocumentStorage
from portal.forms.catalogue import BY_CODE
from portal.forms.display import display_value, label_in
from portal.forms.registry import submission_form
from portal.models import ApplicationDraft, Site, Submission


def status_link(office: OfficeSettings, submission: Submission, status_code: str) -> str:
    """The link in the mail and the QR code: opens the status page without typing."""
    query = urlencode({"reference": submission.reference, "code": status_code})
    return office.url(f"/{submission.language}/status/open?{query}")


def _office_lines(session: Session, submission: Submission) -> list[str]:
    site = submission.site or session.scalar(select(Site).where(Site.is_active).order_by(Site.id))
    if site is None:
        return []
    lines = [f"{site.street}, {site.postcode} {site.city}"]
    lines += [value for value in (site.phone, site.email) if value]
    return lines


def build_receipt(session: Session, submission: Submission, status_code: str, office: OfficeSettings,
                  shown: list | None = None):
    """`shown`: the documents the case file shows, as receive() made them (read from the database
    when not given)."""
    from portal.pdf.receipt import ReceiptData, ReceiptDocument, ReceiptField

    language = submission.language
    entry = BY_CODE[submission.service.code]
    form = submission_form(submission)
    fields = []
    for spec in form.fields if form else ():
        value = submission.field_values.get(spec.name, "")
        if value:
            fields.append(ReceiptField(label=label_in(spec.label, language), label_de=label_in(spec.label, "de"),
                                       value=display_value(spec, value, language)))
    documents = [
        ReceiptDocument(slot=label_in(form.slot(d.kind).label, language) if form and form.slot(d.kind) else d.kind,
                        slot_de=label_in(form.slot(d.kind).label, "de") if form and form.slot(d.kind) else d.kind,
                        filename=d.original_filename, pages=pages)
        for d, pages in (_uploaded_documents(session, submission) if shown is None else _as_uploaded(shown))
    ]
    return ReceiptData(
        language=language, office_name=office.name,
        office_lines=_office_lines(session, submission),
        service_title=label_in(entry.title, language), service_title_de=entry.name_de,
        reference=submission.reference, status_code=status_code, status_url=status_link(office, submission, status_code),
        submitted_at=submission.received_at, fields=fields, documents=documents,
    )


def _uploaded_documents(session: Session, submission: Submission):
    """(document as uploaded, pages in the case file) per uploaded file: a photo is listed under
    the name it was uploaded with, with the pages of the PDF made of it."""
    from portal.models import Document

    documents = session.scalars(select(Document).where(Document.submission_id == submission.id)
                                .order_by(Document.id)).all()
    derived = {d.derived_from_id: d for d in documents if d.derived_from_id}
    return [(d, (derived.get(d.id) or d).page_count or 1) for d in documents if not d.derived_from_id]


def _as_uploaded(shown: list) -> list:
    """_uploaded_documents from the objects just made, without reading them back."""
    pairs = [(d.derived_from or d, d.page_count or 1) for d in shown]
    return sorted(pairs, key=lambda pair: pair[0].id)


def acknowledge_web_submission(session: Session, storage: DocumentStorage, submission: Submission,
                               status_code: str, office: OfficeSettings, shown: list | None = None) -> None:
    """The receipt (as HTML: it holds the status code, known only now) into storage and the
    confirmation mail into the outbox, held for the receipt: same transaction as the submission.
    The PDF is rendered after the response (portal.intake.receipts.finish_receipt), which sends
    the mail with it attached. `shown`: as for build_receipt."""
    from portal.intake.receipts import hold_for_receipt
    from portal.notify.outbox import enqueue_mail
    from portal.notify.templates import render_mail
    from portal.pdf.receipt import receipt_html

    session.flush()
    receipt = build_receipt(session, submission, status_code, office, shown)
    submission.receipt_html_sha256 = storage.put(receipt_html(receipt).encode("utf-8"))
    if not submission.applicant_email:
        return
    mail = render_mail("submission_received", submission.language, service_title=receipt.service_title,
                       reference=submission.reference, status_code=status_code,
                       status_url=receipt.status_url)
    hold_for_receipt(enqueue_mail(session, recipient=submission.applicant_email, subject=mail.subject,
                                  body_text=mail.text, body_html=mail.html, language=submission.language,
                                  submission_id=submission.id))


def send_resume_link(session: Session, draft: ApplicationDraft, email: str, service_title, *,
                     office: OfficeSettings, draft_days: int) -> None:
    """The mail with the link that opens the saved application again; the draft is kept
    `draft_days` from now."""
    from portal.forms.drafts import issue_resume_token
    from portal.notify.outbox import enqueue_mail
    from portal.notify.templates import render_mail

    token = issue_resume_token(draft, draft_days)
    mail = render_mail("draft_resume", draft.language, service_title=label_in(service_title, draft.language),
                       resume_url=office.url(f"/{draft.language}/resume/{token}"),
                       expires_on=draft.expires_at.date())
    enqueue_mail(session, recipient=email, subject=mail.subject, body_text=mail.text, body_html=mail.html,
                 language=draft.language)
