"""The applicant's answer to a request for documents, through the Flask test client: the link from
the mail, the files per requested slot (checked and refused like the application's uploads, with
the same messages), the answer itself, and everything refused that must be: another submission's
request, a browser without status access, a missing CSRF token, a body larger than allowed."""
import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.casework import actions
from portal.casework import requests as document_requests
from portal.config import settings_of
from portal.documents.storage import DocumentStorage
from portal.domain.office_time import local_date
from portal.models import (
    AnswerUpload, AuditEvent, CaseFile, Document, DocumentRequest, Submission, SubmissionMessage,
)
from portal.models._types import utcnow
from tests.support import samples
from tests.support.app_factory import override_settings
from tests.support.helpers import csrf_token_from

INVALID = "This link does not work (any more)"


def _today():
    return local_date(utcnow())


@pytest.fixture
def asked(app, db_session, make_submission, make_staff):
    """A Ukrainian applicant's submission (temporary protection); ask() makes a caseworker of
    Wetzlar ask for documents (passport and registration certificate unless told otherwise)."""
    made = make_submission(service_code="temporary-protection")
    staff = make_staff()

    def ask(slots=("passport", "registration"), message="Bitte die Seite mit dem Visum.", target=None):
        with app.test_request_context():
            new = document_requests.ask_for_documents(
                db_session, target or made.submission, staff, list(slots), message,
                deadline=_today() + timedelta(days=14), today=_today(), office=settings_of(app).office)
        db_session.commit()
        return new

    return made, ask


def _status(client, reference, lang="en"):
    return client.get(f"/{lang}/status/{reference}")


def _token(client, reference, lang="en") -> str:
    """The session's CSRF token (the look-up page has it whatever the status page shows)."""
    return csrf_token_from(client.get(f"/{lang}/status/").get_data(as_text=True))


def _post(client, reference, request_id, action, lang="en", files=None, csrf=True, **fields):
    data = dict(fields)
    if csrf:
        data["csrf_token"] = _token(client, reference, lang) if csrf is True else csrf
    for slot, items in (files or {}).items():
        data[f"file-{slot}"] = [(io.BytesIO(content), name) for name, content in items]
    return client.post(f"/{lang}/status/{reference}/requests/{request_id}/{action}", data=data,
                       content_type="multipart/form-data")


def _opened(app, token, lang="en"):
    """A fresh browser that followed the link; returns (client, response)."""
    client = app.test_client()
    return client, client.get(f"/{lang}/answer/{token}")


def _uploads(db_session):
    db_session.expire_all()
    return db_session.scalars(select(AnswerUpload).order_by(AnswerUpload.id)).all()


# -- the link -----------------------------------------------------------------------------------

def test_the_link_opens_the_status_page_at_the_requests_without_the_token_in_the_address(app, asked):
    made, ask = asked
    request = ask()
    reference = made.submission.reference
    client = app.test_client()
    assert _status(client, reference).status_code == 302, "no access before the link"
    response = client.get(f"/uk/answer/{request.token}")
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.endswith(f"/uk/status/{reference}#requests") and request.token not in location
    page = client.get(location.split("#")[0])
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="requests"' in body and request.token not in body
    assert f'id="answer-{request.request.id}-file-passport"' in body
    assert f'id="answer-{request.request.id}-file-registration"' in body
    assert f'id="answer-{request.request.id}-file-other"' in body
    assert 'name="csrf_token"' in body and 'maxlength="4000"' in body


def test_the_requests_section_in_english_names_documents_note_and_deadline(app, asked):
    made, ask = asked
    ask()
    client, _ = _opened(app, ask(slots=("passport",), message="Bitte\nalle Seiten.").token)
    body = _status(client, made.submission.reference).get_data(as_text=True)
    section = body[body.index('id="requests"'):]
    # The document names in the applicant's language (Ukrainian), marked as such on an English page.
    assert 'lang="uk"' in section and "Please send us:" in section and "Note from the office:" in section
    assert "Bitte\nalle Seiten." in section
    deadline = _today() + timedelta(days=14)
    assert f"Please answer by {deadline:%B} {deadline.day}, {deadline.year}." in section
    assert 'accept=".pdf,.jpg,.jpeg,.png,.heic,.heif' in section and "Send answer" in section


