"""PORTAL_IMAP_* and PORTAL_MAIL_MAX_BYTES: safe defaults, plain IMAP refused in production."""
import pytest

from portal.config import ConfigError, load_settings

PRODUCTION = {"PORTAL_ENV": "production", "PORTAL_DATABASE_URL": "postgresql://db/portal",
              "PORTAL_PUBLIC_BASE_URL": "https://portal.example.org", "PORTAL_SECRET_KEY": "k" * 40}


def test_defaults_poll_nothing_and_use_tls(tmp_path):
    settings = load_settings(tmp_path, {})
    imap = settings.imap
    assert imap.host == "" and imap.security == "tls"
    assert imap.port == 993 and imap.folder == "INBOX"
    assert (imap.processed_folder, imap.quarantine_folder) == ("Processed", "Quarantine")
    assert settings.mail_max_bytes == 40 * 1024 * 1024


def test_port_follows_the_security(tmp_path):
    assert load_settings(tmp_path, {"PORTAL_IMAP_SECURITY": "starttls"}).imap.port == 143
    assert load_settings(tmp_path, {"PORTAL_IMAP_SECURITY": "none", "PORTAL_IMAP_PORT": "1143"}).imap.port == 1143


@pytest.mark.parametrize("environ, message", [
    ({"PORTAL_IMAP_SECURITY": "ssl"}, "PORTAL_IMAP_SECURITY"),
    ({"PORTAL_IMAP_PORT": "imap"}, "PORTAL_IMAP_PORT"),
    ({"PORTAL_MAIL_MAX_BYTES": "12"}, "PORTAL_MAIL_MAX_BYTES"),
])
def test_bad_values_are_refused(tmp_path, environ, message):
    with pytest.raises(ConfigError, match=message):
        load_settings(tmp_path, environ)


def test_production_refuses_plain_imap(tmp_path):
    mailbox = {"PORTAL_IMAP_HOST": "imap.example.org", "PORTAL_IMAP_SECURITY": "none"}
    with pytest.raises(ConfigError, match="PORTAL_IMAP_SECURITY=none"):
        load_settings(tmp_path, {**PRODUCTION, **mailbox})
    assert load_settings(tmp_path, {**PRODUCTION, **mailbox, "PORTAL_IMAP_SECURITY": "starttls"}).imap.port == 143
    assert load_settings(tmp_path, {**mailbox}).imap.security == "none"  # development may
