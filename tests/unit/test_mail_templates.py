"""Mail templates: filled in the recipient's language, right-to-left where needed, self-contained."""
import re
from datetime import date

import pytest
from babel.dates import format_date
from babel.messages.extract import extract_from_file

from portal.notify.templates import SUBJECTS, render_mail
from tests.support.helpers import ROOT

MAIL_TEMPLATES = ROOT / "portal" / "templates" / "mail"
URL = re.compile(r"""(?:https?:)?//[^\s"'<>]+""")

RECEIVED = {
    "service_title": "Aufenthaltserlaubnis <Studium> & Arbeit",
    "reference": "ABH-2026-004711",
    "status_code": "K7P4-QX2M",
    "status_url": "https://portal.abh-test.example/uk/status",
}
RESUME = {
    "service_title": "Blaue Karte EU",
    "resume_url": "https://portal.abh-test.example/ar/drafts/resume?token=Zm9vYmFy-42",
    "expires_on": date(2026, 3, 14),
}


def _render(app, name, language, context):
    with app.test_request_context():
        return render_mail(name, language, **context)


def _assert_self_contained(mail, allowed_urls):
    for part in (mail.text, mail.html):
        assert {u.replace("&amp;", "&") for u in URL.findall(part)} <= set(allowed_urls)
    assert not re.search(r"<(script|link|img|iframe|style)\b", mail.html, re.I)
    assert "{{" not in mail.text + mail.html and "%(" not in mail.text + mail.html + mail.subject


@pytest.mark.parametrize("language", ["de", "uk", "ar"])
def test_submission_received(app, language):
    mail = _render(app, "submission_received", language, RECEIVED)
    assert RECEIVED["reference"] in mail.subject and "\n" not in mail.subject
    for value in (RECEIVED["reference"], RECEIVED["status_code"], RECEIVED["status_url"]):
        assert value in mail.text and value in mail.html
    # The text part is not escaped; the HTML part is.
    assert RECEIVED["service_title"] in mail.text
    assert "Aufenthaltserlaubnis &lt;Studium&gt; &amp; Arbeit" in mail.html and "<Studium>" not in mail.html
    assert f'href="{RECEIVED["status_url"]}"' in mail.html
    _assert_self_contained(mail, [RECEIVED["status_url"]])


@pytest.mark.parametrize("language", ["de", "uk", "ar"])
def test_draft_resume(app, language):
    mail = _render(app, "draft_resume", language, RESUME)
    assert RESUME["service_title"] in mail.subject
    # The date is written the recipient's way, which shows the locale was forced.
    expected_date = format_date(RESUME["expires_on"], "long", locale=language)
    assert expected_date in mail.text and expected_date in mail.html
    assert RESUME["resume_url"] in mail.text
    assert RESUME["resume_url"].replace("&", "&amp;") in mail.html
    _assert_self_contained(mail, [RESUME["resume_url"]])


@pytest.mark.parametrize("language, direction", [("de", "ltr"), ("uk", "ltr"), ("ar", "rtl"), ("fa", "rtl")])
def test_html_declares_language_and_direction(app, language, direction):
    mail = _render(app, "submission_received", language, RECEIVED)
    assert f'<html lang="{language}" dir="{direction}">' in mail.html
    # Mail clients often drop <html>: the wrapper says it again.
    assert f'<div lang="{language}" dir="{direction}"' in mail.html


def test_the_locale_is_the_recipients_not_the_requests(app):
    with app.test_request_context("/de/"):
        mail = render_mail("draft_resume", "uk", **RESUME)
    assert format_date(RESUME["expires_on"], "long", locale="uk") in mail.text


def test_render_works_without_a_request(app):
    with app.app_context():
        mail = render_mail("draft_resume", "de", **RESUME)
    assert "14. März 2026" in mail.text


def test_unknown_template_or_language_is_refused(app):
    with app.app_context(), pytest.raises(ValueError):
        render_mail("no_such_mail", "de")
    with app.app_context(), pytest.raises(ValueError):
        render_mail("draft_resume", "xx", **RESUME)


def test_line_breaks_in_values_do_not_reach_the_subject(app):
    with app.app_context():
        mail = render_mail("draft_resume", "de", **{**RESUME, "service_title": "Blaue\r\nBcc: x@evil.example"})
    assert "\r" not in mail.subject and "\n" not in mail.subject


@pytest.mark.parametrize("name", sorted(SUBJECTS))
def test_text_part_uses_only_message_ids_of_the_html_part(name):
    """babel.cfg extracts *.html only: the .txt twin must not bring strings of its own."""
    def ids(path):
        return {message for _, message, _, _ in extract_from_file("jinja2", path)}

    for suffix in ("", "_layout"):
        stem = name if suffix == "" else suffix
        text_ids, html_ids = ids(MAIL_TEMPLATES / f"{stem}.txt"), ids(MAIL_TEMPLATES / f"{stem}.html")
        assert text_ids and text_ids <= html_ids, text_ids - html_ids
