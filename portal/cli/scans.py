"""`flask scans import DIR`: import a delivery of scanned paper files into the case files
(portal.intake.scans)."""
from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from portal.config import current_settings
from portal.extensions import db

scans = AppGroup("scans", help="Scanned paper files delivered in batches.")


@scans.command("import")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--chunk-size", default=200, show_default=True, type=click.IntRange(1, 10_000),
              help="Rows per transaction; a crash loses at most one chunk, which the next run redoes.")
def import_command(directory: Path, chunk_size: int):
    """Import DIRECTORY/index.csv and the PDF or TIFF files it names (safe to run again, and to
    run again after it was stopped).

    Columns: batch_id,file_number,surname,given_names,date_of_birth,nationality,document_date,
    document_type,path,pages,sha256. Paths are relative to DIRECTORY; the date of birth may have
    00 for an unknown day or month; the document date is YYYY-MM-DD or DD.MM.YYYY."""
    from portal.extensions import get_storage
    from portal.intake.scans import DeliveryError, import_delivery, read_index

    try:
        records = read_index(directory)
    except DeliveryError as exc:
        raise click.ClickException(str(exc)) from exc
    with click.progressbar(length=len(records), label="scanned documents") as bar:
        settings = current_settings()
        report = import_delivery(db.session, get_storage(), directory, records=records, chunk_size=chunk_size,
                                 progress=bar.update, max_file_bytes=settings.uploads.scan_max_file_bytes,
                                 matching=settings.matching, virus_scan=settings.virus_scan,
                                 locale=current_app.config["BABEL_DEFAULT_LOCALE"])
    for batch_id, file_number, line in report.case_files_opened:
        click.echo(f"batch {batch_id}, line {line}: case file {file_number} was not known; opened from the index "
                   "- its submission waits in the queue for a caseworker's check")
    for item in report.failed:
        where = f"line {item.line}" + (f", {item.file_number}" if item.file_number else "") + \
            (f", {item.path}" if item.path else "")
        # The reason's code in words ("checksum mismatch"); the back office shows its label.
        click.echo(f"{where}: {item.code.replace('_', ' ')} - {item.detail}; not imported", err=True)
    click.echo(f"batches: {', '.join(report.batches) or '-'}; rows: {report.rows}, imported: {report.imported}, "
               f"already present: {report.skipped}, failed: {len(report.failed)}, "
               f"case files opened: {len(report.case_files_opened)}")
    waiting = sum(1 for item in report.failed if item.code == "not_scanned")
    if waiting:
        click.echo(f"{waiting} files were not imported because the virus scanner (clamd) could not scan them: "
                   "run this import again when it is back (imported rows are skipped)", err=True)
