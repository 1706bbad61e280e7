"""Settings from PORTAL_* environment variables.

Development gets safe defaults (SQLite and storage under instance/, a generated secret
key); production refuses to start when something that must be chosen is missing.
"""
from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from portal.domain.office_time import OFFICE_TZ

LANGUAGES = ("de", "en", "uk", "ru", "ar", "tr", "fa")
RTL_LANGUAGES = frozenset({"ar", "fa"})
BACKOFFICE_LANGUAGES = ("de", "en")
DEFAULT_LANGUAGE = "de"

# Keys that must never reach production: too short or copied from docs.
_MIN_SECRET_KEY_LENGTH = 32
# Room for the fields and multipart headers around the files of one upload request.
UPLOAD_FORM_OVERHEAD_BYTES = 1024 * 1024


class ConfigError(RuntimeError):
    """The environment does not describe a runnable installation."""


def _flag(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    env: str
    debug: bool
    database_url: str
    storage_dir: Path
    secret_key: str
    ratelimit_storage_url: str
    ratelimit_enabled: bool
    smtp_host: str
    smtp_port: int
    smtp_security: str  # "none", "starttls" or "tls"
    smtp_user: str
    smtp_password: str
    mail_from: str
    office_name: str
    public_base_url: str
    upload_max_file_bytes: int
    upload_max_submission_bytes: int
    draft_days: int
    mail_max_attempts: int
    booking_hold_minutes: int
    booking_confirm_minutes: int
    booking_cancel_hours: int
    booking_reminder_hours: int
    queue_target_days: int
    claim_timeout_minutes: int
    match_auto_attach: bool
    match_auto_threshold: float
    altcha_enabled: bool
    altcha_max_number: int
    altcha_expiry_minutes: int
    scan_max_file_bytes: int = 500 * 1024 * 1024  # one file of a scan delivery
    # E-mail intake (portal.intake.email): the office's mailbox; no host means no polling.
    imap_host: str = ""
    imap_port: int = 993
    imap_security: str = "tls"  # "tls", "starttls" or "none"
    imap_user: str = ""
    imap_password: str = ""
    imap_folder: str = "INBOX"
    imap_processed_folder: str = "Processed"
    imap_quarantine_folder: str = "Quarantine"
    imap_ca_file: str = ""  # a private CA for the mail server; the system's CAs otherwise
    mail_max_bytes: int = 40 * 1024 * 1024
    staff_idle_minutes: int = 30  # a staff session ends after this long without a request
    # Reverse proxies in front of the portal whose X-Forwarded-For/-Proto/-Host are trusted.
    proxy_count: int = 0
    # Keys PORTAL_SECRET_KEY replaced: still accepted for signatures and sealed secrets (rotation).
    secret_key_fallbacks: tuple[str, ...] = ()

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def upload_max_request_bytes(self) -> int:
        """What one request may carry: every file an application may have, chosen at once
        (each at most upload_max_file_bytes), and the form around them. The documents page
        promises both limits; a request within them must never be cut off before the checks."""
        return max(self.upload_max_submission_bytes, self.upload_max_file_bytes) + UPLOAD_FORM_OVERHEAD_BYTES

    def flask_config(self) -> dict:
        secure_cookies = self.is_production
        return {
            "ENV_NAME": self.env,
            "DEBUG": self.debug,
            "SECRET_KEY": self.secret_key,
            "SECRET_KEY_FALLBACKS": list(self.secret_key_fallbacks),
            "SQLALCHEMY_DATABASE_URI": self.database_url,
            "SQLALCHEMY_ENGINE_OPTIONS": _engine_options(self.database_url),
            "PORTAL_STORAGE_DIR": str(self.storage_dir),
            "PORTAL_OFFICE_NAME": self.office_name,
            "PORTAL_PUBLIC_BASE_URL": self.public_base_url,
            "PORTAL_UPLOAD_MAX_FILE_BYTES": self.upload_max_file_bytes,
            "PORTAL_UPLOAD_MAX_SUBMISSION_BYTES": self.upload_max_submission_bytes,
            # One file of a scan delivery (a scanned paper file can have hundreds of pages).
            "PORTAL_SCAN_MAX_FILE_BYTES": self.scan_max_file_bytes,
            "PORTAL_DRAFT_DAYS": self.draft_days,
            "PORTAL_MAIL_MAX_ATTEMPTS": self.mail_max_attempts,
            "PORTAL_BOOKING_HOLD_MINUTES": self.booking_hold_minutes,
            "PORTAL_BOOKING_CONFIRM_MINUTES": self.booking_confirm_minutes,
            "PORTAL_BOOKING_CANCEL_HOURS": self.booking_cancel_hours,
            "PORTAL_BOOKING_REMINDER_HOURS": self.booking_reminder_hours,
            "PORTAL_QUEUE_TARGET_DAYS": self.queue_target_days,
            "PORTAL_CLAIM_TIMEOUT_MINUTES": self.claim_timeout_minutes,
            "PORTAL_MATCH_AUTO_ATTACH": self.match_auto_attach,
            "PORTAL_MATCH_AUTO_THRESHOLD": self.match_auto_threshold,
            # The proof of work (ALTCHA) before a time is reserved: the browser tries up to
            # MAX_NUMBER hashes (half of them on average); a challenge is valid for EXPIRY_MINUTES.
            "PORTAL_ALTCHA_ENABLED": self.altcha_enabled,
            "PORTAL_ALTCHA_MAX_NUMBER": self.altcha_max_number,
            "PORTAL_ALTCHA_EXPIRY_MINUTES": self.altcha_expiry_minutes,
            # A request may carry all files of an application at once plus the form around them;
            # larger ones get a 413 in the applicant's language (portal.public.applications).
            # Fields other than files stay within Flask's MAX_FORM_MEMORY_SIZE (500 kB).
            "MAX_CONTENT_LENGTH": self.upload_max_request_bytes,
            "PORTAL_IMAP_HOST": self.imap_host,
            "PORTAL_IMAP_PORT": self.imap_port,
            "PORTAL_IMAP_SECURITY": self.imap_security,
            "PORTAL_IMAP_USER": self.imap_user,
            "PORTAL_IMAP_PASSWORD": self.imap_password,
            "PORTAL_IMAP_FOLDER": self.imap_folder,
            "PORTAL_IMAP_PROCESSED_FOLDER": self.imap_processed_folder,
            "PORTAL_IMAP_QUARANTINE_FOLDER": self.imap_quarantine_folder,
            "PORTAL_IMAP_CA_FILE": self.imap_ca_file,
            "PORTAL_MAIL_MAX_BYTES": self.mail_max_bytes,
            "SMTP_HOST": self.smtp_host,
            "SMTP_PORT": self.smtp_port,
            "SMTP_SECURITY": self.smtp_security,
            "SMTP_USER": self.smtp_user,
            "SMTP_PASSWORD": self.smtp_password,
            "MAIL_FROM": self.mail_from,
            "RATELIMIT_STORAGE_URI": self.ratelimit_storage_url,
            "RATELIMIT_HEADERS_ENABLED": True,
            # Off only for load and race tests that send everything from one address.
            "RATELIMIT_ENABLED": self.ratelimit_enabled,
            "SESSION_COOKIE_HTTPONLY": True,
            "SESSION_COOKIE_SAMESITE": "Lax",
            "SESSION_COOKIE_SECURE": secure_cookies,
            "REMEMBER_COOKIE_HTTPONLY": True,
            "REMEMBER_COOKIE_SAMESITE": "Lax",
            "REMEMBER_COOKIE_SECURE": secure_cookies,
            # The longest a staff sign-in lasts, however active (checked against the sign-in time).
            "PERMANENT_SESSION_LIFETIME": 8 * 3600,
            "PORTAL_STAFF_IDLE_MINUTES": self.staff_idle_minutes,
            "PORTAL_PROXY_COUNT": self.proxy_count,
            "WTF_CSRF_TIME_LIMIT": 4 * 3600,
            "BABEL_DEFAULT_LOCALE": DEFAULT_LANGUAGE,
            "BABEL_DEFAULT_TIMEZONE": OFFICE_TZ.key,
            # Two catalogues: applicant-facing strings in all seven languages,
            # back-office strings in German and English only. Flask-Babel takes the plural rule
            # of the catalogue loaded last, so the one that exists in every language comes last.
            "BABEL_TRANSLATION_DIRECTORIES": "translations;translations",
            "BABEL_DOMAIN": "backoffice;messages",
        }


def _engine_options(url: str) -> dict:
    if url.startswith("sqlite"):
        # Several threads (dev server, tests' live server) share one file.
        return {"connect_args": {"check_same_thread": False, "timeout": 30}}
    return {"pool_pre_ping": True}


def _number(environ, name: str, default: int, minimum: int = 1) -> int:
    raw = environ.get(name, "")
    try:
        value = int(raw) if raw.strip() else default
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number") from exc
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}")
    return value


