"""`flask forms …`: the online forms' versions (docs/forms.md): list them, export one as JSON,
import a definition as a new version, publish one (portal.forms.authoring.versions).

Importing is the command line's own change (recorded as such); publishing is a person's decision:
--by names the team lead or admin it is recorded for, as if they had published in the back office.
"""
from __future__ import annotations

import json
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import force_locale

from portal.extensions import db

forms = AppGroup("forms", help="Online forms: their versions, export and import as JSON, publishing.")


def _locale() -> str:
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def _staff(email: str | None):
    """The staff account of that address (None when no address is given)."""
    from portal.staff.accounts import AccountError, find_by_email, normalise_email

    if not email:
        return None
    try:
        user = find_by_email(db.session, normalise_email(email))
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    if user is None:
        raise click.ClickException(f"no staff account for {email}")
    if not user.is_active_account:
        raise click.ClickException(f"the account of {user.email} is locked")
    return user


def _problem(problem) -> str:
    """One problem of a definition (portal.forms.authoring.check.Problem): where, and what."""
    where, message = getattr(problem, "where", ""), getattr(problem, "message", problem)
    return f"{where}: {message}" if where else str(message)


def _refused(refused) -> click.ClickException:
    """A refusal in the office's language, each problem of the definition on a line of its own."""
    with force_locale(_locale()):
        for problem in refused.problems:
            click.echo(f"  - {_problem(problem)}", err=True)
        return click.ClickException(str(refused.message))


def _name(definition: dict | None) -> str:
    service = (definition or {}).get("service")
    return str(service.get("name_de") or "") if isinstance(service, dict) else ""


@forms.command("list")
def list_command():
    """Every service with a form: code, German name, the published version (shipped or the
    office's), the newest version and its state."""
    from portal.forms.definitions.store import every_service, published_definitions

    published = published_definitions(db.session)
    services = every_service(db.session)
    if not services:
        click.echo("no online forms")
        return
    for code, (versions, newest_definition) in services.items():
        newest = versions[0]
        number, definition = published.get(code, (None, None))
        if number is None:
            current = "published -"
        else:
            shipped = next(v.shipped for v in versions if v.number == number)
            current = f"published {number} ({'shipped' if shipped else 'office'})"
        name = _name(definition or newest_definition)
        latest = f"newest {newest.number} {newest.state}" if newest.number != number else "newest is published"
        click.echo(f"{code:<24} {name[:48]:<48} {current:<22} {latest}")


@forms.command("export")
@click.argument("code")
@click.option("--version", "number", type=click.IntRange(min=1), default=None,
              help="Another version than the published one.")
def export_command(code: str, number: int | None):
    """Print a form's definition as JSON (UTF-8, every language): the published version, or --version N."""
    from portal.forms.definitions.store import definition_of, published_definitions

    if number is None:
        number, definition = published_definitions(db.session).get(code, (None, None))
        if definition is None:
            raise click.ClickException(f"{code!r} has no published version (give --version)")
    else:
        definition = definition_of(db.session, code, number)
        if definition is None:
            raise click.ClickException(f"{code!r} has no version {number}")
    # Bytes: UTF-8 whatever the terminal's encoding (click writes bytes to the binary stream).
    click.echo((json.dumps(definition, ensure_ascii=False, indent=1) + "\n").encode("utf-8"), nl=False)


@forms.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--note", default="", help="What changed, for the version list.")
@click.option("--based-on", "based_on", type=click.IntRange(min=1), default=None,
              help="The version the file was made from (e.g. the one exported).")
@click.option("--by", "email", default=None,
              help="The staff member who made it (an editor, team lead or admin); default: the command line.")
def import_command(file: Path, note: str, based_on: int | None, email: str | None):
    """Make a new private version of a service's form (or a new service) from a JSON file;
    it is published with `forms publish`. A definition with problems is refused."""
    from portal.forms.authoring.versions import FormVersionRefused, new_version, problems_of

    try:
        definition = json.loads(file.read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise click.ClickException(f"{file}: not a JSON file in UTF-8 ({exc})") from exc
    if not isinstance(definition, dict) or not isinstance(definition.get("code"), str):
        raise click.ClickException(f"{file}: not a form definition (a JSON object with its \"code\")")
    staff = _staff(email)
    with force_locale(_locale()):
        found = [_problem(problem) for problem in problems_of(definition)]
    if found:
        for problem in found:
            click.echo(f"  - {problem}", err=True)
        raise click.ClickException(f"{file}: the definition has {len(found)} problem(s), nothing was imported")
    try:
        version = new_version(db.session, definition["code"], definition, staff, note=note, based_on=based_on)
    except FormVersionRefused as refused:
        db.session.rollback()
        raise _refused(refused) from refused
    db.session.commit()
    click.echo(f"{version.service_code}: version {version.number} ({version.state}) made from {file.name}; "
               f"publish it with: flask forms publish {version.service_code} --version {version.number} --by EMAIL")


@forms.command("publish")
@click.argument("code")
@click.option("--version", "number", type=click.IntRange(min=1), required=True)
@click.option("--by", "email", required=True, help="The team lead or admin who publishes it.")
def publish_command(code: str, number: int, email: str):
    """Publish a version: applicants who start the form from now on fill it in."""
    from portal.forms.authoring.versions import FormVersionRefused, transition
    from portal.forms.definitions.store import SHIPPED_VERSION, row_of

    staff = _staff(email)
    version = row_of(db.session, code, number)
    if version is None:
        if number == SHIPPED_VERSION:
            raise click.ClickException(f"version {number} of {code!r} is the shipped file, published already")
        raise click.ClickException(f"{code!r} has no version {number}")
    try:
        transition(db.session, version, "publish", staff, via="command line")
    except FormVersionRefused as refused:
        db.session.rollback()
        raise _refused(refused) from refused
    db.session.commit()
    click.echo(f"{code}: version {number} published by {staff.email}")
