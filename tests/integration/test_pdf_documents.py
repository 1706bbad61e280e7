"""The printed documents where they are made: the receipt of a real submission, the case-file
export of a file with two applications, the request letter, a fillable form filled in Persian
and mailed back. Each is checked as tagged PDF/UA, and its text is read back."""
from __future__ import annotations

import io
from email.message import EmailMessage

import pikepdf
from sqlalchemy import select

from portal.config import settings_of
from portal.models import CaseFile, Channel
from tests.support import mail_corpus as corpus
from tests.support import samples
from tests.support.case_files import FILE, storage_of
from tests.support.pdf_forms import type_with_pdfium
from tests.support.pdf_text import PRESENTATION_FORMS, pdfium_text, pdftotext, spoken
from tests.support.pdfua import assert_pdfua


def _submit(app, db_session, *, surname: str, given_names: str, language: str, files=()):
    """A web submission through the intake with its real receipt (as the portal makes it)."""
    from portal.domain.dates import PartialDate
    from portal.intake import Applicant, IntakeDraft, receive
    from portal.intake.acknowledge import acknowledge_web_submission
    from portal.intake.receipts import finish_receipt

    storage = storage_of(app)
    draft = IntakeDraft(
        channel=Channel.WEB, service_code="general-enquiry", language=language,
        values={"surname": surname, "given_names": given_names, "date_of_birth": "1987-03-00",
                "place_of_birth": "Charkiw" if language == "uk" else "حلب", "email": "applicant@example.org",
                "subject": "Termin", "message": "Питання" if language == "uk" else "سؤال عن الموعد (عاجل)"},
        applicant=Applicant(surname, given_names, PartialDate(1987, 3), "applicant@example.org"),
        files=list(files), site_code="WZ")
    with app.test_request_context():
        result = receive(db_session, storage, draft, matching=settings_of(app).matching)
        acknowledge_web_submission(db_session, storage, result.submission, result.status_code,
                                   settings_of(app).office)
    db_session.commit()
    assert finish_receipt(db_session, storage, result.submission.id)  # as right after the response
    db_session.refresh(result.submission)
    return result.submission


def test_receipt_lists_a_photo_under_the_name_it_was_uploaded_with(app, db_session, sites):
    from portal.documents.image_pdf import image_to_pdf
    from portal.intake import IntakeFile

    storage = storage_of(app)
    photo = samples.jpeg_bytes()
    from PIL import Image
    page = image_to_pdf(Image.open(io.BytesIO(photo)))
    upload = IntakeFile("attachment", "IMG_2041.jpg", "image/jpeg", storage.put(photo), len(photo),
                        storage.put(page), len(page), 1)
    submission = _submit(app, db_session, surname="Шевченко", given_names="Олександр", language="uk",
                         files=[upload])
    receipt = storage.read(submission.receipt_sha256)
    text = pdftotext(receipt)
    assert "IMG_2041.jpg" in text and "IMG_2041.pdf" not in text
    assert_pdfua(receipt)


