"""What the API says about itself: its description (OpenAPI 3.1, generated from the code) and
the kinds of problems it answers with (the `type` of every error points here)."""
from __future__ import annotations

from flask import current_app

from portal.api import bp
from portal.api import schemas as S
from portal.api.problems import TYPES, Problem, type_uri
from portal.api.registry import operation
from portal.api.responses import json_response


@bp.get("/openapi.json")
@operation(summary="This API's description (OpenAPI 3.1)", tag="meta", public=True,
           description="Generated from the code at each start; no token needed.")
def openapi_document():
    from portal.api.openapi import document

    response = current_app.response_class(document(), mimetype="application/json")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/problems/<slug>")
@operation(summary="What a kind of problem means", tag="meta", public=True, path=S.ProblemPath,
           response=S.ProblemTypeInfo, problems=(404,))
def problem_type(path: S.ProblemPath):
    kind = TYPES.get(path.slug)
    if kind is None:
        raise Problem("not-found", f"There is no problem type {path.slug}.")
    return json_response(S.ProblemTypeInfo(type=type_uri(path.slug), title=kind.title, status=kind.status,
                                           description=kind.description))
