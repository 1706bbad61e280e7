"""Language choice: URL prefix for applicants, profile/session for staff.

Public pages live under /<lang>/. The first visit to / is redirected by Accept-Language
(or by the language chosen before, kept in a cookie). Back-office pages are German unless
the staff member picked English.
"""
from __future__ import annotations

import functools
from datetime import datetime, time

from babel import dates, numbers
from flask import Flask, g, request, session, url_for
from flask_babel import Domain, get_locale
from flask_login import current_user

import re

from markupsafe import Markup, escape

from portal.config import BACKOFFICE_LANGUAGES, DEFAULT_LANGUAGE, LANGUAGES, RTL_LANGUAGES
from portal.domain.digits import LOCAL_DIGITS, local_digits
from portal.domain.office_time import to_office_time
from portal.extensions import babel

LANGUAGE_COOKIE = "portal_lang"

# Each language named in itself, as a language switcher must show it.
AUTONYMS = {
    "de": "Deutsch",
    "en": "English",
    "uk": "Українська",
    "ru": "Русский",
    "ar": "العربية",
    "tr": "Türkçe",
    "fa": "فارسی",
}


# Between the items of a list written in words ("Monday, 9:00"; "Surname, Given names").
COMMAS = {"ar": "، ", "fa": "، "}


def _language() -> str:
    return str(get_locale() or DEFAULT_LANGUAGE)


def localised(text: str) -> str:
    """Digits as the current language's pages show them (Persian digits on Persian pages)."""
    return local_digits(text, _language())


def comma() -> str:
    """The current language's comma between listed items (، in Arabic and Persian)."""
    return COMMAS.get(_language(), ", ")


# German legal and official terms that stay German inside other languages (applicants meet them on
# letters and cards): marked lang="de" so that screen readers pronounce them as German.
GERMAN_TERMS = re.compile(
    r"Art\.\s?\d+(?:\sAbs\.\s?\d+)?(?:\s(?:lit\.\s)?[a-z]\b)?(?:\sund\s[a-z])?\sDSGVO\b"
    r"|§+\s?\d+[a-z]?(?:\s(?:Abs\.|Absatz)\s?\d+)?(?:\s(?:Satz|Nr\.)\s?\d+)?(?:\s(?:lit\.\s)?[a-z]\))?"
    r"\s(?:AufenthG|AsylG|AZRG|HDSIG|HVBIT|HessBGG|DDG|MStV|BMG|AufenthV|FreizügG/EU)\b"
    r"|\b(?:Aufenthaltsgesetz|AufenthG|Aufenthaltserlaubnis|Aufenthaltstitels?|Niederlassungserlaubnis|"
    r"Fiktionsbescheinigung|Meldebescheinigung|Verpflichtungserklärung|Personalausweis|Ausländerbehörde|"
    r"Bürgerbüro|Leichte Sprache|Verordnung|Kreisausschuss des Lahn-Dill-Kreises|Datenschutzhinweise|"
    r"Impressum|DSGVO|HDSIG|HVBIT|HessBGG|eAT)\b")
_TAG = re.compile(r"(<[^>]*>)")


def german_terms(text, language: str | None = None) -> Markup:
    """Text (or sanitised HTML) with its German terms marked lang="de"; unchanged on German pages."""
    language = language or _language()
    html = text if isinstance(text, Markup) else escape(str(text or ""))  # escape() returns Markup
    if language == "de":
        return html
    parts = _TAG.split(str(html))
    marked = [part if part.startswith("<") else GERMAN_TERMS.sub(r'<span lang="de">\g<0></span>', part)
              for part in parts]
    return Markup("".join(marked))  # noqa: S704  (escaped or sanitised above; only our spans added)


def text_direction(language: str) -> str:
    return "rtl" if language in RTL_LANGUAGES else "ltr"


