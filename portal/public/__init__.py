"""Applicant-facing blueprint: every page lives under /<lang>/."""
from __future__ import annotations

import functools
import time

from flask import Blueprint, abort, current_app, g, redirect, url_for
from flask_babel import get_locale
from werkzeug.http import dump_cookie

from portal.config import LANGUAGES

# Only the shipped languages match, so /favicon.ico or /xx/ never reach a public view.
bp = Blueprint("public", __name__, url_prefix=f"/<any({','.join(LANGUAGES)}):lang>")
root_bp = Blueprint("root", __name__)


@bp.url_value_preprocessor
def take_language(endpoint, values):
    lang = (values or {}).pop("lang", None)
    if lang not in LANGUAGES:
        abort(404)
    g.lang = lang


@bp.url_defaults
def add_language(endpoint, values):
    if "lang" not in values:
        values["lang"] = g.get("lang") or str(get_locale() or "de")


@bp.after_request
def remember_language(response):
    # The next visit to / opens in the language chosen now.
    if g.get("lang") not in LANGUAGES:
        return response  # an unknown prefix: nothing to remember
    response.headers.add("Set-Cookie", _language_cookie(g.lang, current_app.config["SESSION_COOKIE_SECURE"],
                                                        int(time.time())))
    return response


_YEAR = 365 * 24 * 3600


@functools.lru_cache(maxsize=32)
def _language_cookie(language: str, secure: bool, second: int) -> str:
    """The header response.set_cookie() would write in this second, made once per second (its
    expiry date counts in seconds), not on every page."""
    from portal.i18n import LANGUAGE_COOKIE

    return dump_cookie(LANGUAGE_COOKIE, language, max_age=_YEAR, expires=second + _YEAR, samesite="Lax",
                       httponly=True, secure=secure)


@bp.app_template_global()
def country_choices(language: str, nationality: bool = True):
    from portal.forms.countries import country_choices as choices

    return choices(language, nationality=nationality)


@root_bp.get("/")
def start():
    from portal.i18n import best_public_language

    return redirect(url_for("public.index", lang=best_public_language()))


from portal.public import applications, appointments, human_check, pages, services, status, views  # noqa: E402,F401  (routes register on bp)
from portal.public import labels  # noqa: E402,F401  (the applicants' labels)
from portal.public import answers  # noqa: E402,F401  (the answer to a request for documents)
from portal.public import invitations  # noqa: E402,F401  (the link of an invitation to book)