def test_wrong_answered_withdrawn_and_outdated_links_give_the_same_404_page(app, db_session, asked, make_staff):
    made, ask = asked
    reference = made.submission.reference

    def refused(token):
        client, response = _opened(app, token)
        assert response.status_code == 404 and INVALID in response.get_data(as_text=True)
        assert _status(client, reference).status_code == 302, "no access was granted"
        return re.sub(r'value="[^"]*"', "", response.get_data(as_text=True))

    wrong = refused("not-a-real-token-" + "x" * 20)
    outdated = ask()
    outdated.request.deadline = _today() - timedelta(days=document_requests.LINK_DAYS_AFTER_DEADLINE + 1)
    db_session.commit()
    assert refused(outdated.token) == wrong, "nothing tells a used link from a wrong one"

    answered = ask()
    with app.test_request_context():
        document_requests.send_answer(db_session, DocumentStorage(settings_of(app).storage_dir), answered.request,
                                      "Готово.", language="uk")
    db_session.commit()
    assert refused(answered.token) == wrong

    withdrawn = ask()
    actions.close(db_session, made.submission, make_staff(), "Erledigt.")
    db_session.commit()
    assert db_session.get(DocumentRequest, withdrawn.request.id).state == "withdrawn"
    assert refused(withdrawn.token) == wrong


def test_the_link_is_rate_limited_like_the_status_lookup(app):
    client = app.test_client()
    codes = [client.get(f"/de/answer/guess-{i:04d}").status_code for i in range(12)]
    assert codes[:10] == [404] * 10 and codes[10:] == [429, 429]


# -- who may post ---------------------------------------------------------------------------------

def test_another_submissions_request_and_a_browser_without_access_get_404(app, db_session, asked, make_submission):
    made, ask = asked
    theirs = ask()
    mine = make_submission(surname="Коваленко", given_names="Ірина", service_code="temporary-protection")
    own = ask(target=mine.submission)
    client, _ = _opened(app, own.token)
    _post(client, mine.submission.reference, own.request.id, "files",
          files={"passport": [("own.pdf", samples.pdf_bytes(1))]})
    own_upload = _uploads(db_session)[0]

    # Their request under my reference (to which I have access), and under theirs (no access).
    for reference in (mine.submission.reference, made.submission.reference):
        for action in ("files", "answer", f"files/{own_upload.id}/remove"):
            token = _token(client, mine.submission.reference)
            response = _post(client, reference, theirs.request.id, action, csrf=token, answer="Hallo",
                             files={"passport": [("x.pdf", samples.pdf_bytes(1))]})
            assert response.status_code == 404, (reference, action)
    # My request under their reference, my upload through their request: 404 as well.
    token = _token(client, mine.submission.reference)
    assert _post(client, made.submission.reference, own.request.id, "answer", csrf=token,
                 answer="Hallo").status_code == 404
    assert _post(client, made.submission.reference, theirs.request.id, f"files/{own_upload.id}/remove",
                 csrf=token).status_code == 404
    # A stranger without status access to anything.
    stranger = app.test_client()
    stranger_token = csrf_token_from(stranger.get("/en/status/").get_data(as_text=True))
    assert _post(stranger, mine.submission.reference, own.request.id, "answer", csrf=stranger_token,
                 answer="Hallo").status_code == 404
    assert [u.filename for u in _uploads(db_session)] == ["own.pdf"], "nothing else was taken"
    assert db_session.get(DocumentRequest, theirs.request.id).state == "open"
    assert db_session.get(DocumentRequest, own.request.id).state == "open"


def test_a_post_without_csrf_token_is_refused_and_changes_nothing(app, db_session, asked):
    made, ask = asked
    new = ask()
    client, _ = _opened(app, new.token)
    client.get(f"/en/status/{made.submission.reference}")
    for action in ("files", "answer"):
        response = _post(client, made.submission.reference, new.request.id, action, csrf=False, answer="Hallo",
                         files={"passport": [("a.pdf", samples.pdf_bytes(1))]})
        assert response.status_code == 400
    assert _uploads(db_session) == [] and db_session.get(DocumentRequest, new.request.id).state == "open"


# -- files --------------------------------------------------------------------------------------

