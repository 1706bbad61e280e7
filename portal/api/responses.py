"""Answers of the API views: JSON of a response model, ETags of single resources (a client
re-reads with If-None-Match and gets 304 when nothing changed, and changes with If-Match so that
it never overwrites what it has not seen), and the audit entry of every read."""
from __future__ import annotations

import hashlib

from flask import Response, current_app, request
from pydantic import BaseModel

from portal.api.auth import current_client
from portal.api.problems import Problem
from portal.audit import record
from portal.extensions import db


def _body(model: BaseModel) -> bytes:
    return model.model_dump_json().encode("utf-8")


def etag_of(model: BaseModel) -> str:
    return hashlib.sha256(_body(model)).hexdigest()[:40]


def json_response(model: BaseModel, status: int = 200, *, etag: bool = False, location: str | None = None) -> Response:
    """The model as JSON; with `etag`, a strong ETag of exactly these bytes and a 304 when the
    request's If-None-Match names it."""
    body = _body(model)
    response = current_app.response_class(body, status=status, mimetype="application/json")
    response.headers["Cache-Control"] = "no-store"  # personal data: not for shared caches
    if location:
        response.headers["Location"] = location
    if etag:
        tag = hashlib.sha256(body).hexdigest()[:40]
        response.set_etag(tag)
        if status == 200 and request.if_none_match.contains(tag):
            not_modified = current_app.response_class(status=304)
            not_modified.set_etag(tag)
            not_modified.headers["Cache-Control"] = "no-store"
            return not_modified
    return response


def require_current(model: BaseModel) -> None:
    """A change with If-Match is made only on the version the client has seen (412 otherwise)."""
    if request.if_match and not request.if_match.star_tag and not request.if_match.contains(etag_of(model)):
        raise Problem("precondition-failed", "The object has changed since the client read it; read it again.")


def audit_read(action: str, object_type: str, object_id="", **detail) -> None:
    """A read by the API client, in the audit trail (committed with the request)."""
    record(db.session, action, staff=None, api_client=current_client(), object_type=object_type,
           object_id=object_id, client_address=request.remote_addr or "",
           detail={"api": f"{request.method} {request.path}"[:200], **detail})
    db.session.commit()