def best_public_language() -> str:
    remembered = request.cookies.get(LANGUAGE_COOKIE)
    if remembered in LANGUAGES:
        return remembered
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT_LANGUAGE


def backoffice_language() -> str:
    if current_user.is_authenticated and current_user.preferred_language in BACKOFFICE_LANGUAGES:
        return current_user.preferred_language
    chosen = session.get("backoffice_lang")
    return chosen if chosen in BACKOFFICE_LANGUAGES else DEFAULT_LANGUAGE


def select_locale() -> str:
    if request.blueprint == "backoffice":
        return backoffice_language()
    lang = g.get("lang")
    if lang in LANGUAGES:
        return lang
    # A page that does not exist under /uk/... still answers in Ukrainian.
    prefix = request.path.strip("/").split("/", 1)[0]
    if prefix in LANGUAGES:
        return prefix
    return best_public_language()


def switch_language_url(language: str) -> str:
    """The current public page in another language (the start page if there is none)."""
    view_args = dict(request.view_args or {})
    if request.endpoint and request.blueprint == "public" and "lang" in view_args:
        view_args["lang"] = language
        return url_for(request.endpoint, **view_args, **request.args.to_dict(flat=True))
    return url_for("public.index", lang=language)


def weekday_name(weekday: int) -> str:
    """0 = Monday, in the current language (from the CLDR data that Babel ships)."""
    return dates.get_day_names("wide", locale=get_locale() or DEFAULT_LANGUAGE)[weekday]


def clock(value: time) -> str:
    """A wall-clock time of the office (opening hours), 24-hour as on the office's door;
    digits follow the locale. No time-zone conversion."""
    return localised(dates.format_time(value, "HH:mm", locale=get_locale() or DEFAULT_LANGUAGE))


def office_time(value: datetime) -> str:
    """An appointment's time as on the office's clock (Europe/Berlin), 24-hour."""
    return localised(dates.format_time(to_office_time(value).time(), "HH:mm", locale=get_locale() or DEFAULT_LANGUAGE))


def office_date(value: datetime, width: str = "full") -> str:
    return localised(dates.format_date(to_office_time(value).date(), width, locale=get_locale() or DEFAULT_LANGUAGE))


def weekday_names() -> list[tuple[str, str]]:
    """(short, full) names, Monday first, for calendar headers: the shortest CLDR names (a week
    of them fits a 320 px screen in every language), the full name for assistive technology."""
    locale = get_locale() or DEFAULT_LANGUAGE
    short = dates.get_day_names("short", locale=locale)
    full = dates.get_day_names("wide", locale=locale)
    return [(short[i], full[i]) for i in range(7)]


def partial_date(value: str) -> str:
    """A stored date (ISO, unknown parts as 00) as the language writes it: 27 March 1987,
    March 1987 or 1987, with the page's digits."""
    from datetime import date

    from portal.domain.dates import PartialDate

    try:
        parsed = PartialDate.parse(value) if value else None
    except ValueError:
        return value
    if parsed is None or parsed.year is None:
        return ""
    locale = get_locale() or DEFAULT_LANGUAGE
    if parsed.day:
        text = dates.format_date(date(parsed.year, parsed.month, parsed.day), "long", locale=locale)
    elif parsed.month:
        text = dates.format_skeleton("yMMMM", date(parsed.year, parsed.month, 1), locale=locale)
    else:
        text = str(parsed.year)
    return localised(text)


def numberformat(value) -> str:
    """A number with the language's digits and separators (۱۲٬۰۲۶ in Persian, 12.026 in German)."""
    language = _language()
    system = "default" if language in LOCAL_DIGITS else "latn"
    return local_digits(numbers.format_decimal(value, locale=get_locale() or DEFAULT_LANGUAGE,
                                               numbering_system=system), language)


