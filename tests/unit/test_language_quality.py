"""Language quality of what applicants read (issue 15, points 11 and 12): counts in every plural
form, one German name per service, Aufenthaltstitel and Aufenthaltserlaubnis kept apart, one
Persian term for each, German terms marked as German, Turkish mails in the formal register."""
from __future__ import annotations

import re

import pytest
from babel.messages.pofile import read_po
from flask_babel import force_locale, gettext, ngettext

from portal.content.seed import SEED_DIR, entries
from portal.forms.catalogue import PUBLIC_CATALOGUE
from tests.support.helpers import ROOT

TRANSLATIONS = ROOT / "portal" / "translations"


def _catalog(lang: str):
    with (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return read_po(fh, locale=lang)


@pytest.mark.parametrize("lang, num, text", [
    ("ar", 9, "9 دقائق"), ("ar", 2, "دقيقتان"), ("ar", 11, "11 دقيقةً"), ("ar", 1, "دقيقة واحدة"),
    ("ar", 100, "100 دقيقة"), ("de", 1, "1 Minute"), ("de", 10, "10 Minuten"), ("uk", 3, "3 хвилини"),
    ("uk", 5, "5 хвилин"), ("ru", 21, "21 минута"), ("tr", 10, "10 dakika"), ("fa", 10, "۱۰ دقیقه"),
])
def test_counts_take_the_languages_plural_form(babel_app, lang, num, text):
    from portal.i18n import LocalDigitsDomain

    with babel_app.test_request_context("/"), force_locale(lang):
        domain = LocalDigitsDomain(domain="messages")
        assert domain.ngettext("%(num)s minute", "%(num)s minutes", num) == text


def test_one_german_name_per_service(babel_app):
    """The list, the service page, the booking and the back office name a service alike (the
    services applicants see; the office's own intake kinds have no public name)."""
    seeded = {entry.slug: entry.texts["de"]["title"] for entry in entries() if entry.kind == "service"}
    with babel_app.test_request_context("/"), force_locale("de"):
        for entry in PUBLIC_CATALOGUE:
            assert str(entry.title) == entry.name_de, entry.code
            if entry.code in seeded:
                assert seeded[entry.code] == entry.name_de, entry.code


# What each language calls an Aufenthaltstitel (any residence title, the eAT card) and an
# Aufenthaltserlaubnis (the one kind of title): never the one for the other.
TITLE = {"de": "Aufenthaltstitel", "uk": "на право перебування", "ru": "на право пребывания",
         "ar": "وثيقة", "tr": "oturma belge", "fa": "سند اقامت"}
PERMIT = {"de": "Aufenthaltserlaubnis", "uk": "дозв", "ru": "на жительство", "ar": "تصريح",
          "tr": "oturma izn", "fa": "اجازه اقامت"}
NAMES_A_TITLE = ("Collection of your electronic residence title (eAT card)", "Your passport or residence title",
                 "Your previous residence title or certificate, if you have one")
NAMES_A_PERMIT = ("Extension of a residence permit", "Current residence permit", "Your residence permit",
                  "Apply in good time before your residence permit expires.", "Your current permit is valid until",
                  "Residence permit for temporary protection (section 24 Residence Act)")


def _definition_texts() -> dict[str, dict]:
    """Every text of the shipped form definitions by its English wording (the forms' texts live
    there, not in the catalogues)."""
    from portal.forms.definitions.shipped import shipped

    found = {}

    def walk(node):
        if isinstance(node, dict):
            if isinstance(node.get("en"), str) and isinstance(node.get("de"), str):
                found.setdefault(node["en"], node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(list(shipped().values()))
    return found


def _translated(lang: str, english: str) -> str:
    """The text in `lang`: from the catalogue, or from a shipped form definition."""
    message = _catalog(lang).get(english)
    if message is not None and message.string:
        return message.string
    return _definition_texts()[english][lang]


@pytest.mark.parametrize("lang", sorted(TITLE))
def test_residence_title_and_residence_permit_are_kept_apart(lang):
    for msgid in NAMES_A_TITLE:
        text = _translated(lang, msgid).lower()
        assert TITLE[lang].lower() in text and PERMIT[lang].lower() not in text, (lang, msgid, text)
    for msgid in NAMES_A_PERMIT:
        text = _translated(lang, msgid).lower()
        assert PERMIT[lang].lower() in text and TITLE[lang].lower() not in text, (lang, msgid, text)


def test_persian_uses_the_same_terms_in_catalogue_and_content():
    texts = [path.read_text(encoding="utf-8") for path in (SEED_DIR / "fa").glob("*.yaml")]
    texts.append((TRANSLATIONS / "fa" / "LC_MESSAGES" / "messages.po").read_text(encoding="utf-8"))
    for other in ("مجوز اقامت", "گذرنامه"):  # اجازه اقامت and پاسپورت everywhere
        assert not any(other in text for text in texts), other


def test_a_visit_may_last_at_most_90_days_in_every_language():
    wanted = {"de": "höchstens", "uk": "не більше", "ru": "не более", "ar": "لا يجوز", "tr": "en fazla",
              "fa": "می‌تواند حداکثر"}
    for lang, words in wanted.items():
        assert words in _translated(lang, "A visit with a visa may last at most 90 days."), lang


def test_german_terms_inside_other_languages_are_marked(babel_app):
    from markupsafe import Markup

    from portal.i18n import german_terms

    with babel_app.test_request_context("/"):
        marked = german_terms("Дозвіл на проживання (§ 24 AufenthG) <b>", "uk")
        assert '(<span lang="de">§ 24 AufenthG</span>)' in marked and "&lt;b&gt;" in marked
        html = german_terms(Markup('<p><a href="/x/Meldebescheinigung">Meldebescheinigung</a></p>'), "fa")
        assert html == '<p><a href="/x/Meldebescheinigung"><span lang="de">Meldebescheinigung</span></a></p>'
        assert german_terms("Art. 6 Abs. 1 lit. e DSGVO", "ar") == '<span lang="de">Art. 6 Abs. 1 lit. e DSGVO</span>'
        assert german_terms("§ 24 AufenthG", "de") == "§ 24 AufenthG"


def _mail_message_ids() -> set[str]:
    from babel.messages.extract import extract_from_dir

    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT / "portal" / "templates" / "mail"), method_map=[("**.txt", "jinja2"), ("**.html", "jinja2")]):
        found.add(message if isinstance(message, str) else message[0])
    return found


