"""Settings from PORTAL_* environment variables, in one typed object.

load_settings() reads the environment once: every default and every check is there. The app
keeps the result (settings_of(app); current_settings() in a view, command or worker job) and
Flask's own keys are derived from it (Settings.flask_config). Views and commands hand domain
functions the group they need (settings.queue, settings.matching, settings.mail_intake, ...);
domain code never reads the app's configuration.

Development gets safe defaults (SQLite and storage under instance/, a generated secret
key); production refuses to start when something that must be chosen is missing.
"""
from __future__ import annotations

import os
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parseaddr
from pathlib import Path

from flask import Flask, current_app

from portal.domain.office_time import OFFICE_TZ, aware

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
class OfficeSettings:
    """The office as applicants and mail servers see it."""
    name: str  # on receipts, mails, calendar entries, PDFs and every page
    public_base_url: str  # without a trailing slash: links in mails, receipts and QR codes
    mail_from: str  # the sender of every mail, "Name <address>" or an address

    def url(self, path: str) -> str:
        """An absolute link to a path of the portal ("/de/status/...")."""
        return self.public_base_url.rstrip("/") + path

    @property
    def mail_address(self) -> str:
        """The address part of mail_from ("" when it names none)."""
        return parseaddr(self.mail_from)[1]


@dataclass(frozen=True)
class UploadSettings:
    max_file_bytes: int  # one file of an application (web and e-mail)
    max_submission_bytes: int  # all files of one application together
    scan_max_file_bytes: int  # one file of a scan delivery (hundreds of pages are normal)

    @property
    def max_request_bytes(self) -> int:
        """What one request may carry: every file an application may have, chosen at once
        (each at most max_file_bytes), and the form around them. The documents page promises
        both limits; a request within them must never be cut off before the checks."""
        return max(self.max_submission_bytes, self.max_file_bytes) + UPLOAD_FORM_OVERHEAD_BYTES


@dataclass(frozen=True)
class SmtpSettings:
    """The mail server the outbox delivers to (portal.notify.sender)."""
    host: str
    port: int
    security: str  # "none", "starttls" or "tls"
    user: str  # no login when empty
    password: str
    max_attempts: int  # a mail that failed this often is given up (failed)


@dataclass(frozen=True)
class ImapSettings:
    """The office's mailbox for the e-mail intake (portal.intake.email); no host, no polling."""
    host: str
    port: int
    security: str  # "tls", "starttls" or "none"
    user: str
    password: str
    folder: str
    processed_folder: str
    quarantine_folder: str
    ca_file: str  # a private CA for the mail server; the system's CAs when empty

    @property
    def configured(self) -> bool:
        return bool(self.host)

    @property
    def where(self) -> str:
        return f"imap://{self.user}@{self.host}:{self.port}/{self.folder}"


@dataclass(frozen=True)
class MatchingSettings:
    """Attaching a submission to a case file without a caseworker (portal.matching.auto_attach)."""
    auto_attach: bool
    auto_threshold: float  # the lowest score attached automatically (AUTO_ATTACH_FLOOR <= t <= 1)


@dataclass(frozen=True)
class RequestRules:
    """Requests for documents to applicants (portal.casework.requests)."""
    deadline_days: int = 14  # the deadline a caseworker is offered, in calendar days from today
    reminder_days: int = 3  # the reminder mail goes this many days before the deadline (0: none)
    notify_by_mail: bool = False  # the caseworker who asked also gets a mail when the answer comes


@dataclass(frozen=True)
class MailSettings:
    """What the e-mail channel needs: its limits, the office (its own addresses are never
    answered; the status link) and the auto-attach rule every channel follows."""
    max_bytes: int  # a larger message is not downloaded; its header is quarantined
    max_file_bytes: int  # one attachment, as one upload
    office: OfficeSettings
    matching: MatchingSettings
    virus_scan: VirusScanSettings  # every attachment is scanned before it is filed
    requests: RequestRules = RequestRules()  # a reply answering a request may tell the caseworker

    @property
    def office_addresses(self) -> frozenset[str]:
        address = self.office.mail_address.lower()
        return frozenset({address} if address else ())


@dataclass(frozen=True)
class BookingSettings:
    hold_minutes: int  # a chosen time is held this long while the form is filled in
    hold_extensions: int  # how often the applicant may keep the held time hold_minutes longer
    confirm_minutes: int  # an unconfirmed booking is released after this long
    cancel_hours: int  # cancelling or moving is possible until this long before the start
    reminder_hours: int  # the reminder goes out this long before the start


