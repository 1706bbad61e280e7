"""The online application end to end through the Flask test client, in every language."""
import io
import re

import pytest
from pypdf import PdfReader
from stdnum import damm
from sqlalchemy import func, select

from portal.config import LANGUAGES, settings_of
from portal.intake.references import parse_reference
from portal.models import ApplicationDraft, Document, DraftUpload, OutboundMail, Submission, SubmissionStatus
from tests.support import samples
from tests.support.app_factory import override_settings
from tests.support.helpers import Applicant, csrf_token_from


def _submission(db_session) -> Submission:
    db_session.expire_all()
    return db_session.scalars(select(Submission)).one()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_temporary_protection_in_every_language(client, sites, db_session, app, lang):
    applicant = Applicant(client, lang)
    response = applicant.apply("temporary-protection", samples.STEPS["temporary-protection"],
                               samples.FILES["temporary-protection"])
    assert response.status_code == 302 and response.headers["Location"].endswith("/apply/temporary-protection/done")

    submission = _submission(db_session)
    assert parse_reference(submission.reference) == submission.reference
    assert submission.status == SubmissionStatus.RECEIVED and submission.channel == "web"
    assert submission.language == lang and submission.form_version == 1
    assert submission.applicant_surname == "Шевченко" and submission.applicant_date_of_birth.german() == "00.03.1987"
    assert submission.field_values["entry_date"] == "2022-03-15" and submission.site.code == "WZ"
    assert [h.status for h in submission.history] == ["received"]
    documents = db_session.scalars(select(Document).where(Document.submission_id == submission.id)).all()
    # passport PDF; HEIC photo, JPEG certificate and PNG birth certificate, each with its PDF
    assert sorted(d.media_type for d in documents) == sorted(
        ["application/pdf", "image/heic", "application/pdf", "image/jpeg", "application/pdf", "image/png",
         "application/pdf"])
    assert all(d.derived_from_id for d in documents if d.media_type == "application/pdf" and d.kind != "passport")

    done = client.get(response.headers["Location"]).get_data(as_text=True)
    assert submission.reference in done
    status_code = re.search(r'class="status-code" dir="ltr">([A-Z0-9-]+)<', done).group(1)

    receipt = client.get(f"/{lang}/status/{submission.reference}/receipt.pdf")
    assert receipt.status_code == 200 and receipt.mimetype == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(receipt.data)).pages)
    assert submission.reference in text and status_code in text

    mail = db_session.scalars(select(OutboundMail)).one()
    assert mail.recipient == "o.shevchenko@example.org" and mail.language == lang
    assert submission.reference in mail.body_text and mail.attachments[0]["sha256"] == submission.receipt_sha256

    status = client.get(f"/{lang}/status/{submission.reference}")
    assert status.status_code == 200 and submission.reference in status.get_data(as_text=True)


@pytest.mark.parametrize("code", sorted(samples.STEPS))
def test_every_online_form_can_be_completed(client, sites, db_session, code):
    response = Applicant(client, "en").apply(code, samples.STEPS[code], samples.FILES[code])
    assert response.status_code == 302
    submission = _submission(db_session)
    assert submission.service.code == code
    for step in samples.STEPS[code].values():
        for name, value in step.items():
            if not re.search(r"-(day|month|year)$", name) and value and name in submission.field_values:
                assert submission.field_values[name], name


