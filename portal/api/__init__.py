"""The JSON API under /api/v1 for the specialist application and other systems.

Thin views over the domain (portal.casework, portal.casefiles, portal.appointments,
portal.change_feed); every call needs a bearer token of an API client (portal.clients) with the
scope the view declares, is rate-limited per client and is in the audit trail. Errors are
problem+json (portal.api.problems), lists page by opaque cursors, single resources carry ETags.
The OpenAPI 3.1 description is generated from the views' declarations (portal.api.openapi).
"""
from __future__ import annotations

import logging

from flask import Blueprint
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

from portal.api import problems
from portal.api.auth import authenticate, rate_limit_key
from portal.extensions import csrf, limiter

log = logging.getLogger(__name__)

bp = Blueprint("api", __name__, url_prefix="/api/v1")
bp.before_request(authenticate)
# No CSRF token: the API sets no cookies, and a browser never sends a bearer token by itself.
csrf.exempt(bp)


def _rate_limit() -> str:
    from portal.config import current_settings

    return current_settings().api.rate_limit


limiter.limit(_rate_limit, key_func=rate_limit_key)(bp)


@bp.errorhandler(problems.Problem)
def _problem(error: problems.Problem):
    return problems.from_exception(error)


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    headers = {name: value for name, value in error.get_headers() if name in ("Allow", "Retry-After")}
    return problems.for_status(error.code or 500, headers=headers)


@bp.errorhandler(OperationalError)
@bp.errorhandler(InterfaceError)
def _database_unavailable(error):
    from portal.extensions import db

    log.error("database unavailable: %s", error)
    try:
        db.session.rollback()
    except Exception:  # noqa: S110 - the connection is gone; the pool replaces it later
        pass
    return problems.response("unavailable", headers={"Retry-After": "120"})


@bp.errorhandler(Exception)
def _unexpected(error: Exception):
    from portal.extensions import db

    log.exception("API request failed")
    db.session.rollback()
    return problems.response("internal-error")


from portal.api import appointments, casefiles, documents, events, meta, submissions  # noqa: E402,F401  (routes register on bp)
