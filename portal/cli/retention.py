"""`flask retention list|delete`: case files due for deletion under their retention rule
(portal.casefiles.retention).

The list names files by number, site and date only (a terminal's scroll-back and cron mails
are no place for names). Deleting asks for confirmation unless --yes is given (cron).
"""
from __future__ import annotations

from datetime import date

import click
from flask.cli import AppGroup

from portal.extensions import db

retention = AppGroup("retention", help="Case files due for deletion under their retention rule.")


def _as_of_option(command):
    return click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
                        help="The day to judge by (YYYY-MM-DD); default today.")(command)


def _day(value) -> date:
    return value.date() if value is not None else date.today()


def _print_due(files) -> None:
    from portal.casefiles.retention import effective_retention_until

    for case_file in files:
        moved = case_file.moved_away_on.isoformat() if case_file.moved_away_on else "-"
        click.echo(f"{case_file.file_number:<20} {case_file.site.code:<5} rule {case_file.retention_rule:<10} "
                   f"moved away {moved:<10}  due {effective_retention_until(case_file).isoformat()}")


@retention.command("list")
@_as_of_option
def list_due(as_of):
    """List the case files due for deletion."""
    from portal.casefiles.retention import due_case_files

    day = _day(as_of)
    files = due_case_files(db.session, day)
    _print_due(files)
    click.echo(f"{len(files)} case files due for deletion as of {day.isoformat()}")
    _print_held(day)


def _print_held(day: date) -> None:
    from portal.casefiles.retention import held_case_files

    held = held_case_files(db.session, day)
    if held:
        click.echo(f"{len(held)} more held back by an open submission (deleted once it is finished):")
        _print_due(held)


@retention.command("delete")
@_as_of_option
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def delete_due_command(as_of, yes):
    """Delete the case files due, with their submissions, documents and notes."""
    from portal.casefiles.retention import delete_due, due_case_files
    from portal.extensions import get_storage

    day = _day(as_of)
    files = due_case_files(db.session, day)
    _print_held(day)
    if not files:
        click.echo(f"no case files due for deletion as of {day.isoformat()}")
    elif not yes:
        _print_due(files)
        click.confirm(f"Delete these {len(files)} case files and everything in them for good?", abort=True)
    report = delete_due(db.session, get_storage(), day)
    detail = report.detail()
    click.echo(", ".join(f"{key}: {value}" for key, value in detail.items()))
