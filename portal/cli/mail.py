"""`flask mail poll|import`: the e-mail channel from the command line (portal.intake.email)."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from portal.extensions import db

mail = AppGroup("mail", help="E-mail intake: the office's IMAP mailbox, .eml, Maildir and mbox files.")


@mail.command("poll")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="At most this many messages.")
def poll_command(limit):
    """Fetch new messages from the IMAP mailbox (PORTAL_IMAP_*) and take them in."""
    from portal.documents.storage import get_storage
    from portal.intake.email.sources import poll_configured_mailbox

    try:
        report = poll_configured_mailbox(db.session, get_storage(), current_app.config, limit=limit)
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
    from portal.documents.storage import get_storage
    from portal.intake.email.process import MailSettings
    from portal.intake.email.sources import import_paths

    report = import_paths(db.session, get_storage(), list(paths), MailSettings.from_config(current_app.config))
    for line in report.lines():
        click.echo(line)
    if report.failed:
        raise click.ClickException(f"{len(report.failed)} paths could not be read")
