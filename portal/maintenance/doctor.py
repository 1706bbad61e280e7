"""`flask --app portal doctor`: is this installation ready to start? Each check says in plain
words what it found and, where something is wrong, what to do.

Settings first (all of them valid, and what production should not have); then what the portal
needs around it: the database reachable and migrated, the storage writable, PDF fonts, front-end
assets and translations built, clamd answering with fresh signatures, the mail server and the
mailbox taking a login, Redis answering, and the worker's last rounds.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from portal.config import LANGUAGES, Settings

OK, WARN, FAIL = "ok", "warn", "fail"
SIGNATURES_MAX_AGE_DAYS = 2
STORAGE_FREE_WARN_BYTES = 2 * 1024**3
TIMEOUT = 5.0


@dataclass(frozen=True)
class Finding:
    check: str
    level: str  # OK, WARN or FAIL
    message: str


def settings_findings(settings: Settings) -> list[Finding]:
    found = [Finding("settings", OK, f"every PORTAL_* setting is valid (PORTAL_ENV={settings.env})")]
    if not settings.is_production:
        return found
    if settings.ratelimit_storage_url.startswith("memory"):
        found.append(Finding("settings", WARN, "rate limits are kept per process: set PORTAL_RATELIMIT_STORAGE_URL to "
                             "redis://… as soon as more than one process serves (gunicorn workers count)"))
    if not settings.virus_scan.refuses_unscanned:
        found.append(Finding("settings", WARN, "PORTAL_CLAMD_UNAVAILABLE=accept: files are filed unscanned whenever "
                             "clamd is down; production should refuse them (the default)"))
    if settings.smtp.security == "none" and settings.smtp.host not in {"localhost", "127.0.0.1", "::1"}:
        found.append(Finding("settings", WARN, f"PORTAL_SMTP_SECURITY=none with the remote server {settings.smtp.host}: "
                             "mail (with receipts) crosses the network unencrypted"))
    multiproc = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")
    if multiproc and not (os.path.isdir(multiproc) and os.access(multiproc, os.W_OK)):
        found.append(Finding("metrics", FAIL, f"PROMETHEUS_MULTIPROC_DIR={multiproc} is not a writable directory"))
    return found


def check_installation(settings: Settings, session) -> list[Finding]:
    """Every check but the settings (which were valid, or this would not run). Needs the app context."""
    found = []
    for check in (_database, _storage, _fonts, _assets, _translations):
        found.extend(_guarded(check.__name__.strip("_"), check, settings, session))
    for check in (_clamd, _smtp, _imap, _redis, _worker):
        found.extend(_guarded(check.__name__.strip("_"), check, settings, session))
    return found


def _guarded(name, check, settings, session) -> list[Finding]:
    try:
        return check(settings, session)
    except Exception as exc:  # a check that breaks says so and the others still run
        return [Finding(name, FAIL, f"the check failed: {type(exc).__name__}: {str(exc)[:300]}")]


def _database(settings: Settings, session) -> list[Finding]:
    from sqlalchemy import text

    from portal.observability.health import expected_revision, schema_revision

    where = session.get_bind().url.render_as_string(hide_password=True)
    try:
        with session.get_bind().connect() as connection:
            connection.execute(text("SELECT 1"))
            current = schema_revision(connection)
    except Exception as exc:
        return [Finding("database", FAIL, f"cannot reach {where}: {type(exc).__name__}: {str(exc).splitlines()[0][:300]}")]
    expected = expected_revision()
    if current is None:
        return [Finding("database", FAIL, f"{where} answers but has no tables: run `flask --app portal db upgrade`")]
    if current != expected:
        return [Finding("database", FAIL, f"{where} is at schema revision {current}, this code needs {expected}: "
                        "run `flask --app portal db upgrade` (after a backup)")]
    return [Finding("database", OK, f"{where} answers, schema at revision {current} (current)")]


def _storage(settings: Settings, session) -> list[Finding]:
    root = Path(settings.storage_dir)
    try:
        root.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=root, prefix=".doctor-")
        try:
            os.write(fd, b"doctor")
            os.fsync(fd)
        finally:
            os.close(fd)
            os.unlink(name)
    except OSError as exc:
        return [Finding("storage", FAIL, f"cannot write into {root}: {exc.strerror or exc} (PORTAL_STORAGE_DIR; the "
                        "portal's user must own it)")]
    free = shutil.disk_usage(root).free
    level = WARN if free < STORAGE_FREE_WARN_BYTES else OK
    return [Finding("storage", level, f"{root} is writable, {free / 1024**3:.1f} GB free")]


def _fonts(settings: Settings, session) -> list[Finding]:
    from portal.pdf import fonts

    try:
        fonts.require_fonts()
    except Exception as exc:
        return [Finding("fonts", FAIL, f"{exc} (run scripts/setup)")]
    return [Finding("fonts", OK, f"the PDF fonts are in {fonts.FONT_DIR}")]


def _assets(settings: Settings, session) -> list[Finding]:
    static = Path(__file__).resolve().parent.parent / "static" / "vendor"
    needed = [static / "kern" / "kern.min.css"]
    missing = [str(p) for p in needed if not p.is_file()]
    if missing:
        return [Finding("assets", FAIL, f"front-end files missing ({', '.join(missing)}): run scripts/setup")]
    from portal.assets import DIST, MANIFEST

    if not (DIST / MANIFEST).is_file():
        return [Finding("assets", WARN, f"no {DIST.name} with digest names: pages link the plain files, which "
                                        "browsers ask for again on every page; run scripts/setup")]
    return [Finding("assets", OK, "the front-end files are built, under digest names and compressed")]


def _translations(settings: Settings, session) -> list[Finding]:
    base = Path(__file__).resolve().parent.parent / "translations"
    missing = [f"{lang}/messages.mo" for lang in LANGUAGES if lang != "en"
               and not (base / lang / "LC_MESSAGES" / "messages.mo").is_file()]
    if missing:
        return [Finding("translations", FAIL, f"not compiled: {', '.join(missing)}: run "
                        "`.venv/bin/python scripts/i18n.py compile`")]
    return [Finding("translations", OK, "compiled for every language")]


def _clamd(settings: Settings, session) -> list[Finding]:
    from datetime import datetime, timezone

    from portal.documents import antivirus

    try:
        version = antivirus.ping(settings.virus_scan, timeout=TIMEOUT)
    except antivirus.ScannerUnreachable as exc:
        level = FAIL if settings.virus_scan.refuses_unscanned else WARN
        consequence = ("uploads are refused and mails wait until it answers" if settings.virus_scan.refuses_unscanned
                       else "files are taken unscanned (PORTAL_CLAMD_UNAVAILABLE=accept)")
        return [Finding("clamd", level, f"{exc}: {consequence}. Is clamav-daemon running (`systemctl status "
                        "clamav-daemon`)? Is PORTAL_CLAMD_ADDRESS its socket?")]
    published = antivirus.signatures_date(version)
    if published is None:
        return [Finding("clamd", WARN, f"answers ({version}) but names no official signatures: run freshclam "
                        "(clamav-freshclam)")]
    age_days = (datetime.now(timezone.utc) - published).total_seconds() / 86400
    if age_days > SIGNATURES_MAX_AGE_DAYS:
        return [Finding("clamd", WARN, f"answers, but its signatures are {age_days:.0f} days old: is freshclam "
                        "running (`systemctl status clamav-freshclam`)?")]
    return [Finding("clamd", OK, f"answers: {version}")]


def _smtp(settings: Settings, session) -> list[Finding]:
    from portal.observability.health import smtp_answers

    if settings.dev_mailbox_dir is not None:
        return [Finding("smtp", OK, f"not used: mail goes to the demo mailbox ({settings.dev_mailbox_dir})")]
    ok, detail = smtp_answers(settings.smtp, timeout=TIMEOUT, login=True)
    if ok:
        return [Finding("smtp", OK, f"{detail}" + (" and takes the login" if settings.smtp.user else ""))]
    level = FAIL if settings.is_production else WARN
    return [Finding("smtp", level, f"{detail}: mail waits in the outbox until the server answers "
                    "(PORTAL_SMTP_HOST, _PORT, _SECURITY, _USER, _PASSWORD)")]


def _imap(settings: Settings, session) -> list[Finding]:
    if not settings.imap.configured:
        return [Finding("mailbox", OK, "no mailbox configured (PORTAL_IMAP_HOST): the e-mail channel is off")]
    from portal.intake.email.sources import connect

    try:
        client = connect(settings.imap)
        try:
            client.select_folder(settings.imap.folder, readonly=True)
        finally:
            client.logout()
    except Exception as exc:
        return [Finding("mailbox", FAIL, f"{settings.imap.host}:{settings.imap.port}: {type(exc).__name__}: "
                        f"{str(exc)[:200]} (PORTAL_IMAP_*)")]
    return [Finding("mailbox", OK, f"{settings.imap.host}:{settings.imap.port} takes the login, "
                    f"folder {settings.imap.folder} opens")]


def _redis(settings: Settings, session) -> list[Finding]:
    url = settings.ratelimit_storage_url
    if not url.startswith(("redis://", "rediss://", "redis+")):
        return []
    import redis

    try:
        redis.Redis.from_url(url.replace("redis+sentinel", "redis"), socket_timeout=TIMEOUT).ping()
    except Exception as exc:
        return [Finding("redis", FAIL, f"{type(exc).__name__}: {str(exc)[:200]} (PORTAL_RATELIMIT_STORAGE_URL)")]
    return [Finding("redis", OK, "answers (rate limits shared by every process)")]


def _worker(settings: Settings, session) -> list[Finding]:
    from sqlalchemy import select
    from sqlalchemy.exc import SQLAlchemyError

    from portal.domain.office_time import aware
    from portal.models import JobRun

    try:
        runs = session.scalars(select(JobRun).order_by(JobRun.name)).all()
    except SQLAlchemyError:
        session.rollback()
        return []  # the database finding says why
    if not runs:
        return [Finding("worker", WARN, "no round of `flask --app portal worker` yet: start it beside the web "
                        "processes (it sends the outbox)")]
    now = time.time()
    found = []
    for run in runs:
        age = now - aware(run.last_run_at).timestamp()
        if not run.ok:
            found.append(Finding("worker", WARN, f"job {run.name}: its last round failed: {run.report[:200]}"))
        elif age > 600:
            found.append(Finding("worker", WARN, f"job {run.name}: last round {age / 60:.0f} minutes ago: "
                                 "is the worker running?"))
    return found or [Finding("worker", OK, f"every job ran within the last 10 minutes ({len(runs)} jobs)")]