def test_a_pdf_and_a_phone_photo_are_uploaded_to_their_slots_and_can_be_removed(app, db_session, asked):
    made, ask = asked
    new = ask()
    reference = made.submission.reference
    client, _ = _opened(app, new.token)
    response = _post(client, reference, new.request.id, "files",
                     files={"passport": [("паспорт.pdf", samples.pdf_bytes(2))],
                            "registration": [("IMG_20261207_101500.jpg", samples.jpeg_bytes())]})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/en/status/{reference}#requests")
    uploads = _uploads(db_session)
    assert [(u.slot, u.filename, u.media_type) for u in uploads] == [
        ("passport", "паспорт.pdf", "application/pdf"), ("registration", "IMG_20261207_101500.jpg", "image/jpeg")]
    first = uploads[0].id
    page = _status(client, reference).get_data(as_text=True)
    assert "2 files uploaded" in page and "паспорт.pdf" in page and "IMG_20261207_101500.jpg" in page
    assert f"/requests/{new.request.id}/files/{first}/remove" in page

    removed = _post(client, reference, new.request.id, f"files/{first}/remove")
    assert removed.status_code == 302
    assert [u.filename for u in _uploads(db_session)] == ["IMG_20261207_101500.jpg"]
    # Removing it again (a replayed post) finds nothing.
    assert _post(client, reference, new.request.id, f"files/{first}/remove").status_code == 404
    # After a post, the address it leaves leads back to the page.
    back = client.get(f"/en/status/{reference}/requests/{new.request.id}/files")
    assert back.status_code == 302 and back.headers["Location"].endswith(f"/en/status/{reference}#requests")


def test_the_limit_per_slot_and_an_unknown_slot_are_refused_with_the_applications_messages(app, db_session, asked):
    made, ask = asked
    new = ask(slots=("photo", "passport"))  # the biometric photo: one file
    reference = made.submission.reference
    client, _ = _opened(app, new.token)
    response = _post(client, reference, new.request.id, "files",
                     files={"photo": [("a.jpg", samples.jpeg_bytes()), ("b.jpg", samples.jpeg_bytes())],
                            "income": [("lohn.pdf", samples.pdf_bytes(1))]})
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and 'id="error-summary"' in body
    assert f'href="#answer-{new.request.id}-file-photo"' in body
    assert "b.jpg: You can upload at most 1 file here. Please remove it first." in body
    assert f'href="#answer-{new.request.id}-file-other"' in body and "lohn.pdf: Unknown document." in body
    assert [(u.slot, u.filename) for u in _uploads(db_session)] == [("photo", "a.jpg")]
    assert f'aria-describedby="answer-{new.request.id}-file-other-error"' in body


@pytest.mark.parametrize("lang", ["en", "uk"])
def test_a_refused_file_is_explained_in_the_applicants_language_and_not_kept(app, db_session, asked, lang):
    made, ask = asked
    new = ask()
    client, _ = _opened(app, new.token, lang)
    response = _post(client, made.submission.reference, new.request.id, "files", lang=lang,
                     files={"passport": [("pass.pdf", samples.encrypted_pdf_bytes())]})
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and "pass.pdf" in body
    assert ("The PDF can only be opened with a password." in body) == (lang == "en")
    assert _uploads(db_session) == []


def test_an_infected_file_is_refused_with_its_message_and_recorded(app, db_session, asked, monkeypatch,
                                                                     running_clamd):
    from tests.support.clamd import FOUND_AS, eicar_pdf

    override_settings(monkeypatch, app, virus_scan={"address": running_clamd.address, "when_unavailable": "refuse"})
    made, ask = asked
    new = ask()
    client, _ = _opened(app, new.token)
    response = _post(client, made.submission.reference, new.request.id, "files",
                     files={"passport": [("pass.pdf", eicar_pdf())]})
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and "pass.pdf: The virus scanner found malware in this file" in body
    assert _uploads(db_session) == []
    event = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "virus_found")).one()
    assert (event.object_type, event.object_id) == ("document_request", str(new.request.id))
    assert event.detail["signature"] == FOUND_AS and event.detail["filename"] == "pass.pdf"


def test_a_body_larger_than_allowed_gives_the_page_again_with_what_was_uploaded(app, db_session, asked):
    made, ask = asked
    new = ask()
    reference = made.submission.reference
    client, _ = _opened(app, new.token)
    _post(client, reference, new.request.id, "files", files={"passport": [("a.pdf", samples.pdf_bytes(1))]})
    too_big = b"%PDF-1.4\n" + b"0" * (app.config["MAX_CONTENT_LENGTH"] + 10)
    response = _post(client, reference, new.request.id, "files", files={"registration": [("huge.pdf", too_big)]})
    body = response.get_data(as_text=True)
    assert response.status_code == 413 and 'id="requests"' in body and "a.pdf" in body
    assert "The chosen files were not uploaded: together they are larger than" in body
    assert [u.filename for u in _uploads(db_session)] == ["a.pdf"]
    # Elsewhere the application's handling is unchanged: the error page.
    assert client.post("/en/status/", data={"x": too_big}, content_type="multipart/form-data").status_code == 413


