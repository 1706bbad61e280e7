"""Sign-in wiring, role checks for the back office, and response headers."""
from __future__ import annotations

from flask import Flask, abort, current_app, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal.extensions import db, login_manager
from portal.models import Role, StaffUser

# Staff who work case files and submissions.
CASEWORK_STAFF = (Role.CASEWORKER, Role.TEAM_LEAD, Role.ADMIN)
LEADS = (Role.TEAM_LEAD, Role.ADMIN)
# Everyone with a staff account (sign-out, language, overview).
SIGNED_IN_STAFF = (*CASEWORK_STAFF, Role.DATA_PROTECTION)
AUDIT_READERS = (Role.ADMIN, Role.DATA_PROTECTION)


def requires_role(*roles: Role):
    """Declare who may open a back-office view; the blueprint guard enforces it."""

    def decorate(view):
        view.required_roles = frozenset(str(r) for r in roles)
        return view

    return decorate


def allow_anonymous(view):
    """Mark the few back-office views (sign-in) that anonymous visitors may open."""
    view.allows_anonymous = True
    return view


def guard_backoffice_request():
    """Runs before every back-office view: fail closed when a view declares no roles."""
    view = current_app.view_functions.get(request.endpoint or "")
    if view is None or getattr(view, "allows_anonymous", False):
        return None
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    roles = getattr(view, "required_roles", None)
    if not roles or current_user.role not in roles:
        abort(403)
    return None


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "backoffice.login"
    login_manager.login_message = _l("Please sign in to open this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(user_id: str):
        if not user_id.isdigit():
            return None
        return db.session.get(StaffUser, int(user_id))

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
        if app.config.get("ENV_NAME") == "production":
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if request.blueprint == "backoffice":
            # Personal data must not linger in shared browser caches.
            headers["Cache-Control"] = "no-store"
        return response