def _share(environ, name: str, default: float) -> float:
    raw = environ.get(name, "")
    try:
        value = float(raw) if raw.strip() else default
    except ValueError as exc:
        raise ConfigError(f"{name} must be a number between 0 and 1") from exc
    if not 0 < value <= 1:
        raise ConfigError(f"{name} must be a number between 0 and 1")
    return value


def _dev_secret_key(instance_path: Path) -> str:
    """A per-installation key kept in instance/, created on first start."""
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key + "\n")
    return key


def load_settings(instance_path: str | Path, environ: dict | None = None) -> Settings:
    environ = os.environ if environ is None else environ
    instance_path = Path(instance_path)
    env = environ.get("PORTAL_ENV", "development").strip().lower()
    if env not in {"development", "testing", "production"}:
        raise ConfigError(f"PORTAL_ENV must be development, testing or production, not {env!r}")
    production = env == "production"
    debug = _flag(environ.get("PORTAL_DEBUG"), default=False)

    secret_key = environ.get("PORTAL_SECRET_KEY", "").strip()
    if production:
        if debug:
            raise ConfigError("PORTAL_DEBUG must be off when PORTAL_ENV=production")
        if len(secret_key) < _MIN_SECRET_KEY_LENGTH:
            raise ConfigError(
                "PORTAL_SECRET_KEY must be set to a random value of at least "
                f"{_MIN_SECRET_KEY_LENGTH} characters when PORTAL_ENV=production"
            )
        if "PORTAL_DATABASE_URL" not in environ:
            raise ConfigError("PORTAL_DATABASE_URL must be set when PORTAL_ENV=production")
        if not environ.get("PORTAL_PUBLIC_BASE_URL", "").startswith("https://"):
            # Links in mails, receipts and QR codes must reach the portal from outside.
            raise ConfigError("PORTAL_PUBLIC_BASE_URL must be the portal's https:// address when PORTAL_ENV=production")
    elif not secret_key:
        secret_key = _dev_secret_key(instance_path)
    fallbacks = tuple(k for k in re.split(r"[\s,]+", environ.get("PORTAL_SECRET_KEY_FALLBACKS", "")) if k)
    if any(len(k) < _MIN_SECRET_KEY_LENGTH for k in fallbacks) and production:
        raise ConfigError(f"every key in PORTAL_SECRET_KEY_FALLBACKS must have at least {_MIN_SECRET_KEY_LENGTH} "
                          "characters (they are the keys PORTAL_SECRET_KEY replaced)")
    if secret_key in fallbacks:
        raise ConfigError("PORTAL_SECRET_KEY_FALLBACKS must not contain the current PORTAL_SECRET_KEY")

    database_url = environ.get("PORTAL_DATABASE_URL") or (
        f"sqlite:///{instance_path / 'portal.sqlite3'}"
    )
    if database_url.startswith("postgresql://"):
        # psycopg 3 is the driver we ship.
        database_url = "postgresql+psycopg://" + database_url[len("postgresql://"):]

    smtp_security = environ.get("PORTAL_SMTP_SECURITY", "none" if not production else "starttls")
    if smtp_security not in {"none", "starttls", "tls"}:
        raise ConfigError("PORTAL_SMTP_SECURITY must be none, starttls or tls")
    try:
        smtp_port = int(environ.get("PORTAL_SMTP_PORT", "25" if smtp_security == "none" else "587"))
    except ValueError as exc:
        raise ConfigError("PORTAL_SMTP_PORT must be a number") from exc

    imap_host = environ.get("PORTAL_IMAP_HOST", "").strip()
    imap_security = environ.get("PORTAL_IMAP_SECURITY", "tls").strip().lower() or "tls"
    if imap_security not in {"none", "starttls", "tls"}:
        raise ConfigError("PORTAL_IMAP_SECURITY must be tls, starttls or none")
    if production and imap_host and imap_security == "none":
        # The mailbox password and the applicants' documents would cross the network in clear.
        raise ConfigError("PORTAL_IMAP_SECURITY=none is not allowed when PORTAL_ENV=production")
    imap_port = _number(environ, "PORTAL_IMAP_PORT", 993 if imap_security == "tls" else 143)

    upload_max_file_mb = _number(environ, "PORTAL_UPLOAD_MAX_FILE_MB", 10)
    upload_max_submission_mb = _number(environ, "PORTAL_UPLOAD_MAX_SUBMISSION_MB", 40)
    if upload_max_file_mb > upload_max_submission_mb:
        raise ConfigError("PORTAL_UPLOAD_MAX_FILE_MB must not be larger than PORTAL_UPLOAD_MAX_SUBMISSION_MB "
                          "(one file is part of the application's total)")

    return Settings(
        env=env,
        debug=debug,
        database_url=database_url,
        storage_dir=Path(environ.get("PORTAL_STORAGE_DIR") or instance_path / "storage"),
        secret_key=secret_key,
        secret_key_fallbacks=fallbacks,
        ratelimit_storage_url=environ.get("PORTAL_RATELIMIT_STORAGE_URL", "memory://"),
        ratelimit_enabled=_flag(environ.get("PORTAL_RATELIMIT_ENABLED"), default=True),
        smtp_host=environ.get("PORTAL_SMTP_HOST", "localhost"),
        smtp_port=smtp_port,
        smtp_security=smtp_security,
        smtp_user=environ.get("PORTAL_SMTP_USER", ""),
        smtp_password=environ.get("PORTAL_SMTP_PASSWORD", ""),
        mail_from=environ.get("PORTAL_MAIL_FROM", "auslaenderbehoerde@localhost"),
        office_name=environ.get("PORTAL_OFFICE_NAME", "Ausländerbehörde Lahn-Dill"),
        public_base_url=environ.get("PORTAL_PUBLIC_BASE_URL", "http://127.0.0.1:5000").rstrip("/"),
        upload_max_file_bytes=upload_max_file_mb * 1024 * 1024,
        upload_max_submission_bytes=upload_max_submission_mb * 1024 * 1024,
        draft_days=_number(environ, "PORTAL_DRAFT_DAYS", 30),
        mail_max_attempts=_number(environ, "PORTAL_MAIL_MAX_ATTEMPTS", 12),
        booking_hold_minutes=_number(environ, "PORTAL_BOOKING_HOLD_MINUTES", 10),
        booking_confirm_minutes=_number(environ, "PORTAL_BOOKING_CONFIRM_MINUTES", 60),
        booking_cancel_hours=_number(environ, "PORTAL_BOOKING_CANCEL_HOURS", 24, minimum=0),
        booking_reminder_hours=_number(environ, "PORTAL_BOOKING_REMINDER_HOURS", 24),
        altcha_enabled=_flag(environ.get("PORTAL_ALTCHA_ENABLED"), default=True),
        altcha_max_number=_number(environ, "PORTAL_ALTCHA_MAX_NUMBER", 100_000, minimum=1_000),
        altcha_expiry_minutes=_number(environ, "PORTAL_ALTCHA_EXPIRY_MINUTES", 10),
        queue_target_days=_number(environ, "PORTAL_QUEUE_TARGET_DAYS", 5),
        claim_timeout_minutes=_number(environ, "PORTAL_CLAIM_TIMEOUT_MINUTES", 120),
        match_auto_attach=_flag(environ.get("PORTAL_MATCH_AUTO_ATTACH"), default=False),
        match_auto_threshold=_share(environ, "PORTAL_MATCH_AUTO_THRESHOLD", 0.95),
        scan_max_file_bytes=_number(environ, "PORTAL_SCAN_MAX_FILE_MB", 500) * 1024 * 1024,
        imap_host=imap_host,
        imap_port=imap_port,
        imap_security=imap_security,
        imap_user=environ.get("PORTAL_IMAP_USER", ""),
        imap_password=environ.get("PORTAL_IMAP_PASSWORD", ""),
        imap_folder=environ.get("PORTAL_IMAP_FOLDER", "").strip() or "INBOX",
        imap_processed_folder=environ.get("PORTAL_IMAP_PROCESSED_FOLDER", "").strip() or "Processed",
        imap_quarantine_folder=environ.get("PORTAL_IMAP_QUARANTINE_FOLDER", "").strip() or "Quarantine",
        imap_ca_file=environ.get("PORTAL_IMAP_CA_FILE", "").strip(),
        mail_max_bytes=_number(environ, "PORTAL_MAIL_MAX_BYTES", 40 * 1024 * 1024, minimum=1024),
        staff_idle_minutes=_number(environ, "PORTAL_STAFF_IDLE_MINUTES", 30),
        proxy_count=_number(environ, "PORTAL_PROXY_COUNT", 0, minimum=0),
    )


def secret_keys(config) -> list[str]:
    """Every key a signature or sealed secret may carry, the current one last: itsdangerous
    signs with the last and checks with all, as Flask does for its session cookie."""
    return [*config.get("SECRET_KEY_FALLBACKS", ()), config["SECRET_KEY"]]
