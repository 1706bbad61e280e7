"""`flask worker`: the background jobs (portal.jobs), run in rounds.

Stops cleanly on SIGTERM or Ctrl-C: the current round is finished first (a second Ctrl-C
stops at once; the outbox commits after every mail, so at most one mail is sent twice).
"""
from __future__ import annotations

import logging
import signal
import threading

import click
from flask.cli import with_appcontext

from portal.jobs import JOBS, run_round

log = logging.getLogger(__name__)


def _job_names(value: str) -> tuple[str, ...]:
    names = tuple(n for n in (value or "").replace(",", " ").split() if n)
    unknown = sorted(set(names) - {job.name for job in JOBS})
    if unknown:
        raise click.BadParameter(f"unknown jobs {', '.join(unknown)}; the jobs are "
                                 f"{', '.join(job.name for job in JOBS)}")
    return names


@click.command("worker")
@click.option("--once", is_flag=True, help="Run one round, print the reports and exit.")
@click.option("--interval", default=30.0, show_default=True, type=click.FloatRange(min=0.1),
              help="Seconds between rounds.")
@click.option("--only", default="", help="Run only these jobs (comma-separated), e.g. the mailbox poller: "
              "--only imap,scan-retry.")
@click.option("--skip", default="", help="Run every job but these, e.g. --skip imap where a poller of its own runs.")
@with_appcontext
def worker_command(once: bool, interval: float, only: str, skip: str) -> None:
    """Run the background jobs (sending the outbox) until SIGTERM or Ctrl-C."""
    chosen, skipped = _job_names(only), _job_names(skip)
    jobs = tuple(job for job in JOBS if (not chosen or job.name in chosen) and job.name not in skipped)
    if not jobs:
        raise click.UsageError("--only and --skip leave no job to run")
    if once:
        results = run_round(jobs)
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
    log.info("worker started: jobs %s, a round every %s s", ", ".join(j.name for j in jobs), interval)
    try:
        while not stop.is_set():
            for name, report, ok in run_round(jobs):
                if ok and report:
                    log.info("%s: %s", name, report)
            stop.wait(interval)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    log.info("worker stopped")
