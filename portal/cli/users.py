"""`flask users …`: staff accounts from the command line (portal.staff)."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from portal.config import current_settings
from portal.extensions import db
from portal.models import Role
from portal.staff.accounts import AccountError

users = AppGroup("users", help="Staff accounts.")


@users.command("create")
@click.option("--email", required=True)
@click.option("--role", required=True, type=click.Choice([role.value for role in Role]))
@click.option("--site", "site_code", required=True, help="Site code, e.g. WZ or DIL.")
@click.option("--name", "full_name", default="", help="Full name as shown to colleagues.")
@click.password_option("--password", prompt="Password", help="Asked for when not given.")
def create_user(email, role, site_code, full_name, password):
    """Create a staff account; asks for the password twice."""
    from portal.staff.accounts import create_staff_user

    try:
        user = create_staff_user(db.session, email=email, full_name=full_name, role=role,
                                 site_code=site_code, password=password,
                                 office_name=current_settings().office.name)
        db.session.commit()
    except AccountError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    click.echo(f"created {user.role} {user.email} at site {site_code}")


def _staff_by_email(email: str):
    from portal.staff.accounts import find_by_email, normalise_email

    try:
        email = normalise_email(email)
        user = find_by_email(db.session, email)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    if user is None:
        raise click.ClickException(f"no staff account for {email}")
    return user


@users.command("reset-totp")
@click.argument("email")
def reset_totp(email):
    """Switch off the second factor of an account (lost phone); it is set up again at the
    next sign-in (admins must) or from the account page. Signs the account out everywhere."""
    from portal.staff.accounts import reset_second_factor

    user = _staff_by_email(email)
    reset_second_factor(db.session, user)
    db.session.commit()
    click.echo(f"two-factor sign-in of {user.email} reset and its sessions ended; it is set up again at the "
               "next sign-in")


@users.command("reseal-totp")
def reseal_totp():
    """Seal every second factor with the current secret key. After a rotation of
    PORTAL_SECRET_KEY (the old key in PORTAL_SECRET_KEY_FALLBACKS), run this before the old key
    is dropped; a factor no configured key opens is named (reset it with reset-totp)."""
    from portal.config import secret_keys
    from portal.staff.totp import reseal_all

    resealed, unreadable = reseal_all(db.session, secret_keys(current_app.config))
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
    from portal.staff.accounts import change_password

    user = _staff_by_email(email)
    try:
        change_password(db.session, user, password, office_name=current_settings().office.name)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"new password set for {user.email}; its sessions have ended")


@users.command("set-role")
@click.argument("email")
@click.argument("role", type=click.Choice([role.value for role in Role]))
def set_role(email, role):
    """Give an account another role; signs it out everywhere (the next sign-in has the new role)."""
    from portal.staff.accounts import change_role

    user = _staff_by_email(email)
    if not change_role(db.session, user, role):
        click.echo(f"{user.email} is {role} already")
        return
    db.session.commit()
    click.echo(f"{user.email} is now {role}; its sessions have ended")


@users.command("deactivate")
@click.argument("email")
def deactivate_user(email):
    """Lock an account (someone who left): no sign-in, and its sessions end at once."""
    from portal.staff.accounts import deactivate

    user = _staff_by_email(email)
    deactivate(db.session, user)
    db.session.commit()
    click.echo(f"{user.email} is locked; its sessions have ended")


@users.command("activate")
@click.argument("email")
def activate_user(email):
    """Unlock an account locked with deactivate."""
    from portal.staff.accounts import activate

    user = _staff_by_email(email)
    activate(db.session, user)
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
