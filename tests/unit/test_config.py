import stat

import pytest

from portal.config import ConfigError, load_settings

STRONG_KEY = "k" * 20 + "0123456789abcdefghij"


def test_development_generates_a_secret_key_once_into_instance(tmp_path):
    first = load_settings(tmp_path, {})
    second = load_settings(tmp_path, {})
    key_file = tmp_path / "secret_key"
    assert first.secret_key == second.secret_key and len(first.secret_key) >= 32
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert first.database_url == f"sqlite:///{tmp_path / 'portal.sqlite3'}"
    assert first.storage_dir == tmp_path / "storage"


def test_production_refuses_to_start_without_a_real_secret_key(tmp_path):
    base = {"PORTAL_ENV": "production", "PORTAL_DATABASE_URL": "postgresql://db/portal",
            "PORTAL_PUBLIC_BASE_URL": "https://termine.example.org"}
    with pytest.raises(ConfigError, match="PORTAL_SECRET_KEY"):
        load_settings(tmp_path, base)
    with pytest.raises(ConfigError, match="PORTAL_SECRET_KEY"):
        load_settings(tmp_path, {**base, "PORTAL_SECRET_KEY": "changeme"})
    assert not (tmp_path / "secret_key").exists(), "production must never invent a key"


def test_production_refuses_debug(tmp_path):
    env = {"PORTAL_ENV": "production", "PORTAL_DATABASE_URL": "postgresql://db/portal",
           "PORTAL_SECRET_KEY": STRONG_KEY, "PORTAL_DEBUG": "1", "PORTAL_PUBLIC_BASE_URL": "https://portal.example"}
    with pytest.raises(ConfigError, match="PORTAL_DEBUG"):
        load_settings(tmp_path, env)


def test_production_needs_the_public_https_address(tmp_path):
    env = {"PORTAL_ENV": "production", "PORTAL_SECRET_KEY": STRONG_KEY, "PORTAL_DATABASE_URL": "postgresql://db/p"}
    with pytest.raises(ConfigError, match="PORTAL_PUBLIC_BASE_URL"):
        load_settings(tmp_path, env)
    with pytest.raises(ConfigError, match="PORTAL_PUBLIC_BASE_URL"):
        load_settings(tmp_path, {**env, "PORTAL_PUBLIC_BASE_URL": "http://portal.example"})


def test_production_needs_an_explicit_database(tmp_path):
    with pytest.raises(ConfigError, match="PORTAL_DATABASE_URL"):
        load_settings(tmp_path, {"PORTAL_ENV": "production", "PORTAL_SECRET_KEY": STRONG_KEY})


def test_production_settings_secure_the_cookies(tmp_path):
    settings = load_settings(tmp_path, {
        "PORTAL_ENV": "production", "PORTAL_SECRET_KEY": STRONG_KEY,
        "PORTAL_DATABASE_URL": "postgresql://portal@db.internal/portal",
        "PORTAL_STORAGE_DIR": "/srv/portal/storage", "PORTAL_SMTP_HOST": "mail.internal",
        "PORTAL_PUBLIC_BASE_URL": "https://portal.example/",
    })
    config = settings.flask_config()
    assert config["SESSION_COOKIE_SECURE"] and config["SESSION_COOKIE_HTTPONLY"]
    assert config["SESSION_COOKIE_SAMESITE"] == "Lax" and config["REMEMBER_COOKIE_SECURE"]
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://portal@db.internal/portal"
    assert settings.smtp.host == "mail.internal" and settings.smtp.security == "starttls"
    assert str(settings.storage_dir) == "/srv/portal/storage"


@pytest.mark.parametrize("env, message", [
    ({"PORTAL_ENV": "staging"}, "PORTAL_ENV"),
    ({"PORTAL_SMTP_SECURITY": "ssl3"}, "PORTAL_SMTP_SECURITY"),
    ({"PORTAL_SMTP_PORT": "twenty-five"}, "PORTAL_SMTP_PORT"),
])
def test_wrong_values_are_named(tmp_path, env, message):
    with pytest.raises(ConfigError, match=message):
        load_settings(tmp_path, env)


def test_create_app_refuses_production_without_key(tmp_path, monkeypatch):
    from portal import create_app

    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("PORTAL_DATABASE_URL", f"sqlite:///{tmp_path}/x.db")
    monkeypatch.delenv("PORTAL_SECRET_KEY", raising=False)
    with pytest.raises(ConfigError):
        create_app()


def test_keys_the_secret_key_replaced_are_fallbacks(tmp_path):
    old_one, old_two = "o" * 40, "p" * 40
    settings = load_settings(tmp_path, {"PORTAL_SECRET_KEY": STRONG_KEY,
                                        "PORTAL_SECRET_KEY_FALLBACKS": f" {old_one},\n{old_two} "})
    config = settings.flask_config()
    assert config["SECRET_KEY_FALLBACKS"] == [old_one, old_two]
    from portal.config import secret_keys

    assert secret_keys(config) == [old_one, old_two, STRONG_KEY], "the current key last: it signs"
    assert load_settings(tmp_path, {"PORTAL_SECRET_KEY": STRONG_KEY}).flask_config()["SECRET_KEY_FALLBACKS"] == []


def test_fallback_keys_are_checked(tmp_path):
    production = {"PORTAL_ENV": "production", "PORTAL_SECRET_KEY": STRONG_KEY,
                  "PORTAL_DATABASE_URL": "postgresql://db/p", "PORTAL_PUBLIC_BASE_URL": "https://portal.example"}
    with pytest.raises(ConfigError, match="PORTAL_SECRET_KEY_FALLBACKS"):
        load_settings(tmp_path, {**production, "PORTAL_SECRET_KEY_FALLBACKS": "short"})
    with pytest.raises(ConfigError, match="must not contain the current"):
        load_settings(tmp_path, {**production, "PORTAL_SECRET_KEY_FALLBACKS": STRONG_KEY})
