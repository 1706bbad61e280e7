"""Hostile input at every public form field: arbitrary text in all scripts, control characters,
very long strings, HTML and SQL fragments. Nothing answers with a server error, nothing is echoed
unescaped, and every refusal is explained next to the field (property-based, Hypothesis)."""
from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.forms.registry import current_forms
from tests.support import samples
from tests.support.helpers import Applicant, csrf_token_from

FRAGMENTS = [
    "<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "javascript:alert(1)",
    "' OR '1'='1' --", "Robert'); DROP TABLE submission;--", "\x00", "\u202egpj.exe", "\ufeff",
    "{{ 7*7 }}", "{% raw %}", "%(name)s", "%s%s%n", "../../etc/passwd", "\r\nBcc: victim@example.org",
    "Олександр Шевченко", "محمد الحسن", "محمّد", "Ğüşiöç İı", "ـــ", "\u200d\u200c", "𝕬𝖇𝖈 😀", "ﷺ",
]
HOSTILE_TEXT = st.one_of(
    st.text(max_size=200),  # any code points, controls and all scripts included
    st.sampled_from(FRAGMENTS),
    st.lists(st.sampled_from(FRAGMENTS), min_size=2, max_size=6).map("".join),
    st.text(alphabet=st.sampled_from("аБвЖ ابت ğ<>'\"&;\\\x00\x07\t\n"), min_size=1000, max_size=30_000),
)
FUZZ = settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                        HealthCheck.too_slow])
RAW_MARKUP = re.compile(r"<script>alert|<img src=x onerror", re.IGNORECASE)


def _asked_steps(code: str):
    """The steps asked of the sample applicant of the form, in order: a step hidden for the
    sample's answers is passed over in the application, so it is neither filled nor fuzzed."""
    form = current_forms()[code]
    return form.visible_steps(samples.cleaned(code))


def _step_inputs():
    """Every input of every field the sample applicant is asked (a field hidden by the sample's
    answers is not stored, so nothing typed into it reaches the pages)."""
    for code, form in sorted(current_forms().items()):
        values = samples.cleaned(code)
        for step in form.visible_steps(values):
            for spec in form.visible_fields(step, values):
                for name in spec.input_names:
                    yield pytest.param(code, step.key, name, id=f"{code}/{step.key}/{name}")


@pytest.fixture
def applicant_at(client, sites):
    """An applicant with the steps asked before the one under test filled correctly."""

    def at(code: str, step_key: str) -> Applicant:
        applicant = Applicant(client, "uk")
        applicant.start(code)
        for step in _asked_steps(code):
            if step.key == step_key:
                break
            response = applicant.step(code, step.key, samples.STEPS[code][step.key])
            assert response.status_code == 302, step.key
            assert response.headers["Location"].endswith(f"/apply/{code}/{_next_asked(code, step.key)}"), \
                (step.key, response.headers["Location"])
        return applicant

    return at


def _next_asked(code: str, step_key: str) -> str:
    keys = [step.key for step in _asked_steps(code)] + ["documents"]
    return keys[keys.index(step_key) + 1]


@pytest.mark.parametrize("code,step_key,input_name", list(_step_inputs()))
def test_every_form_field_survives_hostile_text(applicant_at, code, step_key, input_name):
    applicant = applicant_at(code, step_key)
    valid = samples.STEPS[code][step_key]

    @FUZZ
    @given(value=HOSTILE_TEXT)
    def attempt(value):
        response = applicant.step(code, step_key, {**valid, input_name: value})
        body = response.get_data(as_text=True)
        assert response.status_code in (200, 302), (response.status_code, value[:80])
        assert not RAW_MARKUP.search(body)
        if response.status_code == 200:  # refused: said so, next to a field
            assert 'id="error-summary"' in body and 'class="kern-error"' in body
        else:
            again = applicant.client.get(applicant.url(f"/apply/{code}/{step_key}"))
            assert again.status_code == 200 and not RAW_MARKUP.search(again.get_data(as_text=True))

    attempt()


def _public_post_rules(app):
    return sorted((rule for rule in app.url_map.iter_rules()
                   if rule.endpoint.startswith("public.") and "POST" in rule.methods),
                  key=lambda rule: rule.rule)


def _sample_url(rule) -> str:
    values = {"lang": "ar", "code": "general-enquiry", "step": "identity", "token": "A" * 43,
              "reference": "ABH-2026-000001-7", "public_id": "0" * 32, "request_id": 1, "upload_id": 1}
    return rule.build({arg: values.get(arg, "x") for arg in rule.arguments})[1]


def test_every_public_post_route_survives_hostile_fields(app, client, sites):
    """Whatever a form has: arbitrary fields with hostile values, with and without a valid CSRF
    token, never give a server error."""
    token = csrf_token_from(client.get("/ar/services/general-enquiry/").get_data(as_text=True))
    rules = _public_post_rules(app)
    assert len(rules) >= 5

    @FUZZ
    @given(fields=st.dictionaries(st.sampled_from(["email", "reference", "status_code", "surname", "q", "language",
                                                   "declaration", "action", "slot", "altcha", "message", "x"]),
                                  HOSTILE_TEXT, max_size=5),
           with_token=st.booleans())
    def attempt(fields, with_token):
        for rule in rules:
            data = {**fields, **({"csrf_token": token} if with_token else {})}
            response = client.post(_sample_url(rule), data=data)
            assert response.status_code < 500, (rule.rule, response.status_code)
            assert not RAW_MARKUP.search(response.get_data(as_text=True)), rule.rule

    attempt()


def test_a_row_id_beyond_the_databases_range_is_refused_not_a_server_error(app, client, sites, make_staff,
                                                                         make_submission):
    """A tampered form naming a time or a file by a number no id column holds: the database would
    refuse the comparison (integer out of range); the page treats it as no such row."""
    from tests.support.helpers import sign_in

    too_large = (str(2**31), str(2**63), "9" * 30)
    token = csrf_token_from(client.get("/de/status/").get_data(as_text=True))
    for value in too_large:
        assert client.post("/de/appointments/hold", data={"csrf_token": token, "slot": value}).status_code < 500
    reference = make_submission().submission.reference
    sign_in(client, make_staff().email)
    page = client.get(f"/backoffice/submissions/{reference}").get_data(as_text=True)
    for value in too_large:
        response = client.post(f"/backoffice/submissions/{reference}/attach",
                               data={"csrf_token": csrf_token_from(page), "case_file": value})
        assert response.status_code == 302
