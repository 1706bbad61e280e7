"""Uploads at the edges, without JavaScript: what the documents page promises (10 MB a file,
40 MB in all) is what the server takes in one request; anything larger is answered with the
documents page and the reason in the applicant's language, and nothing entered before is lost.
(The browser's own check before sending: tests/browser/test_upload_limits.py.)"""
from __future__ import annotations

import html
import re

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import func, select

from portal.config import settings_of
from portal.models import DraftUpload
from tests.support import samples
from tests.support.helpers import Applicant
from tests.support.large_files import MB, phone_photo, scanned_pdf

CODE = "general-enquiry"


@pytest.fixture
def applicant(client, sites):
    def at_documents(lang: str) -> Applicant:
        applicant = Applicant(client, lang)
        applicant.start(CODE)
        for step, data in samples.STEPS[CODE].items():
            applicant.step(CODE, step, data)
        return applicant

    return at_documents


def _translated(app, lang: str, message: str, **values) -> str:
    with app.test_request_context(), force_locale(lang):
        return gettext(message, **values)


def _uploads(db_session) -> list[str]:
    db_session.expire_all()
    return [u.filename for u in db_session.scalars(select(DraftUpload).order_by(DraftUpload.id))]


def test_two_photos_under_the_file_limit_are_taken_in_one_request(app, applicant, db_session):
    """Each 8.7 MB (under 10 MB), 17.4 MB together (under 40 MB): what the page promises."""
    response = applicant("ar").upload(CODE, {"attachment": [
        ("IMG_20260301_101512.jpg", phone_photo(int(8.7 * MB), "Aufenthaltstitel Vorderseite")),
        ("IMG_20260301_101538.jpg", phone_photo(int(8.7 * MB), "Aufenthaltstitel Rückseite")),
    ]})
    assert response.status_code == 302, response.status_code
    assert _uploads(db_session) == ["IMG_20260301_101512.jpg", "IMG_20260301_101538.jpg"]


def test_the_request_limit_is_what_an_application_may_have(app):
    assert app.config["MAX_CONTENT_LENGTH"] >= settings_of(app).uploads.max_submission_bytes \
        >= settings_of(app).uploads.max_file_bytes


def test_a_file_over_the_file_limit_is_refused_with_the_reason_in_arabic(app, applicant, db_session):
    response = applicant("ar").upload(CODE, {"attachment": [("جواز السفر.pdf", scanned_pdf(12 * MB))]})
    body = html.unescape(response.get_data(as_text=True))
    expected = _translated(app, "ar", "The file is larger than %(limit)s MB.", limit=10)
    assert response.status_code == 200 and 'id="error-summary"' in body
    assert f"جواز السفر.pdf: {expected}" in body and "MB" not in expected
    assert _uploads(db_session) == []


@pytest.mark.parametrize("lang", ["uk", "ar"])
def test_a_request_over_the_limit_gets_the_documents_page_with_the_reason(app, applicant, db_session, lang):
    """50 MB in one request (more than an application may have): 413, the documents page in the
    applicant's language with the reason, the file uploaded before still there, the way on open."""
    person = applicant(lang)
    assert person.upload(CODE, {"attachment": [("lebenslauf.pdf", samples.pdf_bytes(2))]}).status_code == 302

    response = person.upload(CODE, {"attachment": [("скан-паспорта.pdf", scanned_pdf(50 * MB))]})

    assert response.status_code == 413
    body = html.unescape(response.get_data(as_text=True))
    reason = ("The chosen files were not uploaded: together they are larger than the %(total)s MB an "
              "application may have. Each file may be at most %(size)s MB.")
    expected = _translated(app, lang, reason, total=40, size=10)
    assert expected != reason % {"total": 40, "size": 10}
    assert expected in body and 'id="error-summary"' in body
    assert f'<html lang="{lang}"' in body and 'id="documents-form"' in body
    assert "lebenslauf.pdf" in body and _uploads(db_session) == ["lebenslauf.pdf"]
    # What was entered before is kept: the application goes on to the review with it.
    assert person.step(CODE, "documents", {}).headers["Location"].endswith("/review")
    review = person.client.get(person.url(f"/apply/{CODE}/review")).get_data(as_text=True)
    assert "Al-Hassan" in review or "الحسن" in review


def test_the_page_gives_the_browser_its_limits_and_texts_translated(app, applicant, db_session):
    person = applicant("uk")
    person.upload(CODE, {"attachment": [("brief.pdf", samples.pdf_bytes(1))]})
    page = html.unescape(person.client.get(person.url(f"/apply/{CODE}/documents")).get_data(as_text=True))
    form = re.search(r'<form[^>]*id="documents-form"[^>]*>', page, re.S).group(0)
    attributes = dict(re.findall(r'(data-[\w-]+)="([^"]*)"', form))
    uploaded = db_session.scalars(select(func.sum(DraftUpload.size_bytes))).one()
    assert attributes["data-max-file-bytes"] == str(settings_of(app).uploads.max_file_bytes)
    assert attributes["data-max-total-bytes"] == str(settings_of(app).uploads.max_submission_bytes)
    assert attributes["data-uploaded-bytes"] == str(uploaded)
    assert attributes["data-text-too-large"] == _translated(app, "uk", "The file is larger than %(limit)s MB.",
                                                            limit=10)
    assert "МБ" in attributes["data-text-too-large-together"]
    assert "{status}" in attributes["data-text-failed"]
    file_input = re.search(r'<input[^>]*id="f-file-attachment"[^>]*>', page, re.S).group(0)
    # Four more of five; the count's plural form in Ukrainian ("файлів" for five).
    assert 'data-max-files="4"' in file_input and "5 файлів" in file_input
