"""The API's routes describe themselves: `@operation(...)` on a view says what it is for, the
scopes it needs, its path, query and body models and what it answers. The decorator checks the
request against those models before the view runs (a 400 or 415 problem otherwise) and hands the
view the parsed values; portal.api.openapi builds the API description from the same records and
the app's URL map, so the description cannot drift from the code.

A view without `@operation` is refused (fail closed, as the back office's guard does).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field

from flask import request
from pydantic import BaseModel, ValidationError

from portal.api.problems import Problem

# Problems every operation can answer: bad parameters, rate limit, the database away.
COMMON_PROBLEMS = (400, 429, 503)
# ... and every operation that needs a token.
TOKEN_PROBLEMS = (401, 403)
MAX_BODY_BYTES = 256 * 1024


@dataclass(frozen=True)
class Operation:
    summary: str
    tag: str
    description: str = ""
    scopes: tuple[str, ...] = ()  # any one of them opens it; () with public=True: no token needed
    public: bool = False
    path: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    status: int = 200
    binary: tuple[str, ...] = ()  # media types of a file answer (instead of `response`)
    problems: tuple[int, ...] = ()  # beyond COMMON_PROBLEMS (and TOKEN_PROBLEMS)
    etag: bool = False  # a single resource: ETag, If-None-Match (304)
    if_match: bool = False  # a change: If-Match (412)
    headers: dict[str, str] = field(default_factory=dict)  # response headers: name -> description

    @property
    def all_problems(self) -> tuple[int, ...]:
        found = set(COMMON_PROBLEMS) | set(self.problems)
        if not self.public:
            found |= set(TOKEN_PROBLEMS)
        if self.body is not None:
            found |= {413, 415}
        if self.if_match:
            found.add(412)
        return tuple(sorted(found))


def _errors(error: ValidationError, where: str) -> list[dict]:
    found = []
    for item in error.errors(include_url=False, include_input=False):
        location = ".".join(str(part) for part in (where, *item["loc"]))
        found.append({"location": location, "message": item["msg"]})
    return found


def _parse(model: type[BaseModel], values: dict, where: str) -> BaseModel:
    try:
        return model.model_validate(values)
    except ValidationError as error:
        if where == "path":
            # A path that cannot name anything names nothing.
            raise Problem("not-found", "There is no such object.", errors=_errors(error, where)) from None
        raise Problem("invalid-request", f"The {where} parameters are not valid.",
                      errors=_errors(error, where)) from None


def _body(model: type[BaseModel]) -> BaseModel:
    if request.mimetype != "application/json":
        raise Problem("unsupported-media-type", "Send the body as application/json.")
    if (request.content_length or 0) > MAX_BODY_BYTES:
        raise Problem("too-large", f"The body may have at most {MAX_BODY_BYTES} bytes.")
    raw = request.get_data(cache=True)
    if len(raw) > MAX_BODY_BYTES:
        raise Problem("too-large", f"The body may have at most {MAX_BODY_BYTES} bytes.")
    try:
        return model.model_validate_json(raw)
    except ValidationError as error:
        raise Problem("invalid-request", "The body is not valid.", errors=_errors(error, "body")) from None


def operation(**options):
    """Describe and check an API view; the view gets `path`, `query` and `body` (models) as
    keyword arguments for those it declares."""
    op = Operation(**options)

    def decorate(view):
        @functools.wraps(view)
        def checked(**view_args):
            values = {}
            if op.path is not None:
                values["path"] = _parse(op.path, view_args, "path")
            if op.query is not None:
                values["query"] = _parse(op.query, request.args.to_dict(flat=True), "query")
            elif request.args:
                raise Problem("invalid-request", "This call takes no query parameters.",
                              errors=[{"location": f"query.{name}", "message": "unknown parameter"}
                                      for name in list(request.args)[:20]])
            if op.body is not None:
                values["body"] = _body(op.body)
            return view(**values)

        checked.api_operation = op
        return checked

    return decorate


def operation_of(view) -> Operation | None:
    return getattr(view, "api_operation", None)
