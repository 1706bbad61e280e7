"""`flask casefiles …`: match a person against the case files, import master data from the
office's specialist application, rebuild the name keys."""
from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import force_locale
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.domain.dates import InvalidPartialDate, PartialDate
from portal.extensions import db

casefiles = AppGroup("casefiles", help="Case files: matching, import, name keys.")

CSV_COLUMNS = ("file_number", "surname", "given_names", "birth_name", "date_of_birth", "place_of_birth",
               "nationality", "site", "aliases")
IMPORT_BATCH = 500
_NATIONALITY = re.compile(r"^[A-Z]{3}$")


def _locale() -> str:
    return current_app.config.get("BABEL_DEFAULT_LOCALE", "de")


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


# --- import ---------------------------------------------------------------------------------

@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    refused: list[tuple[int, str]] = field(default_factory=list)  # (line, why)


@dataclass
class _Row:
    line: int
    file_number: str
    values: dict
    aliases: list[tuple[str, str]]


def _parse_aliases(text: str) -> list[tuple[str, str]]:
    """`Shevchenko, Oleksandr|Schewtschenko, Alexander`: surname, comma, given names;
    without a comma the whole entry is a surname."""
    aliases = []
    for entry in (text or "").split("|"):
        entry = entry.strip()
        if not entry:
            continue
        surname, _, given = entry.partition(",")
        aliases.append((surname.strip(), given.strip()))
    return aliases


def _parse_row(line: int, record: dict, sites: dict) -> _Row | str:
    """The row's values, or why it is refused."""
    def get(column):
        return (record.get(column) or "").strip()

    file_number = " ".join(get("file_number").split())
    if not file_number:
        return "no file number"
    if len(file_number) > 40:
        return f"file number {file_number!r} is longer than 40 characters"
    surname = get("surname")
    if not surname:
        return "no surname"
    site_code = get("site").upper()
    if site_code not in sites:
        return f"unknown site {get('site')!r} (known: {', '.join(sorted(sites))})"
    raw_date = get("date_of_birth")
    try:
        dob = PartialDate.parse(raw_date) if raw_date else PartialDate(None)
    except InvalidPartialDate:
        return f"date of birth {raw_date!r} is not a date (DD.MM.YYYY or YYYY-MM-DD, 00 for unknown parts)"
    nationality = get("nationality").upper()
    if nationality and not _NATIONALITY.match(nationality):
        return f"nationality {get('nationality')!r} is not an ISO 3166 alpha-3 code"
    for column in ("surname", "given_names", "birth_name", "place_of_birth"):
        if len(get(column)) > 200:
            return f"{column} is longer than 200 characters"
    values = {"surname": surname, "given_names": get("given_names"), "birth_name": get("birth_name"),
              "date_of_birth": dob, "place_of_birth": get("place_of_birth"), "nationality": nationality,
              "site_id": sites[site_code]}
    return _Row(line, file_number, values, _parse_aliases(get("aliases")))


def _read_csv(path: Path) -> tuple[list[tuple[int, dict]], list[str]]:
    """(line number, record) pairs and the header; UTF-8 with or without BOM; comma or
    semicolon (as spreadsheet programs with German settings write)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise click.ClickException(f"{path} is not UTF-8 text (byte {exc.start})") from exc
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [name.strip() for name in (reader.fieldnames or [])]
    reader.fieldnames = header
    missing = [column for column in CSV_COLUMNS if column not in header]
    if missing:
        raise click.ClickException(f"{path}: columns missing: {', '.join(missing)} "
                                   f"(expected: {','.join(CSV_COLUMNS)})")
    records = []
    for record in reader:
        if not any((value or "").strip() for value in record.values() if isinstance(value, str)):
            continue  # an empty line
        records.append((reader.line_num, record))
    return records, header


def _apply(case_file, row: _Row) -> bool:
    """Write the row's master data and new known spellings into the file; True if changed."""
    from portal.matching.attach import add_spelling

    changed = False
    for attribute, value in row.values.items():
        if getattr(case_file, attribute) != value:
            setattr(case_file, attribute, value)
            changed = True
    for surname, given in row.aliases:
        if add_spelling(case_file, surname, given, source="import") is not None:
            changed = True
    return changed


def import_case_files(session, records: list[tuple[int, dict]], progress=None,
                      batch: int = IMPORT_BATCH) -> ImportReport:
    """Create or update case files from CSV records, idempotently by file number; each batch
    is committed with its name keys. A bad line is refused and reported, the rest goes on."""
    from portal.matching.index import index_case_files
    from portal.models import CaseFile, Site

    sites = {site.code.upper(): site.id for site in session.scalars(select(Site))}
    report = ImportReport()
    for start in range(0, len(records), batch):
        chunk = records[start:start + batch]
        rows = []
        for line, record in chunk:
            parsed = _parse_row(line, record, sites)
            if isinstance(parsed, str):
                report.refused.append((line, parsed))
            else:
                rows.append(parsed)
        numbers = list({row.file_number for row in rows})
        existing = {cf.file_number: cf for cf in session.scalars(
            select(CaseFile).where(CaseFile.file_number.in_(numbers)).options(selectinload(CaseFile.aliases)))}
        touched = {}
        for row in rows:
            case_file = existing.get(row.file_number)
            if case_file is None:
                case_file = CaseFile(file_number=row.file_number, aliases=[])
                _apply(case_file, row)
                session.add(case_file)
                existing[row.file_number] = case_file
                report.created += 1
            elif _apply(case_file, row):
                report.updated += 1
            else:
                report.unchanged += 1
            touched[row.file_number] = case_file
        index_case_files(session, list(touched.values()))
        session.commit()
        if progress is not None:
            progress(len(chunk))
    return report


@casefiles.command("import-csv")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_csv_command(csv_file: Path):
    """Load case-file master data exported from the specialist application (safe to run again).

    Columns: file_number,surname,given_names,birth_name,date_of_birth,place_of_birth,
    nationality,site,aliases. The date may be DD.MM.YYYY or YYYY-MM-DD with 00 for an unknown
    day or month; aliases are separated by |, each as "surname, given names"."""
    records, _ = _read_csv(csv_file)
    with click.progressbar(length=len(records), label="case files") as bar:
        report = import_case_files(db.session, records, progress=bar.update)
    for line, why in report.refused:
        click.echo(f"line {line}: {why}; skipped", err=True)
    click.echo(f"created: {report.created}, updated: {report.updated}, unchanged: {report.unchanged}, "
               f"refused: {len(report.refused)}")
