"""Schemathesis against the running API (a live server on the test database): for every operation
of the description, generated valid and invalid requests, each answer checked against the
description (status, content type, headers, schema), no server error, refusals where the input is
invalid, no answer without the token. Bounded for CI: PORTAL_API_FUZZ_EXAMPLES examples per
operation (default 12; scripts/test keeps it so, docs/development.md)."""
from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from tests.support.api import bearer, make_client

EXAMPLES = int(os.environ.get("PORTAL_API_FUZZ_EXAMPLES", "12"))


@pytest.fixture
def api_data(app, db_session, make_submission, case_files, bookable, monkeypatch, live_server):
    """Real objects for the generated requests to meet (besides the random ones), a client with
    every scope, and a rate limit the fuzzer does not hit."""
    from sqlalchemy import select

    from portal.casefiles.operations import attach_submission
    from portal.models import Document
    from tests.support.app_factory import override_settings

    import requests

    served = requests.get(f"{live_server}/api/v1/openapi.json", timeout=10).json()
    assert served["paths"] == DESCRIPTION["paths"] and served["components"] == DESCRIPTION["components"]
    override_settings(monkeypatch, app, api={"rate_limit": "100000 per minute"})
    open_one = make_submission().submission
    filed = make_submission(surname="Yılmaz", given_names="Ayşe", language="tr").submission
    attach_submission(db_session, filed, case_files[2])
    db_session.commit()
    document_id = db_session.scalar(select(Document.id).where(Document.submission_id == filed.id))
    return {"token": make_client(db_session, "Schemathesis"), "base_url": f"{live_server}/api/v1",
            "values": {"reference": [open_one.reference, filed.reference],
                       "file_number": [cf.file_number for cf in case_files], "document_id": [document_id]}}


def _description() -> dict:
    """The description as the code generates it (portal.api.openapi, no database needed): loaded
    when the module is collected, checked against what the live server serves in api_data."""
    from flask import Flask

    from portal.api import bp
    from portal.api.openapi import build

    describing = Flask("describing")
    describing.register_blueprint(bp)
    return build(describing, "http://127.0.0.1/api/v1")


DESCRIPTION = _description()
schema = schemathesis.openapi.from_dict(DESCRIPTION, config=schemathesis.config.SchemathesisConfig.from_dict({
    "checks": {
        # Valid by the schema is not always possible by the office's rules (a day that does not
        # exist, a status that cannot follow, a made-up If-Match): 400, 409 and 412 say so, as described.
        "positive_data_acceptance": {"expected-statuses": ["2xx", "304", "400", "401", "403", "404", "409", "412"]},
    },
}))


@schema.parametrize()
@schema.given(data=st.data())
@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=list(HealthCheck))
def test_the_api_keeps_its_description(case, data, api_data):
    meta = case.meta
    if meta is not None and meta.generation.mode.is_positive and case.path_parameters:
        # Now and then a real object instead of a random name, so that answers with data are checked too.
        for name, known in api_data["values"].items():
            if name in case.path_parameters and data.draw(st.booleans(), label=f"real {name}"):
                case.path_parameters[name] = data.draw(st.sampled_from(known), label=name)
    case.call_and_validate(base_url=api_data["base_url"], headers=bearer(api_data["token"]))
