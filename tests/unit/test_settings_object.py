"""The settings are one typed object: load_settings() reads PORTAL_* once, with every default;
Flask gets only its own keys from it, and domain code is handed the groups it needs instead of
reading the app's configuration."""
import re
from pathlib import Path

from portal.config import load_settings

PORTAL = Path(__file__).resolve().parents[2] / "portal"
# The app's edges, which take the settings from the app and hand them on: the factory and its
# helpers (signing.py is the app's session interface and form token), the blueprints (views) and
# the commands. Everything else is domain code.
EDGES = {"__init__.py", "config.py", "extensions.py", "security.py", "signing.py", "errors.py", "jobs.py"}
EDGE_PACKAGES = {"public", "backoffice", "api", "cli"}


def _domain_modules():
    for path in sorted(PORTAL.rglob("*.py")):
        parts = path.relative_to(PORTAL).parts
        if parts[0] in EDGE_PACKAGES or (len(parts) == 1 and parts[0] in EDGES):
            continue
        yield path


def test_domain_code_does_not_read_the_app():
    readers = [str(path.relative_to(PORTAL)) for path in _domain_modules()
               if re.search(r"\b(current_app|has_app_context)\b", path.read_text())]
    assert readers == []


def test_no_setting_is_read_from_the_flask_config_with_a_default_of_its_own():
    pattern = re.compile(r"""config(\.get\(|\[)\s*["'](PORTAL_|SMTP_|MAIL_FROM|ENV_NAME)""")
    readers = [str(path.relative_to(PORTAL)) for path in sorted(PORTAL.rglob("*.py"))
               if pattern.search(path.read_text())]
    assert readers == []


def test_flask_gets_only_its_own_keys(tmp_path):
    config = load_settings(tmp_path, {"PORTAL_SECRET_KEY": "k" * 40}).flask_config()
    ours = [key for key in config if key.startswith(("PORTAL_", "SMTP_")) or key in {"MAIL_FROM", "ENV_NAME"}]
    assert ours == []


def test_the_app_keeps_the_settings_it_was_made_with(tmp_path, monkeypatch):
    from portal import create_app
    from portal.config import settings_of

    monkeypatch.setenv("PORTAL_ENV", "testing")
    monkeypatch.setenv("PORTAL_SECRET_KEY", "k" * 40)
    monkeypatch.setenv("PORTAL_DATABASE_URL", f"sqlite:///{tmp_path}/portal.sqlite3")
    monkeypatch.setenv("PORTAL_QUEUE_TARGET_DAYS", "7")
    monkeypatch.setenv("PORTAL_MATCH_AUTO_ATTACH", "yes")
    monkeypatch.setenv("PORTAL_UPLOAD_MAX_SUBMISSION_MB", "20")
    app = create_app()
    settings = settings_of(app)
    assert settings.queue.target_days == 7 and settings.matching.auto_attach is True
    assert app.config["MAX_CONTENT_LENGTH"] == settings.uploads.max_request_bytes
    assert settings.uploads.max_submission_bytes == 20 * 1024 * 1024
