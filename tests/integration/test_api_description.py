"""The API's description: OpenAPI 3.1, valid (openapi-spec-validator), generated from the code
(every route of the URL map, no more, no less), and the problem types it names resolve."""
from __future__ import annotations

import pytest
from openapi_spec_validator import OpenAPIV31SpecValidator, validate

from portal.api.openapi import api_operations


@pytest.fixture
def described(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    return response.get_json()


def test_the_description_is_valid_openapi_3_1(described):
    assert described["openapi"] == "3.1.0"
    validate(described, cls=OpenAPIV31SpecValidator)


def test_every_route_is_described_with_its_scopes(app, described):
    routes = {(path, method) for path, method, _op, _endpoint in api_operations(app)}
    documented = {(path, method) for path, methods in described["paths"].items() for method in methods}
    assert routes == documented
    rules = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint.startswith("api.")}
    assert {op["operationId"] for methods in described["paths"].values() for op in methods.values()} == {
        endpoint.removeprefix("api.") for endpoint in rules}
    status = described["paths"]["/submissions/{reference}/status"]["post"]
    assert status["security"] == [{"bearerAuth": ["submissions:write"]}]
    assert "401" in status["responses"] and "412" in status["responses"] and "429" in status["responses"]
    assert described["paths"]["/openapi.json"]["get"]["security"] == []
    problem = status["responses"]["409"]["content"]["application/problem+json"]["schema"]
    assert problem == {"$ref": "#/components/schemas/Problem"}


def test_a_new_declared_route_appears_without_editing_the_description():
    from flask import Blueprint, Flask

    from portal.api import bp
    from portal.api.openapi import build
    from portal.api.registry import operation
    from portal.api.schemas import Out

    class Greeting(Out):
        text: str

    extra = Blueprint("api_extra", __name__, url_prefix="/api/v1")

    @extra.get("/greetings/<int:number>")
    @operation(summary="A greeting", tag="meta", scopes=("submissions:read",), response=Greeting)
    def greeting(number):  # pragma: no cover - only described
        raise AssertionError

    app = Flask("described")
    app.register_blueprint(bp)
    app.register_blueprint(extra, name="api.extra")
    document = build(app, "http://127.0.0.1/api/v1")
    assert "/greetings/{number}" in document["paths"]
    assert document["components"]["schemas"]["Greeting"]["properties"]["text"]["type"] == "string"
    validate(document, cls=OpenAPIV31SpecValidator)


def test_problem_types_resolve(client):
    from portal.api.problems import TYPES

    answer = client.get("/api/v1/submissions")
    kind = answer.get_json()["type"]
    assert kind == "http://localhost/api/v1/problems/missing-token"
    described = client.get(kind.removeprefix("http://localhost")).get_json()
    assert described["title"] == answer.get_json()["title"] and described["status"] == 401
    for slug, problem in TYPES.items():
        body = client.get(f"/api/v1/problems/{slug}").get_json()
        assert (body["status"], body["title"]) == (problem.status, problem.title)
    assert client.get("/api/v1/problems/no-such-kind").status_code == 404
