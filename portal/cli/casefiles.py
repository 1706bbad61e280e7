"""`flask casefiles …`: match a person against the case files, import master data from the
office's specialist application (portal.casefiles.master_data), rebuild the name keys, hand a file
over to another office and take one in as xdomea packages (portal.casefiles.xdomea,
portal.intake.transfer)."""
from __future__ import annotations

import json
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import force_locale

from portal.domain.dates import InvalidPartialDate, PartialDate
from portal.extensions import db

casefiles = AppGroup("casefiles", help="Case files: matching, import, name keys, xdomea hand-over.")


def _locale() -> str:
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def _date_option(ctx, param, value):
    if value is None:
        return None
    try:
        return PartialDate.parse(value)
    except InvalidPartialDate as exc:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD, 00 for an unknown day or month)") from exc


@casefiles.command("match")
@click.option("--surname", required=True)
@click.option("--given-names", default="", help="All given names, as in the passport.")
@click.option("--date-of-birth", required=True, callback=_date_option,
              help="YYYY-MM-DD or DD.MM.YYYY; 00 for an unknown day or month.")
@click.option("--nationality", default="", help="ISO 3166 alpha-3, e.g. UKR.")
@click.option("--file-number", default="")
@click.option("--birth-name", default="")
@click.option("--limit", default=10, type=click.IntRange(1, 100))
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
def match_command(surname, given_names, date_of_birth, nationality, file_number, birth_name, limit, as_json):
    """Candidate case files for a person, best first, with score (0..1) and reasons."""
    from portal.matching.candidates import find_candidates

    candidates = find_candidates(db.session, surname=surname, given_names=given_names,
                                 date_of_birth=date_of_birth, nationality=nationality,
                                 file_number=file_number, birth_name=birth_name, limit=limit)
    # Reasons are lazy strings: translated here, in the office's language.
    with force_locale(_locale()):
        rows = [candidate.as_dict() for candidate in candidates]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("no candidates")
        return
    for row in rows:
        name = f"{row['surname']}, {row['given_names']}".strip(", ")
        click.echo(f"{row['score']:.3f}  {row['file_number']:<16} {name}  *{row['date_of_birth']}  "
                   f"{row['nationality']}  {row['site']}")
        for reason in row["reasons"]:
            click.echo(f"       - {reason}")


@casefiles.command("reindex")
def reindex_command():
    """Rebuild the searchable name keys of every case file."""
    from portal.matching.index import count_case_files, reindex_all

    total = count_case_files(db.session)
    with click.progressbar(length=total, label="name keys") as bar:
        changed = reindex_all(db.session, progress=bar.update)
    click.echo(f"case files: {total}, key rows changed: {changed}")


@casefiles.command("import-csv")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_csv_command(csv_file: Path):
    """Load case-file master data exported from the specialist application (safe to run again).

    Columns: file_number,surname,given_names,birth_name,date_of_birth,place_of_birth,
    nationality,site,aliases. The date may be DD.MM.YYYY or YYYY-MM-DD with 00 for an unknown
    day or month; aliases are separated by |, each as "surname, given names"."""
    from portal.casefiles.master_data import MasterDataError, import_case_files, read_csv

    try:
        records, _ = read_csv(csv_file)
    except MasterDataError as exc:
        raise click.ClickException(str(exc)) from exc
    with click.progressbar(length=len(records), label="case files") as bar:
        report = import_case_files(db.session, records, progress=bar.update)
    for line, why in report.refused:
        click.echo(f"line {line}: {why}; skipped", err=True)
    click.echo(f"created: {report.created}, updated: {report.updated}, unchanged: {report.unchanged}, "
               f"refused: {len(report.refused)}")


@casefiles.command("export-xdomea")
@click.argument("file_number")
@click.argument("out", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@click.option("--to", "recipient", default="", help="The office the file goes to (in the message's head).")
@click.option("--handed-over", is_flag=True,
              help="Mark the case file as handed over (moved away today: the retention rules count from today).")
def export_xdomea_command(file_number: str, out: Path, recipient: str, handed_over: bool):
    """Write one case file as an xdomea 3.0 hand-over (Abgabe.Abgabe.0401) into OUT (a ZIP)."""
    from portal.casefiles.timeline import find_case_file
    from portal.casefiles.xdomea.export import ExportError, export_case_file
    from portal.config import current_settings
    from portal.domain.office_time import office_today
    from portal.extensions import get_storage
    from portal.models._types import utcnow

    case_file = find_case_file(db.session, file_number)
    if case_file is None:
        raise click.ClickException(f"no case file {file_number!r}")
    temporary = out.with_name(out.name + ".part")
    try:
        with temporary.open("wb") as fh:
            result = export_case_file(db.session, get_storage(), case_file, fh,
                                      office_name=current_settings().office.name, recipient=recipient,
                                      handed_over_on=office_today(utcnow()) if handed_over else None)
        temporary.replace(out)
    except ExportError as error:
        temporary.unlink(missing_ok=True)
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"{out}: {result.documents} documents ({result.files} files), process {result.process_id}"
               + ("; the case file is marked as handed over" if result.handed_over else ""))


@casefiles.command("import-xdomea")
@click.argument("package", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--site", default=None, help="Where a case file opened from the package belongs (site code); "
                                           "default: the site the package names, if this office has it.")
def import_xdomea_command(package: Path, site: str | None):
    """Take in a case file another office handed over (an xdomea Abgabe.Abgabe.0401 ZIP); the
    answer Abgabe.ImportBestaetigen.0402 is written beside it. Safe to run again."""
    from portal.config import current_settings
    from portal.extensions import get_storage
    from portal.intake.transfer.importer import TransferError, TransferSettings, import_package

    settings = current_settings()
    transfer = TransferSettings(office_name=settings.office.name, matching=settings.matching,
                                virus_scan=settings.virus_scan, max_file_bytes=settings.uploads.scan_max_file_bytes)
    try:
        with force_locale(_locale()):
            outcome = import_package(db.session, get_storage(), package, transfer, site_code=site)
    except TransferError as error:
        raise click.ClickException(str(error)) from error
    answered = f"; answer: {outcome.receipt}" if outcome.receipt else "; no answer (the message could not be read)"
    if not outcome.taken:
        for reason in outcome.reasons:
            click.echo(f"  - {reason}", err=True)
        raise click.ClickException(f"{package}: refused, nothing was filed{answered}")
    if outcome.already:
        click.echo(f"{package}: imported before as {outcome.submission}; nothing added{answered}")
        return
    where = (f"case file {outcome.case_file} (opened from the package)" if outcome.opened
             else f"linked to case file {outcome.case_file}" if outcome.case_file
             else f"in the queue with {outcome.candidates} candidate case files")
    click.echo(f"{package}: {outcome.documents} documents as {outcome.submission}, {where}{answered}")
