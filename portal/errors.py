"""Error pages in the visitor's language (German in the back office)."""
from __future__ import annotations

from flask import Flask, current_app, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from sqlalchemy.exc import InterfaceError, OperationalError

ERROR_TEXTS = {
    400: (_l("The request could not be processed"), _l("Please go back, reload the page and try again.")),
    403: (_l("Access denied"), _l("You are not allowed to open this page.")),
    404: (_l("Page not found"), _l("The address may be mistyped, or the page has moved.")),
    405: (_l("The request could not be processed"), _l("Please go back, reload the page and try again.")),
    413: (_l("The file is too large"), _l("Please go back and choose a smaller file, or a photo with fewer pixels.")),
    429: (_l("Too many attempts"), _l("Please wait a few minutes before you try again.")),
    500: (_l("Something went wrong on our side"), _l("Your data has not been lost. Please try again later.")),
    503: (_l("The service is briefly unavailable"),
          _l("Nothing you sent in this step was stored. Please try again in a few minutes.")),
}


def _render(status: int, detail=None, error=None):
    if request.path.startswith("/api/"):
        # Under the API (an address it does not have, a method it does not take): JSON for programs.
        from portal.api.problems import for_status

        allow = error.get_headers() if error is not None and hasattr(error, "get_headers") else []
        return for_status(status, headers={name: value for name, value in allow if name == "Allow"})
    title, text = ERROR_TEXTS.get(status, ERROR_TEXTS[500])
    layout = "backoffice/layout.html" if request.blueprint == "backoffice" else "public/layout.html"
    return render_template("errors/error.html", layout=layout, status=status, title=title,
                           text=detail or text), status


def error_page(status: int, detail=None):
    """The error page for `status` (for a blueprint's own handler that falls back to it)."""
    return _render(status, detail)


def _database_unavailable(error):
    """The database is down or unreachable: a plain page that needs no database to render."""
    from portal.extensions import db

    current_app.logger.error("database unavailable: %s", error)
    try:
        db.session.rollback()
    except Exception:  # noqa: S110 - the connection is gone; the pool replaces it later
        pass
    title, text = ERROR_TEXTS[503]
    headers = {"Retry-After": "120", "Cache-Control": "no-store"}
    try:
        return render_template("errors/error.html", layout="base.html", status=503, title=title, text=text), \
            503, headers
    except Exception:  # a template helper needed the database after all
        page = (f"<!doctype html><meta charset=utf-8><title>{escape(title)}</title>"
                f"<h1>{escape(title)}</h1><p>{escape(text)}</p>")
        return page, 503, headers


def register_error_pages(app: Flask) -> None:
    for error in (OperationalError, InterfaceError):
        app.register_error_handler(error, _database_unavailable)

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return _render(400, _l("The form has expired or was sent twice. Please reload the page and try again."))

    for status in (400, 403, 404, 405, 413, 429, 500):
        app.register_error_handler(status, lambda error, status=status: _render(status, error=error))
