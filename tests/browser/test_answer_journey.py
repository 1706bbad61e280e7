"""A caseworker asks a Ukrainian applicant for the proof of income by a deadline (the back office's
form); the mail reaches the applicant through the outbox; in Chromium the applicant opens the link
from the mail, uploads a PDF and a phone photo, answers in Ukrainian and sends. The status page
confirms, and the office finds the documents in the submission and in the case file's timeline."""
import re
from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from portal.casefiles.timeline import timeline
from portal.casework.queue import ANSWER_RECEIVED
from portal.domain.office_time import local_date
from portal.models import CaseFile, Document, DocumentRequest, Submission, SubmissionMessage
from portal.models._types import utcnow
from tests.browser.test_accessibility import Axe
from tests.support import samples
from tests.support.helpers import csrf_token_from, sign_in

ANSWER = "Добрий день! Надсилаю довідку про доходи за три місяці."


def test_a_request_for_the_proof_of_income_answered_in_ukrainian(page, app, db_session, make_submission, make_staff,
                                                               case_files, smtp, tmp_path, live_server):
    submission = make_submission(service_code="permit-extension", language="uk").submission
    case_file = db_session.scalars(select(CaseFile).where(CaseFile.file_number == "WZ-2022-00017")).one()
    submission.case_file_id = case_file.id  # linked by the intake, not confirmed yet: still open
    db_session.commit()
    reference = submission.reference

    # The caseworker asks through the back office's form.
    office = app.test_client()
    assert sign_in(office, make_staff("caseworker", "WZ").email).status_code == 302
    form = office.get(f"/backoffice/submissions/{reference}").get_data(as_text=True)
    deadline = local_date(utcnow()) + timedelta(days=14)
    asked = office.post(f"/backoffice/submissions/{reference}/request-documents",
                        data={"csrf_token": csrf_token_from(form), "slot": ["income"], "deadline": deadline.isoformat(),
                              "message": "Bitte die Lohnabrechnungen der letzten drei Monate."})
    assert asked.status_code == 302

    # The mail goes out through the outbox to the mail server.
    smtp.start()
    assert "sent 1" in app.test_cli_runner().invoke(args=["worker", "--once"]).output
    [mail] = smtp.handler.messages
    assert mail["Content-Language"] == "uk"
    text = mail.get_body(preferencelist=("plain",)).get_content()
    link = re.search(r"https?://\S+/uk/answer/[\w-]+", text).group(0)
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]  # the mail names the public address

    pay_slips = tmp_path / "довідка-про-доходи.pdf"
    pay_slips.write_bytes(samples.pdf_bytes(3, "Lohnabrechnung"))
    photo = tmp_path / "IMG_20261207_093012.jpg"
    photo.write_bytes(samples.jpeg_bytes(size=(1600, 1200)))

    page.set_viewport_size({"width": 320, "height": 800})  # a small phone
    page.goto(path)
    expect(page).to_have_url(re.compile(rf"/uk/status/{reference}#requests$"))
    assert "/answer/" not in page.url, "the token does not stay in the address bar"
    expect(page.locator("html")).to_have_attribute("lang", "uk")
    requests = page.locator("#requests")
    expect(requests).to_be_visible()
    expect(requests).to_contain_text("Bitte die Lohnabrechnungen der letzten drei Monate.")
    form = requests.locator("form.document-request")
    expect(form).to_have_count(1)
    request_id = form.get_attribute("id").removeprefix("answer-")
    income = page.locator(f"#answer-{request_id}-file-income")
    expect(income).to_have_attribute("accept", re.compile(r"application/pdf.*image/jpeg"))
    # Nothing is wider than the phone: no sideways scrolling.
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    axe = Axe(page)
    axe.check("the request on the status page")

    # A file that cannot be taken: the error summary names it and leads to the field.
    not_a_pdf = tmp_path / "lohn.pdf"
    not_a_pdf.write_bytes(b"<html>not a PDF</html>")
    income.set_input_files(str(not_a_pdf))
    form.locator("button[type=submit]:not([formaction])").click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("lohn.pdf")
    summary.locator(f"a[href='#answer-{request_id}-file-income']").click()
    expect(page.locator(f"#answer-{request_id}-file-income")).to_have_attribute("aria-invalid", "true")
    axe.check("the request with a refused file")
    axe.assert_clean()

    # The PDF first, with the upload button; the page comes back with it listed.
    page.locator(f"#answer-{request_id}-file-income").set_input_files(str(pay_slips))
    page.locator("form.document-request button[type=submit]:not([formaction])").click()
    expect(page).to_have_url(re.compile(rf"/uk/status/{reference}(#[\w-]+)?$"))
    slot = page.locator(".document-slot[data-slot=income]")
    expect(slot.locator(".uploaded-file")).to_have_count(1)
    expect(slot).to_contain_text("довідка-про-доходи.pdf")

    # The phone photo is chosen and sent together with the answer.
    page.locator(f"#answer-{request_id}-file-income").set_input_files(str(photo))
    page.locator(f"#answer-{request_id}-text").fill(ANSWER)
    page.locator(f"button[formaction$='/requests/{request_id}/answer']").click()

    # The page the upload script shows keeps its address (with or without the anchor).
    expect(page).to_have_url(re.compile(rf"/uk/status/{reference}(#[\w-]+)?$"))
    expect(page.locator(".kern-alert--success")).to_be_visible()
    expect(page.locator("#requests")).to_have_count(0)

    # The office: documents received, filed in the submission and the case file's timeline.
    db_session.expire_all()
    submission = db_session.get(Submission, submission.id)
    assert submission.status == "in_progress" and submission.answer_received_at is not None
    assert db_session.get(DocumentRequest, int(request_id)).state == "answered"
    documents = db_session.scalars(select(Document).where(Document.submission_id == submission.id,
                                                          Document.kind == "income")).all()
    assert {d.original_filename for d in documents} >= {"довідка-про-доходи.pdf", "IMG_20261207_093012.jpg"}
    assert all(d.case_file_id == case_file.id for d in documents)
    titles = {entry.title for entry in timeline(db_session, case_file) if entry.kind == "document"}
    assert {"довідка-про-доходи.pdf", "IMG_20261207_093012.jpg"} <= titles
    message = db_session.scalars(select(SubmissionMessage).where(SubmissionMessage.author == "applicant")).one()
    assert message.body == ANSWER and message.language == "uk" and message.transliteration.startswith("Dobryi den!")
    casefile_page = office.get(f"/backoffice/casefiles/{case_file.file_number}").get_data(as_text=True)
    assert "довідка-про-доходи.pdf" in casefile_page and "IMG_20261207_093012.jpg" in casefile_page
    # The conversation on the submission's page: the request as asked, the answer as written with
    # its Latin reading, and the two documents it brought.
    staff_page = office.get(f"/backoffice/submissions/{reference}").get_data(as_text=True)
    assert 'data-author="office"' in staff_page and "Bitte die Lohnabrechnungen der letzten drei Monate." in staff_page
    assert ANSWER in staff_page and message.transliteration in staff_page
    assert staff_page.index('data-author="office"') < staff_page.index('data-author="applicant"')
    assert "2 Dokumente" in staff_page
    # The queue's "documents received" shows it.
    queue = office.get(f"/backoffice/queue?answer={ANSWER_RECEIVED}").get_data(as_text=True)
    assert reference in queue and "queue-badge--answer-received" in queue


