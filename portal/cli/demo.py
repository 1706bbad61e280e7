"""`flask seed-demo`: demo sites, services, staff, case files and submissions."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from portal.config import current_settings
from portal.extensions import db, get_storage


@click.command("seed-demo")
@with_appcontext
@click.option("--case-files", default=None, type=click.IntRange(0, 200_000),
              help="How many demo case files (default 3000).")
def seed_demo_command(case_files):
    """Load demo sites, services, staff and case files (safe to run again)."""
    from portal.demo import DEMO_ADMIN_TOTP_SECRET, DEMO_CASE_FILES, seed_demo

    settings = current_settings()
    if settings.is_production:
        raise click.ClickException("seed-demo does not run with PORTAL_ENV=production")
    report = seed_demo(db.session, current_app.config["SECRET_KEY"],
                       case_files if case_files is not None else DEMO_CASE_FILES,
                       storage=get_storage(), settings=settings)
    click.echo(f"sites created: {report.sites_created}, services created: {report.services_created}, "
               f"case files created: {report.case_files_created}, slots created: {report.slots_created}, "
               f"content translations created: {report.content_created}, "
               f"submissions created: {report.submissions_created}")
    click.echo("Demo staff accounts (sign in at /backoffice/login):")
    for email, role, password, created in report.staff:
        note = "" if created else "  (existed already; password unchanged)"
        click.echo(f"  {role:<11} {email:<45} password: {password}{note}")
    click.echo(f"The admin also enters a code (two-factor sign-in). Add the key {DEMO_ADMIN_TOTP_SECRET} to an "
               "authenticator app, or get the current code with:\n"
               f"  .venv/bin/python -c \"import pyotp; print(pyotp.TOTP('{DEMO_ADMIN_TOTP_SECRET}').now())\"")