@dataclass(frozen=True)
class HumanCheckSettings:
    """The proof of work (ALTCHA) before a time is reserved and past the sign-in limit: the
    browser tries up to max_number hashes (half of them on average)."""
    enabled: bool
    max_number: int
    expiry_minutes: int  # how long a challenge is valid


@dataclass(frozen=True)
class QueueRules:
    """The inbound queue's rules (portal.casework.queue)."""
    target_days: int  # working days an item may wait before it counts as overdue
    claim_timeout_minutes: int  # a claim nobody worked on runs out after this long

    def claim_cutoff(self, now: datetime) -> datetime:
        """Claims made before this moment have run out."""
        return now - timedelta(minutes=self.claim_timeout_minutes)

    def claim_ends(self, claimed_at: datetime) -> datetime:
        return aware(claimed_at) + timedelta(minutes=self.claim_timeout_minutes)


@dataclass(frozen=True)
class VirusScanSettings:
    """clamd, which scans every file before it is filed (portal.documents.antivirus)."""
    address: str  # a UNIX socket ("/run/clamav/clamd.ctl") or "tcp://host:3310"; "" none (not in production)
    # When clamd cannot be reached: "refuse" (the file waits or is refused for now: nothing is
    # filed unscanned) or "accept" (filed with a warning in the log; for development).
    when_unavailable: str
    timeout_seconds: float  # one connection: a 500 MB scan file takes a while

    @property
    def refuses_unscanned(self) -> bool:
        return self.when_unavailable == "refuse"


@dataclass(frozen=True)
class MonitoringSettings:
    """Logs, health checks and metrics for the operator (portal.observability)."""
    log_format: str  # "json" (one object a line) or "text" (readable lines)
    metrics_token: str  # a bearer token that opens /metrics from anywhere; "" none
    metrics_networks: tuple[str, ...]  # addresses or networks that may read /metrics without it
    ready_checks: frozenset[str]  # checks of /readyz beyond database and storage: clamd, smtp, mailbox
    mailbox_max_minutes: int  # /readyz "mailbox": the last successful poll is at most this old


@dataclass(frozen=True)
class ApiSettings:
    """The JSON API for the specialist application and other systems (portal.api)."""
    rate_limit: str  # per API client (Flask-Limiter notation, e.g. "600 per minute")


@dataclass(frozen=True)
class Settings:
    """The installation's settings: read once by load_settings(), kept on the app."""
    env: str
    debug: bool
    database_url: str
    storage_dir: Path
    secret_key: str
    # Keys PORTAL_SECRET_KEY replaced: still accepted for signatures and sealed secrets (rotation).
    secret_key_fallbacks: tuple[str, ...]
    ratelimit_storage_url: str
    ratelimit_enabled: bool  # off only for load and race tests that send everything from one address
    # Public pages kept for every visitor alike (portal.public.page_cache): Redis shared by all
    # processes, or "" for each process's memory; at most this many seconds (0: no cache).
    page_cache_url: str
    page_cache_seconds: int
    # Reverse proxies in front of the portal whose X-Forwarded-For/-Proto/-Host are trusted.
    proxy_count: int
    staff_idle_minutes: int  # a staff session ends after this long without a request
    draft_days: int  # an unfinished online application (and its resume link) is kept this long
    mail_max_bytes: int  # the largest e-mail taken in whole (see MailSettings)
    office: OfficeSettings
    uploads: UploadSettings
    smtp: SmtpSettings
    imap: ImapSettings
    matching: MatchingSettings
    booking: BookingSettings
    human_check: HumanCheckSettings
    queue: QueueRules
    virus_scan: VirusScanSettings
    monitoring: MonitoringSettings
    api: ApiSettings
    # Development only: the worker delivers mail into this Maildir instead of SMTP, and
    # /dev/mailbox shows it (portal.dev); None everywhere else.
    dev_mailbox_dir: Path | None
    requests: RequestRules = RequestRules()
    # Tests only (no environment variable): the moment published content is judged at, or a
    # function giving it; None is the current time.
    content_now: datetime | Callable[[], datetime] | None = None

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def mail_intake(self) -> MailSettings:
        return MailSettings(max_bytes=self.mail_max_bytes, max_file_bytes=self.uploads.max_file_bytes,
                            office=self.office, matching=self.matching, virus_scan=self.virus_scan,
                            requests=self.requests)

    def flask_config(self) -> dict:
        """Flask's and its extensions' own keys, derived from these settings (the one place)."""
        secure_cookies = self.is_production
        return {
            "DEBUG": self.debug,
            "SECRET_KEY": self.secret_key,
            "SECRET_KEY_FALLBACKS": list(self.secret_key_fallbacks),
            "SQLALCHEMY_DATABASE_URI": self.database_url,
            "SQLALCHEMY_ENGINE_OPTIONS": _engine_options(self.database_url, hide_parameters=self.is_production),
            # A request may carry all files of an application at once plus the form around them;
            # larger ones get a 413 in the applicant's language (portal.public.applications).
            # Fields other than files stay within Flask's MAX_FORM_MEMORY_SIZE (500 kB).
            "MAX_CONTENT_LENGTH": self.uploads.max_request_bytes,
            "RATELIMIT_STORAGE_URI": self.ratelimit_storage_url,
            "RATELIMIT_HEADERS_ENABLED": True,
            "RATELIMIT_ENABLED": self.ratelimit_enabled,
            "SESSION_COOKIE_HTTPONLY": True,
            "SESSION_COOKIE_SAMESITE": "Lax",
            "SESSION_COOKIE_SECURE": secure_cookies,
            "REMEMBER_COOKIE_HTTPONLY": True,
            "REMEMBER_COOKIE_SAMESITE": "Lax",
            "REMEMBER_COOKIE_SECURE": secure_cookies,
            # The longest a staff sign-in lasts, however active (checked against the sign-in time).
            "PERMANENT_SESSION_LIFETIME": 8 * 3600,
            "WTF_CSRF_TIME_LIMIT": 4 * 3600,
            "BABEL_DEFAULT_LOCALE": DEFAULT_LANGUAGE,
            "BABEL_DEFAULT_TIMEZONE": OFFICE_TZ.key,
            # Two catalogues: applicant-facing strings in all seven languages,
            # back-office strings in German and English only. Flask-Babel takes the plural rule
            # of the catalogue loaded last, so the one that exists in every language comes last.
            "BABEL_TRANSLATION_DIRECTORIES": "translations;translations",
            "BABEL_DOMAIN": "backoffice;messages",
        }