# -- the answer ---------------------------------------------------------------------------------

def test_an_empty_answer_is_refused(app, db_session, asked):
    made, ask = asked
    new = ask()
    client, _ = _opened(app, new.token)
    response = _post(client, made.submission.reference, new.request.id, "answer", answer="   ")
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and "Please upload a document or write an answer." in body
    assert f'href="#answer-{new.request.id}-text"' in body
    assert f'aria-describedby="answer-{new.request.id}-text-hint answer-{new.request.id}-text-error"' in body
    assert db_session.get(DocumentRequest, new.request.id).state == "open"


def test_the_text_typed_so_far_is_kept_when_a_file_is_uploaded_and_shown_escaped(app, db_session, asked):
    made, ask = asked
    new = ask()
    reference = made.submission.reference
    client, _ = _opened(app, new.token)
    hostile = '<script>alert("x")</script> & <img src=x onerror=alert(1)>'
    response = _post(client, reference, new.request.id, "files", answer=hostile,
                     files={"passport": [("a.pdf", samples.pdf_bytes(1))]})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "a.pdf" in body
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;img src=x onerror=alert(1)&gt;" in body
    assert "<script>alert" not in body and "<img src=x" not in body
    # Too long: refused, the text kept (escaped) and nothing sent.
    refused = _post(client, reference, new.request.id, "answer", answer=hostile + "x" * 4000)
    assert refused.status_code == 400 and "Use at most 4000 characters." in refused.get_data(as_text=True)
    assert "<script>alert" not in refused.get_data(as_text=True)
    sent = _post(client, reference, new.request.id, "answer", answer=hostile)
    assert sent.status_code == 302
    page = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert "<script>alert" not in page and "<img src=x" not in page
    assert db_session.scalars(select(SubmissionMessage.body).where(SubmissionMessage.author == "applicant")).one() \
        == hostile


def test_sending_the_answer_files_the_documents_in_submission_and_case_file(app, db_session, asked, case_files):
    made, ask = asked
    submission = made.submission
    case_file = db_session.scalars(select(CaseFile).where(CaseFile.site_id == submission.site_id)).first()
    submission.case_file_id = case_file.id  # linked by the intake, not confirmed yet: still open
    db_session.commit()
    new = ask()
    reference = submission.reference
    client, _ = _opened(app, new.token, "uk")
    before = set(db_session.scalars(select(Document.id)))
    _post(client, reference, new.request.id, "files", lang="uk",
          files={"passport": [("паспорт.pdf", samples.pdf_bytes(2, "Паспорт громадянина України"))]})
    # The last file comes with the answer itself, as when "Send answer" is pressed with a file chosen.
    response = _post(client, reference, new.request.id, "answer", lang="uk",
                     answer="Добрий день! Надсилаю паспорт і довідку.",
                     files={"registration": [("IMG_20261207_101500.jpg", samples.jpeg_bytes())]})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/uk/status/{reference}")
    page = client.get(response.headers["Location"])
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "kern-alert--success" in body
    assert f"/requests/{new.request.id}/" not in body, "the request is answered: no form any more"

    db_session.expire_all()
    new_documents = db_session.scalars(select(Document).where(Document.id.not_in(before))).all()
    assert {d.kind for d in new_documents} == {"passport", "registration"}
    assert all(d.submission_id == submission.id and d.case_file_id == case_file.id for d in new_documents)
    request = db_session.get(DocumentRequest, new.request.id)
    assert request.state == "answered" and request.answered_at is not None and request.uploads == []
    submission = db_session.get(Submission, submission.id)
    assert submission.status == "in_progress" and submission.answer_received_at is not None
    message = db_session.scalars(select(SubmissionMessage).where(SubmissionMessage.author == "applicant")).one()
    assert message.language == "uk" and message.channel == "web" and message.document_count == 2
    assert message.body == "Добрий день! Надсилаю паспорт і довідку."
    assert message.transliteration == "Dobryi den! Nadsylaiu pasport i dovidku."
    # The link has done its work; posting again finds no open request.
    assert _opened(app, new.token, "uk")[1].status_code == 404
    assert _post(client, reference, new.request.id, "answer", lang="uk", answer="Ще раз").status_code == 404
    assert db_session.scalar(select(func.count()).select_from(SubmissionMessage)
                             .where(SubmissionMessage.author == "applicant")) == 1
