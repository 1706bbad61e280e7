"""Template helpers registered app-wide share one namespace: when two blueprints (or a blueprint and
the app) register a global, filter or test of the same name, the one registered last silently
replaces the other on every page — the back office's German booking labels showed on the
applicants' pages that way. The app must be built without any such collision.

Every write into the Jinja environment's globals, filters and tests is recorded while the app is
built. A name written twice with different functions is a collision, unless the later function
declares that it wraps the earlier one (functools.wraps sets __wrapped__): portal.i18n does that
on purpose to Flask-Babel's date filters."""
from __future__ import annotations

from collections import defaultdict

import pytest
from flask import Blueprint, Flask

from tests.support.app_factory import app_for
from tests.support.helpers import TEST_SECRET_KEY


class _Recording(dict):
    def __init__(self, kind: str, seen: dict, data: dict):
        super().__init__(data)
        self.kind, self.seen = kind, seen

    def __setitem__(self, name, value):
        self.seen[(self.kind, name)].append(value)
        super().__setitem__(name, value)

    def update(self, *args, **kwargs):
        for name, value in dict(*args, **kwargs).items():
            self[name] = value


@pytest.fixture
def recorded(monkeypatch):
    seen: dict[tuple[str, str], list] = defaultdict(list)
    original = Flask.create_jinja_environment

    def create(self):
        env = original(self)
        env.globals = _Recording("global", seen, env.globals)
        env.filters = _Recording("filter", seen, env.filters)
        env.tests = _Recording("test", seen, env.tests)
        return env

    monkeypatch.setattr(Flask, "create_jinja_environment", create)
    return seen


def _collisions(seen) -> dict[str, list[str]]:
    found = {}
    for (kind, name), values in seen.items():
        for earlier, later in zip(values, values[1:]):
            if later is not earlier and getattr(later, "__wrapped__", None) is not earlier:
                found[f"{kind} {name}"] = [f"{getattr(v, '__module__', '?')}.{getattr(v, '__qualname__', v)}"
                                           for v in values]
    return found


def test_no_two_registrations_of_one_template_name(recorded, tmp_path):
    app = app_for({"PORTAL_ENV": "testing", "PORTAL_DATABASE_URL": f"sqlite:///{tmp_path / 'names.sqlite3'}",
                   "PORTAL_STORAGE_DIR": str(tmp_path / "storage"), "PORTAL_SECRET_KEY": TEST_SECRET_KEY})
    app.jinja_env  # noqa: B018  (built on first use: make sure it is)
    assert ("global", "role_label") in recorded, "the blueprints' registrations were not recorded"
    collisions = _collisions(recorded)
    assert not collisions, f"template names registered twice (the last one wins on every page): {collisions}"


def test_the_check_sees_two_blueprints_with_one_name(recorded):
    app = Flask(__name__)
    for prefix in ("public", "staff"):
        blueprint = Blueprint(prefix, __name__)
        blueprint.add_app_template_global(lambda status, who=prefix: f"{who}: {status}", "booking_status_label")
        app.register_blueprint(blueprint, url_prefix=f"/{prefix}")
    app.jinja_env  # noqa: B018
    assert "global booking_status_label" in _collisions(recorded)
