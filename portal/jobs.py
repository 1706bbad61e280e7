"""The background jobs that `flask worker` runs in rounds (portal.cli.worker).

A job is a name and a function called inside the app context; it does a bounded amount of work
and returns a printable report (false when there was nothing to do). More jobs join JOBS.
Like a command, a job takes the app's settings and storage and hands them to the domain.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app

from portal.config import current_settings, secret_keys
from portal.extensions import db, get_storage
from portal.observability import counters

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[], object]


def _send_mail():
    from portal.notify.sender import send_due_mail

    settings = current_settings()
    return send_due_mail(db.session, get_storage(), settings.smtp, settings.office.mail_from,
                         dev_mailbox=settings.dev_mailbox_dir)


class _Purged(int):
    def __str__(self) -> str:
        return f"{int(self)} expired drafts deleted"


def _purge_drafts():
    from portal.forms.drafts import purge_expired

    purged = purge_expired(db.session)
    db.session.commit()
    return _Purged(purged)


class _Count(int):
    """A number of things done, printed with what they are ("3 reminders queued")."""

    what = "done"

    def __str__(self) -> str:
        return f"{int(self)} {self.what}"


class _Released(_Count):
    what = "expired holds released"


class _SlotsCreated(_Count):
    what = "slots created"


class _Reminded(_Count):
    what = "reminders queued"


def _release_holds():
    from portal.appointments.booking import release_expired_holds

    released = release_expired_holds(db.session)
    db.session.commit()
    return _Released(released)


def _ensure_slots():
    from portal.appointments.slots import ensure_slots

    created = ensure_slots(db.session)
    db.session.commit()
    return _SlotsCreated(created)


def _send_reminders():
    from portal.appointments.mails import BookingMailSetup, send_due_reminders

    setup = BookingMailSetup.of(current_settings(), secret_keys(current_app.config), get_storage())
    return _Reminded(send_due_reminders(db.session, setup))  # commits per booking


class _RequestsReminded(_Count):
    what = "document request reminders queued"


def _remind_requests():
    from portal.casework.request_reminders import send_request_reminders
    from portal.domain.office_time import office_today
    from portal.models._types import utcnow

    settings = current_settings()
    now = utcnow()
    reminded = send_request_reminders(db.session, settings.office, settings.requests, today=office_today(now),
                                      now=now)
    return _RequestsReminded(reminded)  # commits per request


class _NotConfigured:
    """A report that is false: the worker logs nothing, `worker --once` says why."""

    def __bool__(self) -> bool:
        return False

    def __str__(self) -> str:
        return "no IMAP mailbox configured (PORTAL_IMAP_HOST)"


def _poll_imap():
    from portal.intake.email.sources import poll_configured_mailbox

    # A bounded round; the rest comes next round.
    settings = current_settings()
    report = poll_configured_mailbox(db.session, get_storage(), settings.imap, settings.mail_intake, limit=200)
    return _NotConfigured() if report is None else report


class _ScanRetry:
    """Messages kept while clamd could not scan them, processed once it answers again."""

    def __init__(self, done: int, waiting: int):
        self.done, self.waiting = done, waiting

    def __bool__(self) -> bool:
        return bool(self.done or self.waiting)

    def __str__(self) -> str:
        return f"{self.done} mails processed after the virus scan, {self.waiting} still waiting for clamd"


class _Receipts(_Count):
    what = "receipts made"


def _finish_receipts():
    from portal.intake.receipts import finish_pending_receipts

    return _Receipts(finish_pending_receipts(db.session, get_storage()))  # commits per receipt


def _retry_scans():
    from portal.intake.email.process import process_waiting

    done, waiting = process_waiting(db.session, get_storage(), current_settings().mail_intake)
    return _ScanRetry(done, waiting)


# Reminders before "mail", so that a reminder queued in a round goes out in the same round.
JOBS: tuple[Job, ...] = (
    Job("imap", _poll_imap),  # first: its acknowledgements go out with "mail" in the same round
    Job("scan-retry", _retry_scans),  # mails that waited for clamd; acknowledged in this round too
    Job("holds", _release_holds),
    Job("slots", _ensure_slots),
    Job("reminders", _send_reminders),
    Job("request-reminders", _remind_requests),
    Job("receipts", _finish_receipts),  # before "mail": it releases the confirmation mail it held
    Job("mail", _send_mail),
    Job("drafts", _purge_drafts),
)


def run_round(jobs: tuple[Job, ...] = JOBS) -> list[tuple[str, object, bool]]:
    """Run every job once; one job's error does not keep the others from running."""
    results = []
    for job in jobs:
        try:
            results.append((job.name, job.run(), True))
        except Exception as exc:  # the database or a disk may be back next round
            log.exception("job %s failed", job.name)
            db.session.rollback()
            results.append((job.name, f"error: {type(exc).__name__}: {exc}", False))
        finally:
            db.session.remove()  # no stale objects or open transaction between rounds
        name, report, ok = results[-1]
        counters.JOB_RUNS.labels(job=name, outcome="ok" if ok else "error").inc()
        if not getattr(report, "busy", False):  # another node did this round's work
            _note_run(name, ok, report)
    return results


def _note_run(name: str, ok: bool, report) -> None:
    """The job's last round, for /readyz, /metrics and `flask doctor` (portal.models.JobRun)."""
    from sqlalchemy.exc import SQLAlchemyError

    from portal.models import JobRun
    from portal.models._types import utcnow

    now = utcnow()
    try:
        run = db.session.get(JobRun, name)
        if run is None:
            run = JobRun(name=name)
            db.session.add(run)
        run.last_run_at, run.ok, run.report = now, ok, str(report)[:500]
        if ok:
            run.last_ok_at = now
        db.session.commit()
    except SQLAlchemyError:  # the database is away (the job will have said so) or another node wrote it
        db.session.rollback()
        log.debug("job %s: its round could not be noted", name, exc_info=True)
    finally:
        db.session.remove()
