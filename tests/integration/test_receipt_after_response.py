"""The receipt PDF is made after the submit request is answered: the request stores the receipt
as HTML and holds the confirmation mail; the PDF follows (the request's thread, the status page
on demand, or the worker for a process that died), and the mail goes out with it, once."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from portal.config import settings_of
from portal.domain.office_time import aware
from portal.models import Channel, OutboundMail
from portal.models._types import utcnow
from tests.support.case_files import storage_of
from tests.support.pdf_text import pdftotext
from tests.support.pdfua import assert_pdfua


def _acknowledged(app, db_session, monkeypatch=None):
    """A web submission as the submit request leaves it (receipt not made yet)."""
    from portal.domain.dates import PartialDate
    from portal.intake import Applicant, IntakeDraft, receive
    from portal.intake.acknowledge import acknowledge_web_submission

    storage = storage_of(app)
    draft = IntakeDraft(
        channel=Channel.WEB, service_code="general-enquiry", language="fa",
        values={"surname": "رضایی", "given_names": "پرویز", "date_of_birth": "1987-03-00",
                "email": "parviz@example.org", "subject": "وقت", "message": "سلام"},
        applicant=Applicant("رضایی", "پرویز", PartialDate(1987, 3), "parviz@example.org"), site_code="WZ")
    with app.test_request_context():
        result = receive(db_session, storage, draft, matching=settings_of(app).matching)
        acknowledge_web_submission(db_session, storage, result.submission, result.status_code,
                                   settings_of(app).office)
    db_session.commit()
    return result


def _mails(db_session, submission_id):
    db_session.expire_all()
    return list(db_session.scalars(select(OutboundMail).where(OutboundMail.submission_id == submission_id)))


def test_the_submit_request_renders_no_pdf_and_holds_the_mail(app, db_session, sites, monkeypatch):
    import portal.pdf.renderer

    def no_rendering(*args, **kwargs):
        raise AssertionError("a PDF was rendered while the applicant waits")

    monkeypatch.setattr(portal.pdf.renderer, "_call", no_rendering)
    result = _acknowledged(app, db_session)
    submission = result.submission
    assert submission.receipt_sha256 is None and submission.receipt_html_sha256
    html = storage_of(app).read(submission.receipt_html_sha256).decode()
    assert result.status_code in html and submission.reference in html  # what the receipt will say
    [mail] = _mails(db_session, submission.id)
    assert mail.attachments == [] and aware(mail.next_attempt_at) > utcnow() + timedelta(days=3650)


def test_the_receipt_is_made_once_and_the_mail_goes_out_with_it(app, db_session, sites):
    from portal.intake.receipts import finish_receipt

    result = _acknowledged(app, db_session)
    storage = storage_of(app)
    assert finish_receipt(db_session, storage, result.submission.id)
    assert not finish_receipt(db_session, storage, result.submission.id)  # the second finds it made
    db_session.expire_all()
    pdf = storage.read(result.submission.receipt_sha256)
    assert_pdfua(pdf)
    assert result.submission.reference in pdftotext(pdf) and result.status_code in pdftotext(pdf)
    [mail] = _mails(db_session, result.submission.id)
    assert [a["sha256"] for a in mail.attachments] == [result.submission.receipt_sha256]
    assert aware(mail.next_attempt_at) <= utcnow()  # due: the next round sends it


def test_the_worker_makes_the_receipts_a_process_left(app, db_session, sites):
    """The process that took the submission died before making its receipt: the worker's job
    makes it once the request's own thread has had its time."""
    from portal.intake.receipts import finish_pending_receipts

    result = _acknowledged(app, db_session)
    storage = storage_of(app)
    assert finish_pending_receipts(db_session, storage, now=utcnow() + timedelta(seconds=5)) == 0
    assert finish_pending_receipts(db_session, storage, now=utcnow() + timedelta(seconds=31)) == 1
    db_session.expire_all()
    assert result.submission.receipt_sha256 and storage.exists(result.submission.receipt_sha256)
    [mail] = _mails(db_session, result.submission.id)
    assert len(mail.attachments) == 1


def test_the_status_page_makes_the_receipt_when_asked_before_it_is_made(app, client, db_session, sites):
    result = _acknowledged(app, db_session)
    reference, code = result.submission.reference, result.status_code
    response = client.get(f"/fa/status/open?reference={reference}&code={code}")
    assert response.status_code == 302
    receipt = client.get(f"/fa/status/{reference}/receipt.pdf")
    assert receipt.status_code == 200 and receipt.mimetype == "application/pdf"
    assert reference in pdftotext(receipt.data)
    db_session.expire_all()
    assert result.submission.receipt_sha256
    [mail] = _mails(db_session, result.submission.id)
    assert len(mail.attachments) == 1  # released with it, once
