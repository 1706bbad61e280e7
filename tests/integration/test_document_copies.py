"""A bank statement protected by an owner password and a form filled in Acrobat, through every
channel: taken, the original kept as received, a readable copy filed beside it (a document
pointing at its original); the caseworker sees the copy and can get the original."""
from __future__ import annotations

import hashlib
import re

from sqlalchemy import select

from portal.config import settings_of
from portal.models import Document, InboundMail, Submission
from tests.support import mail_corpus as corpus
from tests.support import samples
from tests.support.helpers import Applicant, sign_in
from tests.support.pdf_samples import acrobat_form, bank_statement, owner_protected, with_attachment

CODE = "general-enquiry"


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _documents(db_session, submission_id: int) -> list[Document]:
    db_session.expire_all()
    return list(db_session.scalars(select(Document).where(Document.submission_id == submission_id)
                                   .order_by(Document.id)))


def test_web_upload_files_the_readable_copy_beside_the_original(app, client, sites, make_staff, db_session,
                                                                case_files):
    statement, form = owner_protected(bank_statement()), acrobat_form()
    applicant = Applicant(app.test_client(), "ru")
    response = applicant.apply(CODE, samples.STEPS[CODE], {"attachment": [
        ("Выписка_Sparkasse.pdf", statement), ("Einkommenserklaerung.pdf", form)]})
    assert response.status_code == 302 and response.headers["Location"].endswith("/done")

    submission = db_session.scalars(select(Submission)).one()
    documents = _documents(db_session, submission.id)
    originals = {d.sha256: d for d in documents if d.derived_from_id is None}
    copies = [d for d in documents if d.derived_from_id is not None]
    assert set(originals) == {_digest(statement), _digest(form)}, "the originals as received"
    assert {(originals[_digest(statement)].id, "password_removed"), (originals[_digest(form)].id,
            "form_scripts_removed")} == {(c.derived_from_id, c.copy_reason) for c in copies}
    assert all(c.media_type == "application/pdf" and c.sha256 not in originals for c in copies)
    assert originals[_digest(statement)].page_count == 2

    lead = make_staff("team_lead")
    sign_in(client, lead.email)
    page = client.get(f"/backoffice/submissions/{submission.reference}").get_data(as_text=True)
    shown = {int(n) for n in re.findall(r'<iframe[^>]*src="/backoffice/documents/(\d+)"', page)}
    assert shown == {c.id for c in copies}, "the caseworker reads the copies"
    assert "angezeigt: Kopie ohne Passwortschutz" in page
    assert "angezeigt: Kopie ohne die Skripte des Formulars" in page
    for original in originals.values():
        assert f'href="/backoffice/documents/{original.id}"' in page
        download = client.get(f"/backoffice/documents/{original.id}")
        assert download.status_code == 200 and _digest(download.data) == original.sha256

    # In the case file's timeline: the copy shown, with the note and the original beside it.
    case_file = case_files[1]
    submission.case_file_id = case_file.id
    db_session.commit()
    timeline = client.get(f"/backoffice/casefiles/{case_file.file_number}").get_data(as_text=True)
    assert "(Kopie ohne Passwortschutz)" in timeline
    for copy in copies:
        assert f'href="/backoffice/documents/{copy.id}"' in timeline
        assert f'href="/backoffice/documents/{copy.derived_from_id}"' in timeline


def test_mail_attachment_gets_the_same_copy(app, db_session, sites):
    from portal.documents.storage import DocumentStorage
    from portal.intake.email.process import take_in
    from portal.models import InboundMailSource

    statement = owner_protected(bank_statement(pages=3))
    raw = corpus.with_attachments(corpus.TEXTS["uk"], [("kontoauszug_maerz.pdf", statement, "application/pdf")],
                                  message_id="<statement@example.org>")
    storage = DocumentStorage(settings_of(app).storage_dir)
    with app.app_context():
        outcome = take_in(db_session, storage, raw, source=InboundMailSource.FILE, source_detail="test", settings=settings_of(app).mail_intake)
    db_session.expire_all()
    mail = db_session.get(InboundMail, outcome.mail_id)

    assert mail.status == "processed", mail.quarantine_reason
    [original, copy] = _documents(db_session, mail.submission_id)
    assert (original.sha256, original.source) == (_digest(statement), "email")
    assert (copy.derived_from_id, copy.copy_reason, copy.page_count) == (original.id, "password_removed", 3)
    assert storage.exists(copy.sha256)


def test_mail_attachment_with_files_inside_is_quarantined_for_that_reason(app, db_session, sites):
    from flask_babel import force_locale

    from portal.documents import refusals
    from portal.documents.storage import DocumentStorage
    from portal.intake.email.process import take_in
    from portal.models import InboundMailSource

    invoice = owner_protected(with_attachment(bank_statement()))
    raw = corpus.with_attachments(corpus.TEXTS["de"], [("rechnung.pdf", invoice, "application/pdf")])
    with app.app_context():
        outcome = take_in(db_session, DocumentStorage(settings_of(app).storage_dir), raw,
                          source=InboundMailSource.FILE, source_detail="test", settings=settings_of(app).mail_intake)
        with force_locale("de"):
            expected = str(refusals.refused_pdf("attachment").message)
    db_session.expire_all()
    mail = db_session.get(InboundMail, outcome.mail_id)
    assert (mail.status, mail.reason_code) == ("quarantined", "refused_attachment")
    assert mail.quarantine_reason == f"rechnung.pdf: {expected}"
    assert "Passwort" not in mail.quarantine_reason