def test_the_answer_form_in_arabic_right_to_left_on_a_small_phone(page, app, db_session, make_submission, make_staff,
                                                                  tmp_path):
    from portal.casework import requests as document_requests
    from portal.config import settings_of

    submission = make_submission(service_code="temporary-protection", language="ar").submission
    today = local_date(utcnow())
    with app.test_request_context():
        made = document_requests.ask_for_documents(
            db_session, submission, make_staff(), ["passport", "photo"], "Bitte alle Seiten des Passes.",
            deadline=today + timedelta(days=14), today=today, office=settings_of(app).office)
    db_session.commit()
    passport = tmp_path / "جواز.pdf"
    passport.write_bytes(samples.pdf_bytes(1))
    empty = tmp_path / "photo.jpg"
    empty.write_bytes(b"")

    page.set_viewport_size({"width": 320, "height": 800})
    page.goto(f"/ar/answer/{made.token}")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    page.locator(f"#answer-{made.request.id}-file-passport").set_input_files(str(passport))
    page.locator(f"#answer-{made.request.id}-file-photo").set_input_files(str(empty))
    page.locator("form.document-request button[type=submit]:not([formaction])").click()
    expect(page.locator("#error-summary")).to_contain_text("photo.jpg")
    expect(page.locator(".document-slot[data-slot=passport] .uploaded-file")).to_contain_text("جواز.pdf")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    # The document names are the applicant's (Arabic) ones, on an Arabic page: not marked apart.
    assert page.locator(".request-documents[lang]").count() == 0
    axe = Axe(page)
    axe.check("the request in Arabic with a refused file")
    axe.assert_clean()


def test_a_file_over_the_limit_is_refused_by_the_browser_before_it_is_sent(page, app, db_session, make_submission,
                                                                          make_staff, tmp_path):
    """The answer form checks the chosen files as the application's documents step does
    (js/upload-progress.js), with the same texts in the applicant's language."""
    from flask_babel import force_locale, gettext

    from portal.casework import requests as document_requests
    from portal.config import settings_of
    from tests.support.large_files import MB, scanned_pdf

    submission = make_submission(service_code="temporary-protection", language="ru").submission
    today = local_date(utcnow())
    with app.test_request_context():
        made = document_requests.ask_for_documents(
            db_session, submission, make_staff(), ["passport"], "", deadline=today + timedelta(days=14),
            today=today, office=settings_of(app).office)
    db_session.commit()
    scan = tmp_path / "паспорт-скан.pdf"
    scan.write_bytes(scanned_pdf(12 * MB))
    page.goto(f"/ru/answer/{made.token}")
    posts = []
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)
    page.locator(f"#answer-{made.request.id}-file-passport").set_input_files(str(scan))
    page.locator(f"#answer-{made.request.id}-text").fill("Паспорт во вложении.")
    page.locator("form.document-request button[type=submit]:not([formaction])").click()
    problems = page.locator("#upload-problems")
    expect(problems).to_be_visible()
    with app.test_request_context(), force_locale("ru"):
        too_large = gettext("The file is larger than %(limit)s MB.", limit=10)
    expect(problems).to_contain_text("паспорт-скан.pdf: " + too_large)
    assert posts == [], "nothing was sent"
    assert page.locator(f"#answer-{made.request.id}-text").input_value() == "Паспорт во вложении.", "nothing is lost"
    db_session.expire_all()
    assert db_session.get(DocumentRequest, made.request.id).uploads == []
