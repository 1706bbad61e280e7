"""Errors of the API as `application/problem+json` (RFC 9457).

Every kind of error has a stable `type`: the address of its description under the API
(`…/api/v1/problems/<slug>`, served by the API itself and listed in docs/api.md), so that a client
branches on the type and shows `detail` to a person. `title` stays the same for a type; `detail`
says what happened this time; validation errors list each field in `errors`.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from flask import Response, current_app, request

MEDIA_TYPE = "application/problem+json"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ProblemType:
    status: int
    title: str
    description: str


TYPES: dict[str, ProblemType] = {
    "invalid-request": ProblemType(400, "The request is not valid",
                                   "A parameter or the body does not fit the API description; `errors` names "
                                   "each field and what is wrong with it."),
    "missing-token": ProblemType(401, "A bearer token is needed",
                                 "Send the client's token as `Authorization: Bearer <token>`."),
    "invalid-token": ProblemType(401, "The token is not valid",
                                 "The token is unknown or has been revoked. Ask the office's administrators "
                                 "for a new one."),
    "insufficient-scope": ProblemType(403, "The client may not do this",
                                      "The client's token lacks the scope this call needs (named in `detail`)."),
    "other-site": ProblemType(403, "This belongs to another site",
                              "The client is limited to one site of the office; the object belongs to the other."),
    "not-allowed": ProblemType(403, "Not allowed",
                               "The call is not open to API clients."),
    "not-found": ProblemType(404, "Not found", "There is no such object or address."),
    "method-not-allowed": ProblemType(405, "Method not allowed",
                                      "The address exists, but not with this HTTP method (see `Allow`)."),
    "conflict": ProblemType(409, "The change is not possible",
                            "The object is not in a state that allows the change (e.g. a submission that is "
                            "finished already), or the value is taken; `detail` says which."),
    "precondition-failed": ProblemType(412, "The object has changed",
                                       "`If-Match` names another version than the current one: read the object "
                                       "again and decide anew."),
    "too-large": ProblemType(413, "The request is too large", "The body is larger than the API takes."),
    "unsupported-media-type": ProblemType(415, "Send JSON", "The body must be `application/json`."),
    "rate-limited": ProblemType(429, "Too many requests",
                                "The client sent more requests than its limit allows; wait as long as "
                                "`Retry-After` says."),
    "internal-error": ProblemType(500, "Something went wrong on the office's side",
                                  "The error has been logged; nothing was changed. Try again later."),
    "unavailable": ProblemType(503, "The service is briefly unavailable",
                               "The database cannot be reached; nothing was changed. Try again in a few minutes."),
}
BY_STATUS = {400: "invalid-request", 401: "missing-token", 403: "not-allowed", 404: "not-found",
             405: "method-not-allowed", 409: "conflict", 412: "precondition-failed", 413: "too-large",
             415: "unsupported-media-type", 429: "rate-limited", 500: "internal-error", 503: "unavailable"}


class Problem(Exception):
    """Raised anywhere in an API view: answered as problem+json by the blueprint."""

    def __init__(self, slug: str, detail: str = "", *, errors: list[dict] | None = None,
                 headers: dict[str, str] | None = None):
        super().__init__(slug)
        self.slug = slug
        self.detail = detail
        self.errors = errors
        self.headers = headers or {}

    @property
    def status(self) -> int:
        return TYPES[self.slug].status


def type_uri(slug: str) -> str:
    return request.host_url.rstrip("/") + "/api/v1/problems/" + slug


def response(slug: str, detail: str = "", *, errors: list[dict] | None = None,
             headers: dict[str, str] | None = None) -> Response:
    kind = TYPES[slug]
    body = {"type": type_uri(slug), "title": kind.title, "status": kind.status,
            "detail": detail or kind.description, "instance": request.path}
    if errors:
        body["errors"] = errors
    result = current_app.response_class(json.dumps(body, ensure_ascii=False), status=kind.status, mimetype=MEDIA_TYPE)
    for name, value in (headers or {}).items():
        result.headers[name] = value
    result.headers["Cache-Control"] = "no-store"
    return result


def for_status(status: int, detail: str = "", headers: dict[str, str] | None = None) -> Response:
    """The problem for an HTTP status raised outside a view (no route matched, a 405)."""
    return response(BY_STATUS.get(status, "internal-error" if status >= 500 else "invalid-request"), detail,
                    headers=headers)


def from_exception(error: Problem) -> Response:
    return response(error.slug, error.detail, errors=error.errors, headers=error.headers)
