"""Caseworker blueprint: every view requires sign-in and declares its roles."""
from __future__ import annotations

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from portal.security import guard_backoffice_request

bp = Blueprint("backoffice", __name__, url_prefix="/backoffice")
bp.before_request(guard_backoffice_request)

ROLE_LABELS = {
    "caseworker": _l("Caseworker"),
    "team_lead": _l("Team lead"),
    "admin": _l("Administrator"),
}


@bp.app_template_global()
def role_label(role: str) -> str:
    return str(ROLE_LABELS.get(role, role))

from portal.backoffice import auth, views  # noqa: E402,F401  (routes register on bp)
