"""Response headers for every page (public and back office). The back office's own guard
(roles, staff sessions, refusals) is portal.backoffice.guard."""
from __future__ import annotations

from flask import Flask, request

from portal.config import settings_of

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)


# Each added unless the view set its own (as setdefault would, in one pass over the headers).
_EVERYWHERE = (("Content-Security-Policy", CONTENT_SECURITY_POLICY), ("X-Content-Type-Options", "nosniff"),
               ("Referrer-Policy", "same-origin"), ("X-Frame-Options", "DENY"))
_HTTPS_ONLY = (("Strict-Transport-Security", "max-age=31536000; includeSubDomains"),)
_DEVELOPMENT = tuple((name, name.lower(), value) for name, value in _EVERYWHERE)
_PRODUCTION = tuple((name, name.lower(), value) for name, value in _EVERYWHERE + _HTTPS_ONLY)


def init_app(app: Flask) -> None:
    @app.after_request
    def security_headers(response):
        headers = response.headers
        present = set(headers.keys(lower=True))
        for name, lowered, value in _PRODUCTION if settings_of(app).is_production else _DEVELOPMENT:
            if lowered not in present:
                headers.add(name, value)
        if request.blueprint == "backoffice":
            # Personal data must not linger in shared browser caches.
            headers["Cache-Control"] = "no-store"
        return response