# -- on the app ---------------------------------------------------------------------------------

EXTENSION_KEY = "portal.settings"


def init_app(app: Flask, settings: Settings) -> None:
    """Keep the settings on the app and give Flask its keys; templates get the office's name."""
    app.extensions[EXTENSION_KEY] = settings
    app.config.update(settings.flask_config())

    @app.context_processor
    def office_context():
        return {"office_name": settings_of(app).office.name}


def settings_of(app: Flask) -> Settings:
    return app.extensions[EXTENSION_KEY]


def current_settings() -> Settings:
    """The settings of the app handling this request or command (views, CLI, worker jobs)."""
    return settings_of(current_app)


def _engine_options(url: str, *, hide_parameters: bool = False) -> dict:
    # In production a database error names no values of the statement: they are applicants'
    # data, and the error ends up in the log.
    hidden = {"hide_parameters": True} if hide_parameters else {}
    if url.startswith("sqlite"):
        # Several threads (dev server, tests' live server) share one file.
        return {"connect_args": {"check_same_thread": False, "timeout": 30}, **hidden}
    return {"pool_pre_ping": True, **hidden}


# -- from the environment -----------------------------------------------------------------------

def _page_cache_url(environ) -> str:
    """PORTAL_PAGE_CACHE_URL, else the rate limits' Redis when they have one, else memory ("")."""
    url = environ.get("PORTAL_PAGE_CACHE_URL", "").strip()
    if url:
        if not url.startswith(("redis://", "rediss://", "unix://")):
            raise ConfigError("PORTAL_PAGE_CACHE_URL must be a redis:// address")
        return url
    limits = environ.get("PORTAL_RATELIMIT_STORAGE_URL", "")
    return limits if limits.startswith(("redis://", "rediss://")) else ""


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


# The matching's scores are calibrated (benchmarks/matching.py, docs/figures.md): from 0.9 on at
# least 97 % of the candidates were the right person ("almost certainly"), and from 0.95 on no
# wrong candidate was seen on the labelled set. Auto-attach stays in that band.
MATCH_CERTAIN = 0.9
AUTO_ATTACH_FLOOR = 0.95


