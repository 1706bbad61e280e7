"""`flask api-clients …`: the systems that may use the API (portal.clients.accounts)."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from portal.clients.accounts import SCOPES, ClientError, all_clients, create_client, find_by_name, revoke_client
from portal.extensions import db

api_clients = AppGroup("api-clients", help="Systems that use the API: their tokens and scopes.")


@api_clients.command("create")
@click.option("--name", required=True, help="What the system is, e.g. \"ADVIS Fachverfahren\".")
@click.option("--scope", "scopes", multiple=True, required=True, type=click.Choice(SCOPES),
              help="What it may do; give --scope once per scope.")
@click.option("--site", default=None, help="Limit it to one site (its code, e.g. WZ); default: both sites.")
def create_command(name: str, scopes: tuple[str, ...], site: str | None):
    """Make a client and print its token, once: only its hash is kept."""
    try:
        made = create_client(db.session, name, scopes, site_code=site)
    except ClientError as error:
        raise click.ClickException(f"{error.code}: {error.detail}") from error
    db.session.commit()
    where = made.client.site.code if made.client.site is not None else "all sites"
    click.echo(f"API client {made.client.name!r} ({', '.join(sorted(made.client.scope_set))}; {where}).")
    click.echo("Its token, shown this once (send it as 'Authorization: Bearer <token>'):", err=True)
    click.echo(made.token)


@api_clients.command("list")
def list_command():
    """Every client: name, scopes, site, made when, revoked when."""
    clients = all_clients(db.session)
    if not clients:
        click.echo("no API clients")
        return
    for client in clients:
        site = client.site.code if client.site is not None else "all"
        state = f"revoked {client.revoked_at:%Y-%m-%d %H:%M}" if client.is_revoked else "active"
        click.echo(f"{client.name:<32} {client.token_hint}…  {site:<4} {state:<24} "
                   f"made {client.created_at:%Y-%m-%d}  {' '.join(sorted(client.scope_set))}")


@api_clients.command("revoke")
@click.argument("name")
def revoke_command(name: str):
    """Revoke a client's token at once (the client stays listed, for the audit trail)."""
    client = find_by_name(db.session, name)
    if client is None:
        raise click.ClickException(f"no API client named {name!r}")
    try:
        revoke_client(db.session, client)
    except ClientError as error:
        raise click.ClickException(f"{client.name!r} is revoked already") from error
    db.session.commit()
    click.echo(f"revoked {client.name!r}")