FORMAL_ENDINGS = ("ınız", "iniz", "unuz", "ünüz", "ız", "iz", "uz", "üz")


def test_turkish_mails_use_the_formal_register():
    """Requests end in the formal imperative (gönderiniz, not gönderin); the greeting is formal."""
    catalog = _catalog("tr")
    informal = []
    for msgid in _mail_message_ids():
        message = catalog.get(msgid)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in strings:
            for sentence in re.split(r"(?<=[.:!?])\s+", text):
                if re.search(r"\b[Ll]ütfen\b", sentence):
                    verb = re.findall(r"\w+", sentence)[-1]
                    if not verb.endswith(FORMAL_ENDINGS):
                        informal.append(sentence)
    assert not informal, informal
    assert catalog.get("Hello,").string.startswith("Sayın")


def test_content_tables_name_their_column_in_every_cell():
    """On a narrow screen each row is shown as a block; each cell keeps its heading."""
    from portal.content.rendering import render_markdown

    html = str(render_markdown("| Leistung | Gebühr |\n|---|---|\n| Aufenthaltserlaubnis | 100 € |"))
    assert '<td data-label="Leistung">Aufenthaltserlaubnis</td>' in html
    assert '<td data-label="Gebühr">100 €</td>' in html


def test_the_easy_german_page_explains_what_applicants_meet():
    text = (SEED_DIR / "de" / "page-easy-language.yaml").read_text(encoding="utf-8")
    for heading in ("Was ist eine Behörde?", "Was ist ein Antrag?", "Was ist ein Termin?",
                    "So finden Sie sich auf der Internet-Seite zurecht", "Etwas geht nicht? Sagen Sie es uns!"):
        assert f"## {heading}" in text, heading
    assert "barrierefreiheit@lahn-dill.example" in text


def test_gettext_without_app_context_is_english():
    """Sanity: the checks above read real catalogues, not English fall-backs."""
    assert gettext("Hello,") == "Hello," and ngettext("%(num)s page", "%(num)s pages", 2) == "2 pages"
