"""Operators' commands: `check` (consistency of rows and stored files), `backup` and `restore`."""
from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import with_appcontext

from portal.extensions import db


def _storage():
    from portal.extensions import get_storage

    return get_storage()


@click.command("check")
@click.option("--verify-content", is_flag=True, help="Also read every referenced file and compare its digest.")
@click.option("--remove-orphans", is_flag=True,
              help="Delete stored files that no row refers to (older than the grace period).")
@click.option("--grace-minutes", default=15, show_default=True, type=click.IntRange(min=0),
              help="Younger orphan files may belong to an upload whose transaction is still open.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@with_appcontext
def check_command(verify_content: bool, remove_orphans: bool, grace_minutes: int, as_json: bool) -> None:
    """Report orphan files, rows whose file is missing and broken invariants; exit 1 on any."""
    from portal.config import secret_keys
    from portal.maintenance.check import check, remove_orphans as remove

    report, orphans = check(db.session, _storage(), verify_content=verify_content,
                            grace_seconds=grace_minutes * 60, keys=secret_keys(current_app.config))
    removed = remove(db.session, _storage(), orphans) if remove_orphans else 0
    if as_json:
        click.echo(json.dumps({**report.as_dict(), "orphans_removed": removed}, indent=1))
    else:
        click.echo(f"checked {report.references_checked} file references and {report.files_checked} stored files")
        for finding in report.findings:
            click.echo(f"{finding.kind}: {finding.detail}")
        for kind, count in sorted(report.counts.items()):
            click.echo(f"{kind}: {count} in all")
        if report.in_flight:
            click.echo(f"{len(report.in_flight)} younger unreferenced files left alone (uploads in progress?)")
        if remove_orphans:
            click.echo(f"orphan files removed: {removed}")
        click.echo("consistent" if report.ok else "INCONSISTENT")
    if not report.ok and not (remove_orphans and set(report.counts) == {"orphan_file"}
                              and removed == report.counts["orphan_file"]):
        raise SystemExit(1)


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False))
@with_appcontext
def backup_command(path: str) -> None:
    """Write a consistent backup (database rows and stored documents) to PATH (.tar or .tar.gz)."""
    from portal.maintenance.backup import BackupError, write_backup

    try:
        report = write_backup(db.engine, _storage(), path)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"backup written to {report.path}: schema {report.revision}, "
               f"{sum(report.rows.values())} rows in {len(report.rows)} tables, "
               f"{report.documents} documents ({report.document_bytes / 1e6:.1f} MB)")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def restore_command(path: str) -> None:
    """Restore a backup into this instance, whose database and storage must be empty."""
    from flask_migrate import upgrade

    from portal.maintenance.backup import BackupError, restore_backup

    try:
        report = restore_backup(db.engine, _storage(), path, create_schema=lambda rev: upgrade(revision=rev))
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    upgrade()  # a backup of an earlier version comes up to this version's schema
    click.echo(f"restored schema {report.revision}: {sum(report.rows.values())} rows, "
               f"{report.documents} documents; database upgraded to the current schema")
