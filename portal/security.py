"""Response headers for every page (public and back office). The back office's own guard
(roles, staff sessions, refusals) is portal.backoffice.guard."""
from __future__ import annotations

from flask import Flask, request

from portal.config import settings_of


def init_app(app: Flask) -> None:
    @app.after_request
    def security_headers(response):
        headers = response.headers
        headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
            "frame-ancestors 'none'",
        )
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        if settings_of(app).is_production:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if request.blueprint == "backoffice":
            # Personal data must not linger in shared browser caches.
            headers["Cache-Control"] = "no-store"
        return response
