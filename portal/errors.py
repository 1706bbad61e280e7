"""Error pages in the visitor's language (German in the back office)."""
from __future__ import annotations

from flask import Flask, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError

ERROR_TEXTS = {
    400: (_l("The request could not be processed"), _l("Please go back, reload the page and try again.")),
    403: (_l("Access denied"), _l("You are not allowed to open this page.")),
    404: (_l("Page not found"), _l("The address may be mistyped, or the page has moved.")),
    405: (_l("The request could not be processed"), _l("Please go back, reload the page and try again.")),
    413: (_l("The file is too large"), _l("Please go back and choose a smaller file, or a photo with fewer pixels.")),
    429: (_l("Too many attempts"), _l("Please wait a few minutes before you try again.")),
    500: (_l("Something went wrong on our side"), _l("Your data has not been lost. Please try again later.")),
}


def _render(status: int, detail=None):
    title, text = ERROR_TEXTS.get(status, ERROR_TEXTS[500])
    layout = "backoffice/layout.html" if request.blueprint == "backoffice" else "public/layout.html"
    return render_template("errors/error.html", layout=layout, status=status, title=title,
                           text=detail or text), status


def register_error_pages(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return _render(400, _l("The form has expired or was sent twice. Please reload the page and try again."))

    for status in (400, 403, 404, 405, 413, 429, 500):
        app.register_error_handler(status, lambda error, status=status: _render(status))
