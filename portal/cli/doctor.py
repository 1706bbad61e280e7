"""`flask --app portal doctor`: check a configuration before starting (portal.maintenance.doctor).

Installed as a Flask plugin command too (pyproject.toml, "flask.commands"), so that it runs even
when the settings are wrong: the app could not be created then, and this command is the one that
says why, in plain words."""
from __future__ import annotations

import click
from flask import Flask
from flask.cli import ScriptInfo

_MARK = {"ok": "ok  ", "warn": "WARN", "fail": "FAIL"}


@click.command("doctor")
@click.pass_context
def doctor_command(ctx) -> None:
    """Check the settings and everything the portal needs (database, storage, fonts, clamd,
    SMTP, mailbox, Redis, worker) and say what is wrong; exits 1 when something must be fixed."""
    from portal.config import ConfigError, load_settings
    from portal.maintenance.doctor import FAIL, Finding, check_installation, settings_findings

    instance_path = Flask("portal", instance_relative_config=True).instance_path
    try:
        settings = load_settings(instance_path)
    except ConfigError as exc:
        _print([Finding("settings", FAIL, f"{exc}. Nothing else was checked: fix this and run doctor again.")])
        ctx.exit(1)
    found = settings_findings(settings)
    app = ctx.ensure_object(ScriptInfo).load_app()
    with app.app_context():
        from portal.extensions import db

        found += check_installation(settings, db.session)
        db.session.remove()
    _print(found)
    failed = sum(1 for f in found if f.level == FAIL)
    warned = sum(1 for f in found if f.level == "warn")
    click.echo(f"\n{failed} to fix, {warned} to look at." if failed or warned else "\nReady to start.")
    if failed:
        ctx.exit(1)


def _print(found) -> None:
    for finding in found:
        click.echo(f"{_MARK[finding.level]}  {finding.check:<12} {finding.message}")
