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
