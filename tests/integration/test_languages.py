"""Seven public languages by URL prefix; German back office."""
import re

import pytest

from portal.config import LANGUAGES

HTML_TAG = re.compile(r'<html lang="([a-z]+)" dir="(ltr|rtl)">')
# The start page heading, as each catalogue translates it.
EXPECTED_HEADING = {
    "de": "Willkommen bei den Online-Diensten",
    "en": "Welcome to the online services",
}


def _html_tag(response):
    match = HTML_TAG.search(response.get_data(as_text=True))
    assert match, "no <html lang dir> tag"
    return match.groups()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_language_has_its_start_page(client, sites, lang):
    response = client.get(f"/{lang}/")
    assert response.status_code == 200
    assert _html_tag(response) == (lang, "rtl" if lang in ("ar", "fa") else "ltr")
    body = response.get_data(as_text=True)
    # The switcher offers every language, named in itself, pointing at the same page.
    for other in LANGUAGES:
        assert f'href="/{other}/" lang="{other}" hreflang="{other}"' in body
    assert "Wetzlar" in body and "Dillenburg" in body


@pytest.mark.parametrize("lang", [lang for lang in LANGUAGES if lang != "en"])
def test_pages_are_translated(client, sites, lang):
    english = client.get("/en/").get_data(as_text=True)
    body = client.get(f"/{lang}/").get_data(as_text=True)
    for phrase in ("Welcome to the online services", "Our services", "Skip to main content", "Opening hours"):
        assert phrase in english
        assert phrase not in body, f"{phrase!r} untranslated in {lang}"
    if lang in EXPECTED_HEADING:
        assert EXPECTED_HEADING[lang] in body


def test_weekday_names_come_from_the_locale(client, sites):
    assert "Montag" in client.get("/de/contact").get_data(as_text=True)
    assert "понеділок" in client.get("/uk/contact").get_data(as_text=True)
    assert "دوشنبه" in client.get("/fa/contact").get_data(as_text=True)


@pytest.mark.parametrize("header, expected", [
    ("uk-UA,uk;q=0.9,en;q=0.5", "/uk/"),
    ("ar-SY,ar;q=0.9", "/ar/"),
    ("fa-IR", "/fa/"),
    ("tr", "/tr/"),
    ("fr-FR,fr;q=0.9", "/de/"),
    ("", "/de/"),
])
def test_first_visit_follows_accept_language(client, header, expected):
    response = client.get("/", headers={"Accept-Language": header} if header else {})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(expected)


def test_chosen_language_is_remembered_over_accept_language(client, sites):
    client.get("/ru/")
    response = client.get("/", headers={"Accept-Language": "de"})
    assert response.headers["Location"].endswith("/ru/")


def test_unknown_language_prefix_is_not_found(client):
    assert client.get("/xx/").status_code == 404
    assert client.get("/de-DE/").status_code == 404


def test_not_found_page_speaks_the_visitors_language(client):
    response = client.get("/uk/no-such-page")
    assert response.status_code == 404
    assert _html_tag(response) == ("uk", "ltr")
    assert "Page not found" not in response.get_data(as_text=True)


def test_backoffice_is_german_by_default(client):
    response = client.get("/backoffice/login", headers={"Accept-Language": "uk,en"})
    assert _html_tag(response) == ("de", "ltr")
    assert "Anmelden" in response.get_data(as_text=True)


@pytest.mark.parametrize("lang, count, expected", [
    ("tr", 2, "2 boş saat"),
    ("uk", 5, "5 вільних місць"),
    ("uk", 2, "2 вільні місця"),
    ("ru", 21, "21 свободное место"),
    ("de", 1, "1 freier Termin"),
])
def test_plural_rules_of_each_language(app, lang, count, expected):
    """Each language counts with its own plural forms (Turkish one, Ukrainian three, …)."""
    from flask_babel import ngettext

    with app.test_request_context(f"/{lang}/"):
        from flask import g

        g.lang = lang
        assert ngettext("%(num)s free time", "%(num)s free times", count) == expected


def test_the_catalogue_kept_for_the_request_follows_a_forced_language_and_back(app):
    """The catalogue is found once per request and language (portal.i18n.LocalDigitsDomain), so a
    mail written in another language within the request (force_locale) and the page after it each
    get their own texts, in templates too."""
    from flask import render_template_string
    from flask_babel import force_locale, gettext, refresh

    with app.test_request_context("/uk/"):
        from flask import g

        g.lang = "uk"
        assert gettext("Start page") == "Головна сторінка"
        with force_locale("ar"):
            assert gettext("Start page") == "الصفحة الرئيسية"
            assert render_template_string("{{ _('Start page') }}") == "الصفحة الرئيسية"
            with force_locale("de"):
                assert gettext("Start page") == "Startseite"
            assert gettext("Start page") == "الصفحة الرئيسية"
        assert gettext("Start page") == "Головна сторінка"
        assert render_template_string("{{ _('Start page') }}") == "Головна сторінка"
        g.lang = "tr"
        refresh()  # the language chosen anew: the next text is Turkish
        assert gettext("Start page") == "Ana sayfa"
