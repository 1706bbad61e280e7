"""`flask mail poll|import`: the e-mail channel from the command line (portal.intake.email)."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from portal.config import current_settings
from portal.extensions import db, get_storage

mail = AppGroup("mail", help="E-mail intake: the office's IMAP mailbox, .eml, Maildir and mbox files.")


@mail.command("poll")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="At most this many messages.")
def poll_command(limit):
    """Fetch new messages from the IMAP mailbox (PORTAL_IMAP_*) and take them in."""
    from portal.intake.email.sources import poll_configured_mailbox

    settings = current_settings()
    try:
        report = poll_configured_mailbox(db.session, get_storage(), settings.imap, settings.mail_intake,
                                         limit=limit)
    except Exception as exc:  # connection, login, TLS: say what failed, keep the trace out
        raise click.ClickException(f"IMAP poll failed: {type(exc).__name__}: {exc}") from exc
    if report is None:
        raise click.ClickException("no IMAP mailbox configured: set PORTAL_IMAP_HOST (and _USER, _PASSWORD)")
    for line in report.lines():
        click.echo(line)


@mail.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=True))
def import_command(paths):
    """Take in .eml files, Maildir folders, folders of .eml files and mbox files."""
    from portal.intake.email.sources import import_paths

    report = import_paths(db.session, get_storage(), list(paths), current_settings().mail_intake)
    for line in report.lines():
        click.echo(line)
    if report.failed:
        raise click.ClickException(f"{len(report.failed)} paths could not be read")