def test_case_file_export_holds_both_applications_answers_and_receipts(app, client, db_session, case_files,
                                                                        make_staff):
    from portal.casefiles.operations import attach_submission
    from tests.support.helpers import sign_in, staff_in_english

    case_file = db_session.scalar(select(CaseFile).where(CaseFile.file_number == FILE))
    first = _submit(app, db_session, surname="Шевченко", given_names="Олександр", language="uk")
    second = _submit(app, db_session, surname="الحسن", given_names="محمد علي", language="ar")
    for submission in (first, second):
        attach_submission(db_session, submission, case_file)
    db_session.commit()
    sign_in(client, staff_in_english(make_staff, db_session).email)
    response = client.get(f"/backoffice/casefiles/{FILE}/export.pdf")
    assert response.status_code == 200
    pdf = response.get_data()
    assert_pdfua(pdf)  # nothing else in this file: every page is ours and tagged
    read = [text for _lang, text in spoken(pdf)]
    for submission in (first, second):
        assert f"Application {submission.reference}" in read
    # German labels, the values as given, a Latin form beside the names.
    assert "Surname" not in read or "Familienname" in read or "Nachname" in read
    for value in ("Шевченко", "Олександр", "الحسن", "محمد علي", "سؤال عن الموعد (عاجل)"):
        assert value in read, value
    assert any(text.startswith("(") and "Oleksandr" in text for text in read)
    # Both receipts, with their own language, in the file's order.
    document = pikepdf.open(io.BytesIO(pdf))
    parts = document.Root.StructTreeRoot.K[0].K
    assert [str(part.get("/Lang", "")) for part in parts][-2:] == ["uk", "ar"]
    for submission in (first, second):
        assert f"Receipt {submission.reference}" in [str(part.T) for part in parts]
    text = pdfium_text(pdf)
    assert first.reference in text and second.reference in text
    assert not PRESENTATION_FORMS.findall(text + pdftotext(pdf))
    with document.open_outline() as outline:
        titles = [item.title for item in outline.root]
    assert "Applications" in titles and str(first.received_at.year) in titles


def test_request_letter_in_the_applicants_language_and_german(app, db_session, sites):
    import pypdfium2
    import zxingcpp

    from portal.casework.letters import request_letter

    submission = _submit(app, db_session, surname="الحسن", given_names="محمد علي", language="ar")
    with app.test_request_context():
        pdf = request_letter(db_session, submission, ["attachment"], "الصفحة 3 من جواز السفر (واضحة)",
                             office=settings_of(app).office)
    assert_pdfua(pdf)
    read = spoken(pdf)
    assert ("ar", "الصفحة 3 من جواز السفر (واضحة)") in read  # the caseworker's note as written
    assert any(lang == "de" for lang, _text in read)  # the German lines, marked as German
    assert submission.reference in pdfium_text(pdf)
    assert "محمد علي الحسن" in pdfium_text(pdf)  # addressed to the applicant
    codes = [code.text for page in pypdfium2.PdfDocument(pdf)
             for code in zxingcpp.read_barcodes(page.render(scale=2).to_pil(), formats=zxingcpp.BarcodeFormat.QRCode)]
    assert codes == [settings_of(app).office.url(f"/ar/status/?reference={submission.reference}")]


def test_a_persian_form_typed_in_chromium_and_mailed_back_reads_exactly(app, db_session, take):
    """The applicant fills the Farsi form in Farsi (PDFium, as in Chromium's viewer), saves it and
    mails it; the caseworker gets exactly what was typed."""
    from portal.forms.catalogue import BY_CODE
    from portal.forms.pdf_form import fillable_spec
    from portal.forms.registry import form_for
    from portal.pdf.fillable import render_fillable_form

    typed = {"surname": "رضایی", "given_names": "پرویز", "place_of_birth": "تهران", "subject": "وقت ملاقات",
             "message": "سلام، لطفاً یک وقت برای تمدید اجازه اقامت (کارت) می‌خواهم.\nبا تشکر"}
    with app.test_request_context():
        spec = fillable_spec(form_for("general-enquiry"), BY_CODE["general-enquiry"], "fa",
                             "Ausländerbehörde Lahn-Dill", corpus.OFFICE)
        form = render_fillable_form(spec)
    assert_pdfua(form)
    filled = type_with_pdfium(form, typed)
    message = EmailMessage()
    message["From"] = "Parviz Rezaei <parviz@example.org>"
    message["To"] = corpus.OFFICE
    message["Subject"] = "فرم"
    message["Date"] = corpus.DATE
    message["Message-ID"] = "<farsi-form@example.org>"
    message.set_content("فرم پرشده پیوست است.")
    message.add_attachment(filled, maintype="application", subtype="pdf", filename="فرم.pdf")
    submission = take(message.as_bytes()).submission
    assert submission.service.code == "general-enquiry"
    for name, value in typed.items():
        assert submission.field_values[name] == value, name