def test_errors_are_shown_in_the_applicants_language(client, sites):
    applicant = Applicant(client, "uk")
    applicant.start("temporary-protection")
    response = applicant.step("temporary-protection", "identity", {"surname": "", "date_of_birth-day": "31",
                                                                  "date_of_birth-month": "2",
                                                                  "date_of_birth-year": "1990"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="error-summary"' in body and 'href="#f-surname"' in body and 'href="#f-date_of_birth-day"' in body
    assert "This field is required." not in body and "This is not a real date" not in body
    assert 'value="31"' in body, "what was typed is shown again"


@pytest.mark.parametrize("field, value, step", [
    ("email", "not-an-address", "contact"),
    ("postcode", "10115", "contact"),
    ("postcode", "3557", "contact"),
    ("phone", "call me", "contact"),
])
def test_server_side_rules(client, sites, field, value, step):
    applicant = Applicant(client, "en")
    applicant.start("temporary-protection")
    applicant.step("temporary-protection", "identity", samples.IDENTITY_UKRAINIAN)
    response = applicant.step("temporary-protection", step, {**samples.CONTACT_WETZLAR, field: value})
    assert response.status_code == 200 and f'href="#f-{field}"' in response.get_data(as_text=True)


def test_passport_number_and_country_are_checked(client, sites):
    applicant = Applicant(client, "en")
    applicant.start("permit-extension")
    identity = {**samples.STEPS["permit-extension"]["identity"], "passport_number": "12/34", "nationality": "ZZZ"}
    body = applicant.step("permit-extension", "identity", identity).get_data(as_text=True)
    assert 'href="#f-passport_number"' in body and 'href="#f-nationality"' in body


def test_visit_rules_across_fields(client, sites):
    applicant = Applicant(client, "en")
    applicant.start("obligation-declaration")
    steps = samples.STEPS["obligation-declaration"]
    applicant.step("obligation-declaration", "identity", steps["identity"])
    applicant.step("obligation-declaration", "contact", steps["contact"])
    day, month, year = samples.future(200)
    body = applicant.step("obligation-declaration", "visitor", {
        **steps["visitor"], "visit_until-day": day, "visit_until-month": month, "visit_until-year": year,
    }).get_data(as_text=True)
    assert "at most 90 days" in body


def test_going_back_keeps_what_was_entered(client, sites):
    applicant = Applicant(client, "ru")
    applicant.start("temporary-protection")
    applicant.step("temporary-protection", "identity", samples.IDENTITY_UKRAINIAN)
    half_done = {**samples.CONTACT_WETZLAR, "postcode": ""}
    back = applicant.step("temporary-protection", "contact", half_done, action="back")
    assert back.headers["Location"].endswith("/apply/temporary-protection/identity")
    identity = client.get(back.headers["Location"]).get_data(as_text=True)
    assert 'value="Шевченко"' in identity and 'value="Олександр"' in identity and 'value="1987"' in identity
    contact = client.get("/ru/apply/temporary-protection/contact").get_data(as_text=True)
    assert 'value="Karl-Kellner-Ring 12"' in contact, "the half-filled step is kept too"


def test_steps_cannot_be_skipped(client, sites):
    applicant = Applicant(client, "en")
    applicant.start("general-enquiry")
    response = client.get("/en/apply/general-enquiry/review")
    assert response.status_code == 302 and response.headers["Location"].endswith("/apply/general-enquiry/identity")
    assert client.post("/en/apply/general-enquiry/submit", data={
        "csrf_token": applicant.token("/apply/general-enquiry/identity"), "declaration": "yes"}).status_code == 302


def test_application_needs_a_started_draft(client, sites):
    response = client.get("/en/apply/general-enquiry/identity")
    assert response.status_code == 302 and response.headers["Location"].endswith("/services/general-enquiry/")


def test_required_documents_must_be_there(client, sites):
    applicant = Applicant(client, "tr")
    applicant.start("address-change")
    for step, data in samples.STEPS["address-change"].items():
        applicant.step("address-change", step, data)
    response = applicant.step("address-change", "documents", {})
    assert response.status_code == 200 and 'href="#f-file-registration"' in response.get_data(as_text=True)


def test_declaration_must_be_confirmed(client, sites, db_session):
    applicant = Applicant(client, "en")
    code = "general-enquiry"
    applicant.start(code)
    for step, data in samples.STEPS[code].items():
        applicant.step(code, step, data)
    applicant.step(code, "documents", {})
    applicant.step(code, "review", {})
    response = applicant.submit(code, declaration=False)
    assert response.status_code == 200 and 'href="#f-declaration"' in response.get_data(as_text=True)
    assert db_session.scalar(select(func.count()).select_from(Submission)) == 0


def test_a_replayed_submit_makes_one_submission(client, sites, db_session):
    applicant = Applicant(client, "de")
    code = "general-enquiry"
    applicant.apply(code, samples.STEPS[code], samples.FILES[code])
    token = csrf_token_from(client.get("/de/status/").get_data(as_text=True))
    replay = client.post(f"/de/apply/{code}/submit", data={"csrf_token": token, "declaration": "yes"})
    assert replay.status_code == 302
    assert db_session.scalar(select(func.count()).select_from(Submission)) == 1
    assert db_session.scalar(select(func.count()).select_from(OutboundMail)) == 1


ENGLISH_REFUSALS = {
    "encrypted_pdf": "The PDF can only be opened with a password.",
    "broken_pdf": "The PDF could not be read.",
    "unsupported_type": "This kind of file is not accepted.",
    "image_too_large": "The image is too large",
    "empty": "The file is empty.",
}


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("name, content, code", [
    ("pass.pdf", samples.encrypted_pdf_bytes, "encrypted_pdf"),
    ("pass.pdf", lambda: samples.pdf_bytes()[:200], "broken_pdf"),
    ("pass.pdf", lambda: b"<html><script>alert(1)</script></html>", "unsupported_type"),
    ("photo.png", samples.bomb_png_bytes, "image_too_large"),
    ("empty.pdf", lambda: b"", "empty"),
])
def test_refused_uploads_are_explained_and_not_stored(client, sites, db_session, app, name, content, code, lang):
    applicant = Applicant(client, lang)
    applicant.start("temporary-protection")
    for step, data in samples.STEPS["temporary-protection"].items():
        applicant.step("temporary-protection", step, data)
    response = applicant.upload("temporary-protection", {"passport": [(name, content)]})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and 'href="#f-file-passport"' in body and name in body
    assert (ENGLISH_REFUSALS[code] in body) == (lang == "en"), "the reason is given in the applicant's language"
    assert db_session.scalar(select(func.count()).select_from(DraftUpload)) == 0


def test_file_and_submission_size_limits(client, sites, db_session, app, monkeypatch):
    override_settings(monkeypatch, app, uploads={"max_file_bytes": 20_000})
    override_settings(monkeypatch, app, uploads={"max_submission_bytes": 30_000})
    applicant = Applicant(client, "en")
    applicant.start("temporary-protection")
    for step, data in samples.STEPS["temporary-protection"].items():
        applicant.step("temporary-protection", step, data)
    big = applicant.upload("temporary-protection", {"passport": [("big.pdf", lambda: samples.pdf_bytes(40) + b"%" * 30_000)]})
    assert "larger than" in big.get_data(as_text=True)
    first = applicant.upload("temporary-protection", {"passport": [("a.pdf", lambda: samples.pdf_bytes(1) + b"%" * 15_000)]})
    assert first.status_code == 302
    second = applicant.upload("temporary-protection", {"other": [("b.pdf", lambda: samples.pdf_bytes(2) + b"%" * 16_000)]})
    assert "All files together" in second.get_data(as_text=True)
    assert db_session.scalar(select(func.count()).select_from(DraftUpload)) == 1


def test_request_larger_than_allowed_is_refused_politely(client, sites, app):
    applicant = Applicant(client, "de")
    applicant.start("general-enquiry")
    for step, data in samples.STEPS["general-enquiry"].items():
        applicant.step("general-enquiry", step, data)
    too_big = b"%PDF-1.4\n" + b"0" * (app.config["MAX_CONTENT_LENGTH"] + 10)
    response = applicant.upload("general-enquiry", {"attachment": [("huge.pdf", too_big)]})
    assert response.status_code == 413 and "<html" in response.get_data(as_text=True)


def test_removing_an_upload(client, sites, db_session):
    applicant = Applicant(client, "en")
    applicant.start("general-enquiry")
    for step, data in samples.STEPS["general-enquiry"].items():
        applicant.step("general-enquiry", step, data)
    applicant.upload("general-enquiry", {"attachment": [("a.pdf", samples.pdf_bytes), ("b.png", samples.png_bytes)]})
    upload_id = db_session.scalars(select(DraftUpload.id).order_by(DraftUpload.id)).first()
    token = applicant.token("/apply/general-enquiry/documents")
    client.post("/en/apply/general-enquiry/documents", data={"csrf_token": token, "remove": str(upload_id)})
    db_session.expire_all()
    assert [u.filename for u in db_session.scalars(select(DraftUpload))] == ["b.png"]


def test_save_and_resume_on_another_device(app, sites, db_session):
    first, second = app.test_client(), app.test_client()
    applicant = Applicant(first, "uk")
    applicant.start("temporary-protection")
    applicant.step("temporary-protection", "identity", samples.IDENTITY_UKRAINIAN)
    response = applicant.step("temporary-protection", "contact", samples.CONTACT_WETZLAR, action="save")
    assert response.headers["Location"].endswith("/apply/temporary-protection/save")
    page = first.get(response.headers["Location"]).get_data(as_text=True)
    assert 'value="o.shevchenko@example.org"' in page
    saved = first.post("/uk/apply/temporary-protection/save",
                       data={"csrf_token": csrf_token_from(page), "email": "o.shevchenko@example.org"})
    assert saved.status_code == 200
    mail = db_session.scalars(select(OutboundMail)).one()
    link = re.search(r"https?://\S+/uk/resume/[\w-]+", mail.body_text).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]

    resumed = second.get("/" + path)
    assert resumed.status_code == 302 and resumed.headers["Location"].endswith("/apply/temporary-protection/protection")
    contact = second.get("/uk/apply/temporary-protection/contact").get_data(as_text=True)
    assert 'value="Karl-Kellner-Ring 12"' in contact

    assert second.get("/uk/resume/not-a-real-token").status_code == 404
    draft = db_session.scalars(select(ApplicationDraft)).one()
    from datetime import timedelta

    draft.expires_at = draft.expires_at - timedelta(days=400)
    db_session.commit()
    assert app.test_client().get("/" + path).status_code == 404


def test_status_page_reveals_nothing_without_the_code(client, sites, db_session, app):
    Applicant(client, "en").apply("general-enquiry", samples.STEPS["general-enquiry"], samples.FILES["general-enquiry"])
    reference = _submission(db_session).reference
    stranger = app.test_client()
    assert stranger.get(f"/en/status/{reference}").status_code == 302
    assert stranger.get(f"/en/status/{reference}/receipt.pdf").status_code == 404
    token = csrf_token_from(stranger.get("/en/status/").get_data(as_text=True))
    unknown_reference = "ABH-2026-999999-" + damm.calc_check_digit("2026999999")
    wrong = stranger.post("/en/status/", data={"csrf_token": token, "reference": reference,
                                               "status_code": "AAAA-BBBB-CCCC"})
    unknown = stranger.post("/en/status/", data={"csrf_token": token, "reference": unknown_reference,
                                                 "status_code": "AAAA-BBBB-CCCC"})
    assert wrong.status_code == unknown.status_code == 400
    # The same answer whether the reference exists or not.
    assert _strip_values(wrong.get_data(as_text=True)) == _strip_values(unknown.get_data(as_text=True))
    assert "could not find" in wrong.get_data(as_text=True)
    typo = stranger.post("/en/status/", data={"csrf_token": token, "reference": reference[:-1] + str((int(reference[-1]) + 1) % 10),
                                              "status_code": "x"})
    assert "not a valid reference number" in typo.get_data(as_text=True)


def _strip_values(html: str) -> str:
    return re.sub(r'value="[^"]*"', "", html)


def test_status_lookup_is_rate_limited(client, sites):
    token = csrf_token_from(client.get("/de/status/").get_data(as_text=True))
    codes = [client.post("/de/status/", data={"csrf_token": token, "reference": "ABH-2026-000001-0",
                                              "status_code": f"AAAA-BBBB-{i:04d}"}).status_code for i in range(12)]
    assert codes[:10] == [400] * 10 and codes[10:] == [429, 429]


def test_status_by_code_and_by_the_mail_link(client, sites, db_session, app):
    applicant = Applicant(client, "fa")
    applicant.apply("general-enquiry", samples.STEPS["general-enquiry"], samples.FILES["general-enquiry"])
    done = client.get("/fa/apply/general-enquiry/done").get_data(as_text=True)
    reference = re.search(r'class="reference" dir="ltr">([^<]+)<', done).group(1)
    status_code = re.search(r'class="status-code" dir="ltr">([^<]+)<', done).group(1)

    typed = app.test_client()
    token = csrf_token_from(typed.get("/fa/status/").get_data(as_text=True))
    response = typed.post("/fa/status/", data={"csrf_token": token, "reference": reference.lower().replace("-", " "),
                                                "status_code": status_code.lower()})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/fa/status/{reference}")
    assert 'class="current-status"' in typed.get(f"/fa/status/{reference}").get_data(as_text=True)

    mail = db_session.scalars(select(OutboundMail)).one()
    link = re.search(r"https?://\S+/status/open\?\S+", mail.body_text).group(0).rstrip(".")
    clicked = app.test_client().get("/" + link.split("://", 1)[1].split("/", 1)[1].replace("&amp;", "&"))
    assert clicked.status_code == 302 and clicked.headers["Location"].endswith(f"/status/{reference}")


@pytest.mark.parametrize("lang", ["de", "uk", "ar"])
@pytest.mark.parametrize("code", sorted(samples.STEPS))
def test_fillable_pdf_forms(client, sites, code, lang):
    from portal.pdf.fillable import read_fillable_form

    response = client.get(f"/{lang}/services/{code}/form.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    filled = read_fillable_form(response.data)
    assert filled.service_code == code and filled.form_version == 1
    assert "surname" in filled.values and "declaration" in filled.values


def test_catalogue_lists_services_with_what_to_bring(client, sites):
    from portal.forms.catalogue import PUBLIC_CATALOGUE

    body = client.get("/en/services/").get_data(as_text=True)
    assert body.count('class="kern-card"') == len(PUBLIC_CATALOGUE) == len(samples.STEPS) + 1  # + card collection
    page = client.get("/en/services/temporary-protection/").get_data(as_text=True)
    assert "Biometric passport photo" in page and "Start the application" in page and "form.pdf" in page
    assert "Appointment" in page
    assert client.get("/en/services/no-such-service/").status_code == 404


def test_a_double_click_makes_one_submission(app, client, sites, db_session):
    """Two submit requests of the same application at the same moment, on two connections."""
    import threading

    code = "general-enquiry"
    applicant = Applicant(client, "de")
    applicant.start(code)
    for step, data in samples.STEPS[code].items():
        applicant.step(code, step, data)
    applicant.upload(code, samples.FILES[code])
    applicant.step(code, "documents", {})
    applicant.step(code, "review", {})
    token = applicant.token(f"/apply/{code}/declaration")
    cookie = client.get_cookie("session")

    twins = [app.test_client() for _ in range(2)]
    for twin in twins:
        twin.set_cookie("session", cookie.value, domain=cookie.domain, path=cookie.path)
    start, statuses = threading.Barrier(2), []

    def click(twin):
        start.wait()
        statuses.append(twin.post(f"/de/apply/{code}/submit", data={"csrf_token": token, "declaration": "yes"}).status_code)

    threads = [threading.Thread(target=click, args=(twin,)) for twin in twins]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert statuses == [302, 302]
    assert db_session.scalar(select(func.count()).select_from(Submission)) == 1
    assert db_session.scalar(select(func.count()).select_from(OutboundMail)) == 1


def _english_phrases() -> set[str]:
    from babel.messages.pofile import read_po

    from tests.support.helpers import ROOT

    with (ROOT / "portal/translations/en/LC_MESSAGES/messages.po").open("rb") as fh:
        ids = [m.id for m in read_po(fh) if m.id]
    # Whole sentences and labels long enough not to be names; placeholders cut off.
    return {text.split("%(")[0].strip() for text in (i[0] if isinstance(i, tuple) else i for i in ids)
            if len(text.split("%(")[0].strip()) > 14}


@pytest.mark.parametrize("lang", ["ar", "uk", "tr"])
@pytest.mark.parametrize("code", sorted(samples.STEPS))
def test_no_english_in_the_way(client, sites, lang, code):
    """Every page of every form, as an applicant sees it, has no untranslated text."""
    from html import unescape

    english = _english_phrases()
    pages = []
    applicant = Applicant(client, lang)
    pages.append(client.get(f"/{lang}/services/{code}/"))
    applicant.start(code)
    for step, data in samples.STEPS[code].items():
        pages.append(client.get(f"/{lang}/apply/{code}/{step}"))
        pages.append(applicant.step(code, step, {}))  # with every error message
        applicant.step(code, step, data)
    pages.append(client.get(f"/{lang}/apply/{code}/documents"))
    applicant.upload(code, samples.FILES[code])
    pages.append(applicant.step(code, "documents", {}))
    pages.append(client.get(f"/{lang}/apply/{code}/documents"))
    applicant.step(code, "review", {})
    pages.append(client.get(f"/{lang}/apply/{code}/review"))
    pages.append(client.get(f"/{lang}/apply/{code}/declaration"))
    pages.append(applicant.submit(code, declaration=False))
    applicant.submit(code)
    pages.append(client.get(f"/{lang}/apply/{code}/done"))
    for page in pages:
        text = unescape(re.sub(r"<[^>]+>", " ", page.get_data(as_text=True)))
        text = " ".join(text.split())
        found = sorted(phrase for phrase in english if phrase in text)
        assert not found, f"{lang} {code} {page.request.path}: {found}"


def test_confirmation_mail_reaches_the_applicant_with_the_receipt(app, client, sites, db_session, smtp):
    """Submit while the mail server is down; the worker delivers once it is back."""
    from sqlalchemy import update

    from portal.documents.storage import DocumentStorage

    Applicant(client, "uk").apply("temporary-protection", samples.STEPS["temporary-protection"],
                                  samples.FILES["temporary-protection"])
    runner = app.test_cli_runner()
    assert "retried 1" in runner.invoke(args=["worker", "--once"]).output  # nobody listening yet
    db_session.execute(update(OutboundMail).values(next_attempt_at=OutboundMail.created_at))  # due again
    db_session.commit()
    smtp.start()
    assert "sent 1" in runner.invoke(args=["worker", "--once"]).output

    message = smtp.handler.messages[0]
    submission = _submission(db_session)
    assert message["To"] == "o.shevchenko@example.org"
    assert submission.reference in message["Subject"] and message["Content-Language"] == "uk"
    attachment = next(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    stored = DocumentStorage(settings_of(app).storage_dir).read(submission.receipt_sha256)
    assert attachment.get_content() == stored
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert f"/uk/status/open?reference={submission.reference}" in text
    assert "Thank you" not in text, "the mail is in Ukrainian"
