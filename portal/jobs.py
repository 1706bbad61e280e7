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

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[], object]


def _send_mail():
    from portal.notify.sender import send_due_mail

    settings = current_settings()
    return send_due_mail(db.session, get_storage(), settings.smtp, settings.office.mail_from)


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
