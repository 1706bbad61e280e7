"""`flask --app portal worker`: the background jobs, run in rounds.

A job is a name and a function called inside the app context; it does a bounded amount of work
and returns a printable report (false when there was nothing to do). More jobs join JOBS.
Stops cleanly on SIGTERM or Ctrl-C: the current round is finished first (a second Ctrl-C
stops at once; the outbox commits after every mail, so at most one mail is sent twice).
"""
from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass

import click
from flask import current_app
from flask.cli import with_appcontext

from portal.extensions import db

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[], object]


def _send_mail():
    from portal.documents.storage import get_storage
    from portal.notify.sender import send_due_mail

    return send_due_mail(db.session, get_storage(), current_app.config)


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
    from portal.appointments.mails import send_due_reminders

    return _Reminded(send_due_reminders(db.session))  # commits per booking


class _NotConfigured:
    """A report that is false: the worker logs nothing, `worker --once` says why."""

    def __bool__(self) -> bool:
        return False

    def __str__(self) -> str:
        return "no IMAP mailbox configured (PORTAL_IMAP_HOST)"


def _poll_imap():
    from portal.mail_cli import poll_configured_mailbox

    report = poll_configured_mailbox(limit=200)  # a bounded round; the rest comes next round
    return _NotConfigured() if report is None else report


# Reminders before "mail", so that a reminder queued in a round goes out in the same round.
JOBS: tuple[Job, ...] = (
    Job("imap", _poll_imap),  # first: its acknowledgements go out with "mail" in the same round
    Job("holds", _release_holds),
    Job("slots", _ensure_slots),
    Job("reminders", _send_reminders),
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
    return results


@click.command("worker")
@click.option("--once", is_flag=True, help="Run one round, print the reports and exit.")
@click.option("--interval", default=30.0, show_default=True, type=click.FloatRange(min=0.1),
              help="Seconds between rounds.")
@with_appcontext
def worker_command(once: bool, interval: float) -> None:
    """Run the background jobs (sending the outbox) until SIGTERM or Ctrl-C."""
    if once:
        results = run_round()
        for name, report, _ in results:
            click.echo(f"{name}: {report}")
        if not all(ok for _, _, ok in results):
            raise click.ClickException("a job failed")
        return

    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    stop = threading.Event()

    def request_stop(signum, frame):
        if stop.is_set():
            raise KeyboardInterrupt  # asked twice: do not wait for the round to end
        log.info("stopping after this round (%s)", signal.Signals(signum).name)
        stop.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    log.info("worker started: jobs %s, a round every %s s", ", ".join(j.name for j in JOBS), interval)
    try:
        while not stop.is_set():
            for name, report, ok in run_round():
                if ok and report:
                    log.info("%s: %s", name, report)
            stop.wait(interval)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    log.info("worker stopped")
