"""Flask commands: seed-demo, users."""
from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from portal.casefiles_cli import casefiles
from portal.extensions import db
from portal.mail_cli import mail
from portal.models import Role
from portal.maintenance_cli import backup_command, check_command, restore_command
from portal.retention_cli import retention
from portal.scans_cli import scans
from portal.worker import worker_command


def register(app: Flask) -> None:
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(users)
    app.cli.add_command(casefiles)
    app.cli.add_command(worker_command)
    app.cli.add_command(retention)
    app.cli.add_command(mail)
    app.cli.add_command(scans)
    app.cli.add_command(check_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)


@click.command("seed-demo")
@with_appcontext
@click.option("--case-files", default=None, type=click.IntRange(0, 200_000),
              help="How many demo case files (default 3000).")
def seed_demo_command(case_files):
    """Load demo sites, services, staff and case files (safe to run again)."""
    from portal.demo import DEMO_CASE_FILES, seed_demo

    if current_app.config["ENV_NAME"] == "production":
        raise click.ClickException("seed-demo does not run with PORTAL_ENV=production")
    report = seed_demo(db.session, current_app.config["SECRET_KEY"],
                       case_files if case_files is not None else DEMO_CASE_FILES)
    click.echo(f"sites created: {report.sites_created}, services created: {report.services_created}, "
               f"case files created: {report.case_files_created}, slots created: {report.slots_created}, "
               f"content translations created: {report.content_created}, "
               f"submissions created: {report.submissions_created}")
    click.echo("Demo staff accounts (sign in at /backoffice/login):")
    for email, role, password, created in report.staff:
        note = "" if created else "  (existed already; password unchanged)"
        click.echo(f"  {role:<11} {email:<45} password: {password}{note}")
    from portal.demo import DEMO_ADMIN_TOTP_SECRET

    click.echo(f"The admin also enters a code (two-factor sign-in). Add the key {DEMO_ADMIN_TOTP_SECRET} to an "
               "authenticator app, or get the current code with:\n"
               f"  .venv/bin/python -c \"import pyotp; print(pyotp.TOTP('{DEMO_ADMIN_TOTP_SECRET}').now())\"")


users = AppGroup("users", help="Staff accounts.")


@users.command("create")
@click.option("--email", required=True)
@click.option("--role", required=True, type=click.Choice([role.value for role in Role]))
@click.option("--site", "site_code", required=True, help="Site code, e.g. WZ or DIL.")
@click.option("--name", "full_name", default="", help="Full name as shown to colleagues.")
@click.password_option("--password", prompt="Password", help="Asked for when not given.")
def create_user(email, role, site_code, full_name, password):
    """Create a staff account; asks for the password twice."""
    from portal.accounts import AccountError, create_staff_user

    try:
        user = create_staff_user(db.session, email=email, full_name=full_name, role=role,
                                 site_code=site_code, password=password,
                                 office_name=current_app.config["PORTAL_OFFICE_NAME"])
        db.session.commit()
    except AccountError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    click.echo(f"created {user.role} {user.email} at site {site_code}")


def _staff_by_email(email: str):
    from sqlalchemy import func

    from portal.accounts import AccountError, normalise_email
    from portal.models import StaffUser

    try:
        email = normalise_email(email)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    user = db.session.scalar(select(StaffUser).where(func.lower(StaffUser.email) == email))
    if user is None:
        raise click.ClickException(f"no staff account for {email}")
    return user


@users.command("reset-totp")
@click.argument("email")
def reset_totp(email):
    """Switch off the second factor of an account (lost phone); it is set up again at the
    next sign-in (admins must) or from the account page. Signs the account out everywhere."""
    from portal.accounts import reset_second_factor

    user = _staff_by_email(email)
    reset_second_factor(user)
    db.session.commit()
    click.echo(f"two-factor sign-in of {user.email} reset and its sessions ended; it is set up again at the "
               "next sign-in")


@users.command("reseal-totp")
def reseal_totp():
    """Seal every second factor with the current secret key. After a rotation of
    PORTAL_SECRET_KEY (the old key in PORTAL_SECRET_KEY_FALLBACKS), run this before the old key
    is dropped; a factor no configured key opens is named (reset it with reset-totp)."""
    from portal import totp
    from portal.config import secret_keys
    from portal.models import StaffUser

    keys = secret_keys(current_app.config)
    resealed, unreadable = 0, []
    for user in db.session.scalars(select(StaffUser).where(StaffUser.totp_secret.is_not(None))):
        try:
            resealed += totp.reseal(user, keys)
        except totp.UnreadableSecret:
            unreadable.append(user.email)
    db.session.commit()
    click.echo(f"second factors sealed again with the current key: {resealed}")
    for email in unreadable:
        click.echo(f"cannot open the second factor of {email}: reset it (users reset-totp {email})")
    if unreadable:
        raise SystemExit(1)


@users.command("set-password")
@click.argument("email")
@click.password_option("--password", prompt="New password", help="Asked for when not given.")
def set_password(email, password):
    """Give an account a new password (same rules as for new accounts); signs it out everywhere."""
    from portal.accounts import AccountError, change_password

    user = _staff_by_email(email)
    try:
        change_password(user, password, office_name=current_app.config["PORTAL_OFFICE_NAME"])
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"new password set for {user.email}; its sessions have ended")


@users.command("set-role")
@click.argument("email")
@click.argument("role", type=click.Choice([role.value for role in Role]))
def set_role(email, role):
    """Give an account another role; signs it out everywhere (the next sign-in has the new role)."""
    from portal.accounts import change_role

    user = _staff_by_email(email)
    if not change_role(user, role):
        click.echo(f"{user.email} is {role} already")
        return
    db.session.commit()
    click.echo(f"{user.email} is now {role}; its sessions have ended")


@users.command("deactivate")
@click.argument("email")
def deactivate_user(email):
    """Lock an account (someone who left): no sign-in, and its sessions end at once."""
    from portal.accounts import deactivate

    user = _staff_by_email(email)
    deactivate(user)
    db.session.commit()
    click.echo(f"{user.email} is locked; its sessions have ended")


@users.command("activate")
@click.argument("email")
def activate_user(email):
    """Unlock an account locked with deactivate."""
    from portal.accounts import activate

    user = _staff_by_email(email)
    activate(user)
    db.session.commit()
    click.echo(f"{user.email} may sign in again")


@users.command("list")
def list_users():
    """List staff accounts."""
    from portal.models import StaffUser

    for user in db.session.scalars(select(StaffUser).order_by(StaffUser.email)):
        state = "active" if user.is_active_account else "locked"
        factor = "2fa" if user.has_totp else "-"
        click.echo(f"{user.email:<45} {user.role:<11} {user.site.code:<5} {state:<7} {factor}")
