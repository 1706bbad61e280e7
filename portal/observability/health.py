"""/healthz and /readyz for load balancers and monitoring: JSON, no personal data, cheap.

/healthz: the process answers (nothing else is touched), so a hung database does not get every
node restarted. /readyz: this node can serve: the database answers and its schema is the one
the code expects, the document storage takes a file; and, where the office asks for them
(PORTAL_READY_CHECKS), clamd answers, the SMTP server answers, the mailbox was polled without an
error within PORTAL_READY_MAILBOX_MINUTES. 200 when all hold, 503 otherwise, each check named
with what is wrong. The checks of other servers are remembered for a few seconds per process,
so that a load balancer asking every two seconds costs them one connection in ten seconds.
"""
from __future__ import annotations

import functools
import os
import smtplib
import ssl
import tempfile
import time
from collections.abc import Callable

from flask import Blueprint
from sqlalchemy import text

from portal.config import Settings, current_settings
from portal.extensions import db, limiter

bp = Blueprint("health", __name__)

REMEMBER_SECONDS = 10.0
CHECK_TIMEOUT_SECONDS = 2.0
_remembered: dict[str, tuple[float, tuple[bool, str]]] = {}


@bp.get("/healthz")
@limiter.exempt
def healthz():
    return {"status": "ok"}, 200, {"Cache-Control": "no-store"}


@bp.get("/readyz")
@limiter.exempt
def readyz():
    settings = current_settings()
    checks = {"database": _database, "storage": functools.partial(_storage, settings)}
    optional = {"clamd": functools.partial(_clamd, settings), "smtp": functools.partial(_smtp, settings),
                "mailbox": functools.partial(_mailbox, settings)}
    for name in sorted(settings.monitoring.ready_checks):
        checks[name] = functools.partial(_remember, name, optional[name])
    results = {}
    for name, check in checks.items():
        started = time.perf_counter()
        try:
            ok, detail = check()
        except Exception as exc:  # the check itself failed: that is the answer
            ok, detail = False, f"{type(exc).__name__}: {str(exc)[:200]}"
        results[name] = {"ok": ok, "detail": detail, "ms": round((time.perf_counter() - started) * 1000, 1)}
    ready = all(r["ok"] for r in results.values())
    db.session.remove()
    return ({"status": "ready" if ready else "not ready", "checks": results}, 200 if ready else 503,
            {"Cache-Control": "no-store"})


def _remember(name: str, check: Callable[[], tuple[bool, str]]) -> tuple[bool, str]:
    now = time.monotonic()
    known = _remembered.get(name)
    if known is not None and now - known[0] < REMEMBER_SECONDS:
        return known[1]
    result = check()
    _remembered[name] = (now, result)
    return result


@functools.lru_cache(maxsize=1)
def expected_revision() -> str:
    """The head of the migration chain this code was shipped with."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from portal import MIGRATIONS_DIR

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return ScriptDirectory.from_config(config).get_current_head() or ""


def schema_revision(connection) -> str | None:
    try:
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except Exception:  # no table: never migrated
        return None


def _database() -> tuple[bool, str]:
    with db.engine.connect() as connection:
        connection.execute(text("SELECT 1"))
        current = schema_revision(connection)
    expected = expected_revision()
    if current != expected:
        return False, f"schema at revision {current or 'none'}, the code needs {expected}: run flask db upgrade"
    return True, f"schema at revision {current}"


def _storage(settings: Settings) -> tuple[bool, str]:
    root = settings.storage_dir
    root.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=root, prefix=".ready-")
    try:
        os.write(fd, b"ready")
    finally:
        os.close(fd)
        os.unlink(name)
    return True, "writable"


def _clamd(settings: Settings) -> tuple[bool, str]:
    from portal.documents import antivirus

    try:
        return True, antivirus.ping(settings.virus_scan, timeout=CHECK_TIMEOUT_SECONDS)
    except antivirus.ScannerUnreachable as exc:
        return False, str(exc)


def _smtp(settings: Settings) -> tuple[bool, str]:
    return smtp_answers(settings.smtp, timeout=CHECK_TIMEOUT_SECONDS, login=False)


def smtp_answers(smtp, *, timeout: float, login: bool) -> tuple[bool, str]:
    """Connect, greet (and with `login` also STARTTLS and log in as the sender would), quit."""
    try:
        if smtp.security == "tls":
            server = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=timeout, context=ssl.create_default_context())
        else:
            server = smtplib.SMTP(smtp.host, smtp.port, timeout=timeout)
        try:
            code, _ = server.ehlo()
            if login and smtp.security == "starttls":
                server.starttls(context=ssl.create_default_context())
            if login and smtp.user:
                server.login(smtp.user, smtp.password)
            code, _ = server.noop()
        finally:
            try:
                server.quit()
            except (smtplib.SMTPException, OSError):
                server.close()
    except (smtplib.SMTPException, OSError) as exc:
        return False, f"{smtp.host}:{smtp.port}: {type(exc).__name__}: {str(exc)[:200]}"
    return code == 250, f"{smtp.host}:{smtp.port} answers"


def _mailbox(settings: Settings) -> tuple[bool, str]:
    return mailbox_polled(settings, time.time())


def mailbox_polled(settings: Settings, now: float) -> tuple[bool, str]:
    from portal.models import JobRun
    from portal.domain.office_time import aware

    if not settings.imap.configured:
        return True, "no mailbox configured"
    run = db.session.get(JobRun, "imap")
    limit = settings.monitoring.mailbox_max_minutes
    if run is None or run.last_ok_at is None:
        return False, "the mailbox has not been polled yet (is the worker running?)"
    age = now - aware(run.last_ok_at).timestamp()
    if not run.ok:
        return False, f"the last poll failed: {run.report[:200]}"
    if age > limit * 60:
        return False, f"last polled {int(age // 60)} minutes ago (more than {limit}): is the worker running?"
    return True, f"polled {int(age)} s ago"
