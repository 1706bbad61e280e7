"""Language choice: URL prefix for applicants, profile/session for staff.

Public pages live under /<lang>/. The first visit to / is redirected by Accept-Language
(or by the language chosen before, kept in a cookie). Back-office pages are German unless
the staff member picked English.
"""
from __future__ import annotations

from datetime import datetime, time

from babel import dates, numbers
from flask import Flask, g, request, session, url_for
from flask_babel import get_locale
from flask_login import current_user

from portal.config import BACKOFFICE_LANGUAGES, DEFAULT_LANGUAGE, LANGUAGES, RTL_LANGUAGES
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
    return dates.format_time(value, "HH:mm", locale=get_locale() or DEFAULT_LANGUAGE)


def office_time(value: datetime) -> str:
    """An appointment's time as on the office's clock (Europe/Berlin), 24-hour."""
    return dates.format_time(to_office_time(value).time(), "HH:mm", locale=get_locale() or DEFAULT_LANGUAGE)


def office_date(value: datetime, width: str = "full") -> str:
    return dates.format_date(to_office_time(value).date(), width, locale=get_locale() or DEFAULT_LANGUAGE)


def weekday_names() -> list[tuple[str, str]]:
    """(short, full) names, Monday first, for calendar headers."""
    locale = get_locale() or DEFAULT_LANGUAGE
    short = dates.get_day_names("abbreviated", locale=locale)
    full = dates.get_day_names("wide", locale=locale)
    return [(short[i], full[i]) for i in range(7)]


def numberformat(value: int) -> str:
    return numbers.format_decimal(value, locale=get_locale() or DEFAULT_LANGUAGE)


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
    app.add_template_filter(weekday_name)
    app.add_template_filter(clock)
    app.add_template_filter(numberformat)
    app.add_template_filter(office_time)
    app.add_template_filter(office_date)
    app.add_template_global(weekday_names)

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