def _auto_threshold(environ) -> float:
    value = _share(environ, "PORTAL_MATCH_AUTO_THRESHOLD", 0.95)
    if value < AUTO_ATTACH_FLOOR:
        raise ConfigError(f"PORTAL_MATCH_AUTO_THRESHOLD must be at least {AUTO_ATTACH_FLOOR}: below, the "
                          "calibration found wrong candidates (docs/figures.md)")
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

    mail_from = environ.get("PORTAL_MAIL_FROM", "auslaenderbehoerde@localhost")
    dev_mailbox = environ.get("PORTAL_DEV_MAILBOX_DIR", "").strip()
    if dev_mailbox and production:
        raise ConfigError("PORTAL_DEV_MAILBOX_DIR is for development only: production sends mail by SMTP")
    return Settings(
        env=env,
        debug=debug,
        database_url=database_url,
        storage_dir=Path(environ.get("PORTAL_STORAGE_DIR") or instance_path / "storage"),
        secret_key=secret_key,
        secret_key_fallbacks=fallbacks,
        ratelimit_storage_url=environ.get("PORTAL_RATELIMIT_STORAGE_URL", "memory://"),
        ratelimit_enabled=_flag(environ.get("PORTAL_RATELIMIT_ENABLED"), default=True),
        page_cache_url=_page_cache_url(environ),
        page_cache_seconds=_number(environ, "PORTAL_PAGE_CACHE_SECONDS", 60, minimum=0),
        proxy_count=_number(environ, "PORTAL_PROXY_COUNT", 0, minimum=0),
        staff_idle_minutes=_number(environ, "PORTAL_STAFF_IDLE_MINUTES", 30),
        draft_days=_number(environ, "PORTAL_DRAFT_DAYS", 30),
        mail_max_bytes=_number(environ, "PORTAL_MAIL_MAX_BYTES", 40 * 1024 * 1024, minimum=1024),
        office=OfficeSettings(
            name=environ.get("PORTAL_OFFICE_NAME", "Ausländerbehörde Lahn-Dill"),
            public_base_url=(environ.get("PORTAL_PUBLIC_BASE_URL", "").strip()
                             or f"http://127.0.0.1:{_served_port(environ)}").rstrip("/"),
            mail_from=mail_from,
        ),
        uploads=UploadSettings(
            max_file_bytes=upload_max_file_mb * 1024 * 1024,
            max_submission_bytes=upload_max_submission_mb * 1024 * 1024,
            scan_max_file_bytes=_number(environ, "PORTAL_SCAN_MAX_FILE_MB", 500) * 1024 * 1024,
        ),
        smtp=SmtpSettings(
            host=environ.get("PORTAL_SMTP_HOST", "localhost"),
            port=smtp_port,
            security=smtp_security,
            user=environ.get("PORTAL_SMTP_USER", ""),
            password=environ.get("PORTAL_SMTP_PASSWORD", ""),
            max_attempts=_number(environ, "PORTAL_MAIL_MAX_ATTEMPTS", 12),
        ),
        imap=ImapSettings(
            host=imap_host,
            port=imap_port,
            security=imap_security,
            user=environ.get("PORTAL_IMAP_USER", ""),
            password=environ.get("PORTAL_IMAP_PASSWORD", ""),
            folder=environ.get("PORTAL_IMAP_FOLDER", "").strip() or "INBOX",
            processed_folder=environ.get("PORTAL_IMAP_PROCESSED_FOLDER", "").strip() or "Processed",
            quarantine_folder=environ.get("PORTAL_IMAP_QUARANTINE_FOLDER", "").strip() or "Quarantine",
            ca_file=environ.get("PORTAL_IMAP_CA_FILE", "").strip(),
        ),
        matching=MatchingSettings(
            auto_attach=_flag(environ.get("PORTAL_MATCH_AUTO_ATTACH"), default=False),
            auto_threshold=_auto_threshold(environ),
        ),
        booking=BookingSettings(
            hold_minutes=_number(environ, "PORTAL_BOOKING_HOLD_MINUTES", 10),
            hold_extensions=_number(environ, "PORTAL_BOOKING_HOLD_EXTENSIONS", 2, minimum=0),
            confirm_minutes=_number(environ, "PORTAL_BOOKING_CONFIRM_MINUTES", 60),
            cancel_hours=_number(environ, "PORTAL_BOOKING_CANCEL_HOURS", 24, minimum=0),
            reminder_hours=_number(environ, "PORTAL_BOOKING_REMINDER_HOURS", 24),
        ),
        human_check=HumanCheckSettings(
            enabled=_flag(environ.get("PORTAL_ALTCHA_ENABLED"), default=True),
            max_number=_number(environ, "PORTAL_ALTCHA_MAX_NUMBER", 100_000, minimum=1_000),
            expiry_minutes=_number(environ, "PORTAL_ALTCHA_EXPIRY_MINUTES", 10),
        ),
        queue=QueueRules(
            target_days=_number(environ, "PORTAL_QUEUE_TARGET_DAYS", 5),
            claim_timeout_minutes=_number(environ, "PORTAL_CLAIM_TIMEOUT_MINUTES", 120),
        ),
        requests=RequestRules(
            deadline_days=_number(environ, "PORTAL_REQUEST_DEADLINE_DAYS", 14),
            reminder_days=_number(environ, "PORTAL_REQUEST_REMINDER_DAYS", 3, minimum=0),
            notify_by_mail=_flag(environ.get("PORTAL_REQUEST_NOTIFY_BY_MAIL")),
        ),
        virus_scan=_virus_scan(environ, production),
        monitoring=_monitoring(environ, production),
        api=ApiSettings(rate_limit=_rate_limit(environ, "PORTAL_API_RATE_LIMIT", "600 per minute")),
        dev_mailbox_dir=Path(dev_mailbox) if dev_mailbox else None,
    )


