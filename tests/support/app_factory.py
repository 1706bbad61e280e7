"""A second portal app in the test process, for another database or other settings."""
from __future__ import annotations

import os


def app_for(environ: dict):
    """create_app() reads PORTAL_* from the environment: set them just while it runs."""
    from portal import create_app

    saved = {key: os.environ.get(key) for key in environ}
    os.environ.update(environ)
    try:
        return create_app({"TESTING": True})
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def override_settings(monkeypatch, app, **changes):
    """Change the app's settings for one test (monkeypatch undoes it): a setting by its name, a
    group's settings as a dict, e.g. override_settings(monkeypatch, app, draft_days=3,
    matching={"auto_attach": True}). Flask's keys derived from a changed setting follow it.
    Returns the new settings."""
    from dataclasses import replace

    from portal.config import EXTENSION_KEY, settings_of

    old = settings_of(app)
    fields = {name: replace(getattr(old, name), **value) if isinstance(value, dict) else value
              for name, value in changes.items()}
    new = replace(old, **fields)
    monkeypatch.setitem(app.extensions, EXTENSION_KEY, new)
    before, after = old.flask_config(), new.flask_config()
    for key, value in after.items():
        if before.get(key) != value:
            monkeypatch.setitem(app.config, key, value)
    return new


def default_settings():
    """The settings of an installation that sets nothing: every default of portal.config, for
    domain tests that run without an app (e.g. default_settings().queue)."""
    import tempfile

    from portal.config import load_settings

    # A key of its own, so that nothing is written into the instance folder.
    return load_settings(tempfile.gettempdir(), {"PORTAL_SECRET_KEY": "default-settings-" + "k" * 32})
