"""Uploads at the edges in Chromium: the browser checks the chosen files against what the page
promises (10 MB a file, 40 MB in all) before sending, says so in the applicant's language, and
shows the server's reason for any refusal (413 included); the page stays usable and nothing
entered before is lost."""
from __future__ import annotations

import pytest
from flask_babel import force_locale, gettext
from playwright.sync_api import expect
from sqlalchemy import select

from portal.models import DraftUpload
from tests.support import samples
from tests.support.helpers import Applicant
from tests.support.large_files import MB, phone_photo, scanned_pdf

CODE = "general-enquiry"


@pytest.fixture
def documents_step(app, sites, page, live_server):
    """An applicant whose identity, contact and enquiry are entered (through the test client, the
    session handed to the browser), on the documents step in Chromium."""
    def open_in(lang: str):
        client = app.test_client()
        applicant = Applicant(client, lang)
        applicant.start(CODE)
        for step, data in samples.STEPS[CODE].items():
            assert applicant.step(CODE, step, data).status_code == 302
        session = client.get_cookie("session")
        page.context.add_cookies([{"name": "session", "value": session.value, "url": live_server}])
        page.goto(f"/{lang}/apply/{CODE}/documents")
        expect(page.locator("#documents-form")).to_be_visible()
        posts = []
        page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)
        return posts

    return open_in


def _text(app, lang: str, message: str, **values) -> str:
    with app.test_request_context(), force_locale(lang):
        return gettext(message, **values)


def _stored(db_session) -> list[str]:
    db_session.expire_all()
    return [u.filename for u in db_session.scalars(select(DraftUpload).order_by(DraftUpload.id))]


def _upload(page):
    page.locator("button[name=action][value=upload]").click()


def test_a_file_over_the_limit_is_refused_before_it_is_sent(app, documents_step, page, tmp_path, db_session):
    posts = documents_step("uk")
    scan = tmp_path / "паспорт-скан.pdf"
    scan.write_bytes(scanned_pdf(12 * MB))
    page.locator("#f-file-attachment").set_input_files(str(scan))
    _upload(page)

    problems = page.locator("#upload-problems")
    expect(problems).to_be_visible()
    expect(problems).to_be_focused()
    expect(problems).to_contain_text("паспорт-скан.pdf: " + _text(app, "uk", "The file is larger than %(limit)s MB.",
                                                                   limit=10))
    expect(problems).to_contain_text(_text(app, "uk", "Nothing was sent. What you entered before and the files "
                                                      "uploaded before are kept."))
    assert posts == [], "nothing was sent"
    assert page.locator("#f-file-attachment").input_value() == ""
    assert _stored(db_session) == []


def test_two_photos_under_the_limit_are_both_stored(app, documents_step, page, tmp_path, db_session):
    documents_step("ar")
    photos = []
    for name, label in (("IMG_20260301_101512.jpg", "Vorderseite"), ("IMG_20260301_101538.jpg", "Rückseite")):
        photo = tmp_path / name
        photo.write_bytes(phone_photo(int(8.7 * MB), f"Aufenthaltstitel {label}"))
        photos.append(str(photo))
    page.locator("#f-file-attachment").set_input_files(photos)
    _upload(page)

    expect(page.locator(".uploaded-files li")).to_have_count(2)
    expect(page.locator("#upload-problems")).to_have_count(0)
    assert _stored(db_session) == ["IMG_20260301_101512.jpg", "IMG_20260301_101538.jpg"]


def test_a_50_mb_file_is_refused_and_the_page_stays_usable(app, documents_step, page, tmp_path, db_session):
    posts = documents_step("ar")
    huge = tmp_path / "scan-600dpi.pdf"
    huge.write_bytes(scanned_pdf(50 * MB))
    page.locator("#f-file-attachment").set_input_files(str(huge))
    _upload(page)

    expect(page.locator("#upload-problems")).to_contain_text(
        "scan-600dpi.pdf: " + _text(app, "ar", "The file is larger than %(limit)s MB.", limit=10))
    assert posts == []
    letter = tmp_path / "رسالة.pdf"
    letter.write_bytes(samples.pdf_bytes(1))
    page.locator("#f-file-attachment").set_input_files(str(letter))
    _upload(page)
    expect(page.locator(".uploaded-files li")).to_have_count(1)
    assert _stored(db_session) == ["رسالة.pdf"]


def test_the_servers_refusal_is_shown_when_the_browser_did_not_check(app, documents_step, page, tmp_path,
                                                                      db_session):
    """A page without the limits (rendered before the office lowered them, say): 50 MB reach the
    server, which answers 413; its reason appears in the page, which stays usable."""
    documents_step("uk")
    letter = tmp_path / "лист.pdf"
    letter.write_bytes(samples.pdf_bytes(1))
    page.locator("#f-file-attachment").set_input_files(str(letter))
    _upload(page)
    expect(page.locator(".uploaded-files li")).to_have_count(1)

    page.evaluate("""() => { const form = document.getElementById('documents-form');
                             delete form.dataset.maxFileBytes; delete form.dataset.maxTotalBytes; }""")
    huge = tmp_path / "скан.pdf"
    huge.write_bytes(scanned_pdf(50 * MB))
    page.locator("#f-file-attachment").set_input_files(str(huge))
    with page.expect_response(lambda response: response.request.method == "POST") as answer:
        _upload(page)
    assert answer.value.status == 413

    problems = page.locator("#upload-problems")
    expect(problems).to_contain_text(_text(
        app, "uk", "The chosen files were not uploaded: together they are larger than the %(total)s MB an "
                   "application may have. Each file may be at most %(size)s MB.", total=40, size=10))
    expect(page.locator(".upload-progress")).to_be_hidden()
    expect(page.locator("button[name=action][value=upload]")).to_be_enabled()
    expect(page.locator(".uploaded-files li")).to_contain_text("лист.pdf")
    assert _stored(db_session) == ["лист.pdf"]
    # Still usable: the way on to the review.
    page.locator("#f-file-attachment").set_input_files([])
    page.locator("button[name=action][value=continue]").click()
    expect(page).to_have_url(f"{page.url.rsplit('/', 1)[0]}/review")