def _number_in(value, language: str):
    """A number put into a translated text, in the language's digits (not grouped: it may be a year)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return value
    return local_digits(str(value), language)


def _localise_numbers(variables: dict) -> dict:
    if not variables:
        return variables
    language = _language()
    if language not in LOCAL_DIGITS:
        return variables
    return {name: _number_in(value, language) for name, value in variables.items()}


_KEPT_CATALOGUE = "_portal_catalogue"


class LocalDigitsDomain(Domain):
    """Flask-Babel's domain, putting numbers into translated texts in the page's digits."""

    def get_translations(self):
        """The catalogue of the current locale. Flask-Babel finds it anew for every text (the
        context, its cache, the locale's name): about 10 µs, and a back-office page has hundreds
        of texts. Kept on `g` for the locale object it was found for, so that force_locale (which
        sets another for a while) and refresh() (which drops it) are followed."""
        locale = get_locale()
        if locale is None:  # outside a request or app context
            return super().get_translations()
        kept = g.get(_KEPT_CATALOGUE)
        if kept is not None and kept[0] is locale and kept[1] is self:
            return kept[2]
        translations = super().get_translations()
        setattr(g, _KEPT_CATALOGUE, (locale, self, translations))
        return translations

    def gettext(self, string, **variables):
        return super().gettext(string, **_localise_numbers(variables))

    def ngettext(self, singular, plural, num, **variables):
        variables.setdefault("num", num)
        return self.get_translations().ungettext(singular, plural, num) % _localise_numbers(variables)

    def pgettext(self, context, string, **variables):
        return super().pgettext(context, string, **_localise_numbers(variables))

    def npgettext(self, context, singular, plural, num, **variables):
        variables.setdefault("num", num)
        return self.get_translations().unpgettext(context, singular, plural, num) % _localise_numbers(variables)


def _numbers_in_templates(gettext_callable, plural: bool = False):
    """Jinja's gettext/ngettext (installed by Flask-Babel), with numbers in the page's digits."""
    @functools.wraps(gettext_callable)
    def call(__context, *args, **variables):
        if plural and len(args) >= 3:
            variables.setdefault("num", args[2])
        return gettext_callable(__context, *args, **_localise_numbers(variables))
    return call


def _digits_of(format_function):
    """A Flask-Babel date filter whose output has the page's digits."""
    @functools.wraps(format_function)
    def formatted(*args, **kwargs):
        return localised(format_function(*args, **kwargs))
    return formatted


def _replacing(previous, function):
    """Mark `function` as the deliberate replacement of a helper registered before under its
    name (tests/unit/test_template_names.py refuses any other second registration)."""
    @functools.wraps(previous)
    def replacement(*args, **kwargs):
        return function(*args, **kwargs)
    return replacement


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
    babel.domain_instance = LocalDigitsDomain(domain=app.config.get("BABEL_DOMAIN", "messages"))
    env = app.jinja_env
    for name in ("datetimeformat", "dateformat", "timeformat"):
        env.filters[name] = _digits_of(env.filters[name])
    env.filters["numberformat"] = _replacing(env.filters["numberformat"], numberformat)
    env.globals["gettext"] = _numbers_in_templates(env.globals["gettext"])
    env.globals["ngettext"] = _numbers_in_templates(env.globals["ngettext"], plural=True)
    app.add_template_filter(weekday_name)
    app.add_template_filter(clock)
    app.add_template_filter(office_time)
    app.add_template_filter(office_date)
    app.add_template_global(weekday_names)
    app.add_template_global(comma)
    app.add_template_filter(german_terms)
    app.add_template_filter(partial_date)

    @app.context_processor
    def language_context():
        current = str(get_locale() or DEFAULT_LANGUAGE)
        return {
            "current_language": current,
            "text_direction": text_direction(current),
            "public_languages": [(code, AUTONYMS[code]) for code in LANGUAGES],
            "backoffice_languages": [(code, AUTONYMS[code]) for code in BACKOFFICE_LANGUAGES],
            "switch_language_url": switch_language_url,
            "text_direction_of": text_direction,
        }
