"""The API's description, OpenAPI 3.1, generated from the code: every route of the `api`
blueprint in the app's URL map with the declaration of its view (portal.api.registry), and the
JSON Schemas (2020-12, OpenAPI 3.1's dialect) of the pydantic models it reads and writes
(portal.api.schemas). Assembled with apispec. A route without a declaration would be refused
by the API, and tests/integration/test_api_description.py checks that every route is here."""
from __future__ import annotations

import json
import re

from apispec import APISpec
from flask import current_app, request
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from portal.api import schemas as S
from portal.api.problems import TYPES, BY_STATUS
from portal.api.registry import Operation, operation_of

TITLE = "Ausländerbehörde: API for the specialist application"
VERSION = "1.0.0"
_REF = "#/components/schemas/{model}"
_ARGUMENT = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")
_CACHE_KEY = "portal.api.openapi"
DESCRIPTION = (
    "Submissions, documents, case files, appointments and a change feed of the office's portal, for the "
    "specialist application (and other systems the office allows). Every call needs a bearer token of an API "
    "client (`Authorization: Bearer …`), made by the office's administrators with the scopes it may use; a client "
    "limited to one site sees that site only. Errors are `application/problem+json` (RFC 9457) with a stable "
    "`type`; lists page by an opaque cursor; single resources carry an ETag (If-None-Match, If-Match). Calls are "
    "rate-limited per client and recorded in the office's audit trail.")


def api_operations(app) -> list[tuple[str, str, Operation, str]]:
    """(OpenAPI path, method, declaration, endpoint) of every declared API route, in a stable
    order."""
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("api."):
            continue
        op = operation_of(app.view_functions[rule.endpoint])
        if op is None:
            continue
        path = _ARGUMENT.sub(r"{\1}", rule.rule.removeprefix("/api/v1"))
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((path, method.lower(), op, rule.endpoint))
            _CONVERTERS[rule.endpoint] = {name: type(converter).__name__
                                         for name, converter in rule._converters.items()}
    return sorted(found, key=lambda item: (item[0], item[1]))


# endpoint -> its URL arguments' converter kinds, for arguments no path model describes
_CONVERTERS: dict[str, dict[str, str]] = {}


def _undeclared_path_parameters(endpoint: str, names: list[str], declared: set[str]) -> list[dict]:
    kinds = _CONVERTERS.get(endpoint, {})
    return [{"name": name, "in": "path", "required": True,
             "schema": {"type": "integer", "minimum": 0} if kinds.get(name) == "IntegerConverter" else
             {"type": "string", "minLength": 1}}
            for name in names if name not in declared]


def _plain(schema: dict) -> dict:
    """A parameter's schema: without the title, and without the null a query string cannot send."""
    schema = {key: value for key, value in schema.items() if key != "title"}
    options = schema.pop("anyOf", None)
    if options:
        kept = [option for option in options if option.get("type") != "null"]
        schema.update(kept[0] if len(kept) == 1 else {"anyOf": kept})
        if schema.get("default", "") is None:
            schema.pop("default")
    return schema


def _parameters(model: type[BaseModel] | None, where: str, order: list[str] | None = None) -> list[dict]:
    if model is None:
        return []
    schema = model.model_json_schema(ref_template=_REF)
    required = set(schema.get("required", ()))
    names = order or list(schema.get("properties", {}))
    found = []
    for name in names:
        prop = schema["properties"][name]
        parameter = {"name": name, "in": where, "required": where == "path" or name in required,
                     "schema": _plain(prop)}
        if "description" in prop:
            parameter["description"] = prop["description"]
            parameter["schema"].pop("description", None)
        found.append(parameter)
    return found


def _problem_responses(op: Operation) -> dict:
    responses = {}
    for status in op.all_problems:
        slugs = [slug for slug, kind in TYPES.items() if kind.status == status]
        responses[str(status)] = {
            "description": TYPES[BY_STATUS[status]].title + (f" ({', '.join(slugs)})" if len(slugs) > 1 else ""),
            "content": {"application/problem+json": {"schema": {"$ref": _REF.format(model="Problem")}}}}
    return responses