def _rate_limit(environ, name: str, default: str) -> str:
    from limits import parse_many

    value = environ.get(name, "").strip() or default
    try:
        parse_many(value)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a rate such as \"600 per minute\" or \"10/second; 600/minute\"") from exc
    return value


def _served_port(environ) -> str:
    """The port the development server listens on (scripts/serve-demo's PORT, or flask run's),
    so that links in mails and QR codes reach it without PORTAL_PUBLIC_BASE_URL."""
    for name in ("PORT", "FLASK_RUN_PORT"):
        value = environ.get(name, "").strip()
        if value:
            if not value.isdigit() or not 0 < int(value) < 65536:
                raise ConfigError(f"{name} must be a port number (1-65535)")
            return value
    return "5000"


def _virus_scan(environ, production: bool) -> VirusScanSettings:
    address = environ.get("PORTAL_CLAMD_ADDRESS", "/run/clamav/clamd.ctl").strip()
    if production and not address:
        raise ConfigError("PORTAL_CLAMD_ADDRESS must name clamd's socket when PORTAL_ENV=production: "
                          "every file is scanned before it is filed")
    if address.startswith("tcp://"):
        host, _, port = address[len("tcp://"):].rpartition(":")
        if not host or not port.isdigit():
            raise ConfigError("PORTAL_CLAMD_ADDRESS must be a socket path or tcp://host:port")
    when_unavailable = environ.get("PORTAL_CLAMD_UNAVAILABLE", "").strip().lower() or (
        "refuse" if production else "accept")
    if when_unavailable not in {"refuse", "accept"}:
        raise ConfigError("PORTAL_CLAMD_UNAVAILABLE must be refuse or accept")
    return VirusScanSettings(address=address, when_unavailable=when_unavailable,
                             timeout_seconds=float(_number(environ, "PORTAL_CLAMD_TIMEOUT_SECONDS", 120)))


READY_CHECKS = frozenset({"clamd", "smtp", "mailbox"})


def _monitoring(environ, production: bool) -> MonitoringSettings:
    import ipaddress

    log_format = environ.get("PORTAL_LOG_FORMAT", "").strip().lower() or ("json" if production else "text")
    if log_format not in {"json", "text"}:
        raise ConfigError("PORTAL_LOG_FORMAT must be json or text")
    networks = tuple(n for n in re.split(r"[\s,]+", environ.get("PORTAL_METRICS_ALLOW", "127.0.0.1, ::1")) if n)
    for network in networks:
        try:
            ipaddress.ip_network(network, strict=False)
        except ValueError as exc:
            raise ConfigError(f"PORTAL_METRICS_ALLOW: {network!r} is not an address or network") from exc
    token = environ.get("PORTAL_METRICS_TOKEN", "").strip()
    if token and len(token) < 24:
        raise ConfigError("PORTAL_METRICS_TOKEN must have at least 24 characters (or be empty)")
    checks = frozenset(c for c in re.split(r"[\s,]+", environ.get("PORTAL_READY_CHECKS", "").lower()) if c)
    if checks - READY_CHECKS:
        raise ConfigError(f"PORTAL_READY_CHECKS knows {', '.join(sorted(READY_CHECKS))}, "
                          f"not {', '.join(sorted(checks - READY_CHECKS))}")
    return MonitoringSettings(log_format=log_format, metrics_token=token, metrics_networks=networks,
                              ready_checks=checks,
                              mailbox_max_minutes=_number(environ, "PORTAL_READY_MAILBOX_MINUTES", 10))


def secret_keys(config) -> list[str]:
    """Every key a signature or sealed secret may carry, the current one last: itsdangerous
    signs with the last and checks with all, as Flask does for its session cookie."""
    return [*config.get("SECRET_KEY_FALLBACKS", ()), config["SECRET_KEY"]]
