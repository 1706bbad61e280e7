"""The anti-bot check before a time is reserved: the challenge the widget fetches, and what
the template needs to show the widget. The check itself is in portal.appointments.pow."""
from __future__ import annotations

from pathlib import Path

from flask import abort, current_app, g, jsonify, url_for
from flask_babel import get_locale

from portal.appointments import pow as proof_of_work
from portal.config import current_settings
from portal.extensions import limiter
from portal.public import bp

# Where scripts/vendor_assets.py puts the widget's external build (altcha.js, altcha.css,
# worker.js) and its translations (i18n/<lang>.js), all served from our own /static.
WIDGET_DIR = "vendor/altcha"
FALLBACK_LANGUAGE = "en"


@bp.get("/appointments/challenge")
@limiter.limit("60 per minute")
def human_check_challenge():
    check = current_settings().human_check
    if not check.enabled:
        abort(404)
    response = jsonify(proof_of_work.create_challenge(
        current_app.config["SECRET_KEY"], max_number=check.max_number, expiry_minutes=check.expiry_minutes))
    # Each challenge may be used once: never from a cache.
    response.headers["Cache-Control"] = "no-store"
    return response


def _widget_language(lang: str) -> str:
    """The page's language if the widget ships a translation for it, else English."""
    translation = Path(current_app.static_folder or "", WIDGET_DIR, "i18n", f"{lang}.js")
    return lang if translation.is_file() else FALLBACK_LANGUAGE


@bp.app_template_global()
def human_check_widget(challenge_endpoint: str = "public.human_check_challenge") -> dict | None:
    """Settings and files of the widget for the current page; None when the check is off.
    The back office's sign-in passes its own challenge endpoint."""
    if not current_settings().human_check.enabled:
        return None
    language = _widget_language(g.get("lang") or str(get_locale() or FALLBACK_LANGUAGE))
    return {
        "challenge_url": url_for(challenge_endpoint),
        "field": proof_of_work.FIELD,
        "language": language,
        "script": url_for("static", filename=f"{WIDGET_DIR}/altcha.js"),
        "translation": url_for("static", filename=f"{WIDGET_DIR}/i18n/{language}.js"),
        "stylesheet": url_for("static", filename=f"{WIDGET_DIR}/altcha.css"),
        "worker": url_for("static", filename=f"{WIDGET_DIR}/worker.js"),
    }