def _success(op: Operation, names: dict) -> dict:
    headers = {name: {"description": text, "schema": {"type": "string"}} for name, text in op.headers.items()}
    if op.etag:
        headers["ETag"] = {"description": "The version of this representation (If-None-Match, If-Match).",
                           "schema": {"type": "string"}}
    if op.binary:
        content = {media_type: {} for media_type in op.binary}
    elif op.response is not None:
        content = {"application/json": {"schema": {"$ref": _REF.format(model=names[op.response, "serialization"])}}}
    else:
        content = {"application/json": {"schema": {"type": "object"}}}
    answer = {"description": "OK" if op.status == 200 else "Created", "content": content}
    if headers:
        answer["headers"] = headers
    return answer


def _operation(path: str, method: str, op: Operation, endpoint: str, names: dict) -> dict:
    order = [name for name in re.findall(r"{([^}]+)}", path)]
    declared = set(op.path.model_fields) if op.path is not None else set()
    parameters = (_parameters(op.path, "path", [name for name in order if name in declared])
                  + _undeclared_path_parameters(endpoint, order, declared) + _parameters(op.query, "query"))
    if op.etag and method == "get":
        parameters.append({"name": "If-None-Match", "in": "header", "required": False, "schema": {"type": "string"},
                           "description": "The ETag read before: 304 when nothing changed."})
    if op.if_match:
        parameters.append({"name": "If-Match", "in": "header", "required": False, "schema": {"type": "string"},
                           "description": "The ETag read before: the change is made only on that version (412)."})
    responses = {str(op.status): _success(op, names)}
    if op.etag and method == "get" or op.binary:
        responses["304"] = {"description": "Not modified (If-None-Match named the current version)."}
    responses.update(_problem_responses(op))
    scopes = ", ".join(op.scopes)
    description = op.description + (f"\n\nScope: {' or '.join(op.scopes)}." if op.scopes else "")
    result = {"operationId": endpoint.removeprefix("api."), "summary": op.summary, "description": description.strip(),
              "tags": [op.tag], "responses": responses,
              "security": [] if op.public else [{"bearerAuth": [scope]} for scope in op.scopes]}
    if scopes:
        result["x-scopes"] = list(op.scopes)
    if parameters:
        result["parameters"] = parameters
    if op.body is not None:
        result["requestBody"] = {"required": True, "content": {
            "application/json": {"schema": {"$ref": _REF.format(model=names[op.body, "validation"])}}}}
    return result


def build(app, server_url: str) -> dict:
    operations = api_operations(app)
    models = {(S.Problem, "serialization")}
    for _path, _method, op, _endpoint in operations:
        if op.response is not None:
            models.add((op.response, "serialization"))
        if op.body is not None:
            models.add((op.body, "validation"))
    ordered = sorted(models, key=lambda item: (item[0].__name__, item[1]))
    keys, top = models_json_schema(ordered, ref_template=_REF)
    names = {key: value["$ref"].rsplit("/", 1)[-1] for key, value in keys.items()}
    spec = APISpec(title=TITLE, version=VERSION, openapi_version="3.1.0",
                   info={"description": DESCRIPTION}, servers=[{"url": server_url}],
                   tags=[{"name": tag} for tag in ("submissions", "documents", "casefiles", "appointments", "events",
                                                   "meta")])
    spec.components.security_scheme("bearerAuth", {
        "type": "http", "scheme": "bearer",
        "description": "The token of an API client (`flask --app portal api-clients create`, or the back "
                       "office's API clients page); scopes: submissions:read, submissions:write, casefiles:read, "
                       "casefiles:write, appointments:read."})
    for name, schema in sorted(top.get("$defs", {}).items()):
        spec.components.schema(name, schema)
    paths: dict[str, dict] = {}
    for path, method, op, endpoint in operations:
        paths.setdefault(path, {})[method] = _operation(path, method, op, endpoint, names)
    for path, methods in paths.items():
        spec.path(path=path, operations=methods)
    return spec.to_dict()


def document() -> str:
    """The description as JSON, for the server this request reached (built once per app; only
    the server's address is the request's)."""
    described = current_app.extensions.get(_CACHE_KEY)
    if described is None:
        described = current_app.extensions[_CACHE_KEY] = build(current_app, "/api/v1")
    server_url = request.host_url.rstrip("/") + "/api/v1"
    return json.dumps({**described, "servers": [{"url": server_url}]}, ensure_ascii=False, indent=1)
