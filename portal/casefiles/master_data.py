"""Case-file master data from the office's specialist application: reading its CSV export,
checking each row, and creating or updating the case files, idempotently by file number.

The scan import checks the person data of its index rows with the same rules (parse_row).
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from portal.casefiles.operations import create_case_file
from portal.casefiles.spellings import add_spelling
from portal.domain.dates import InvalidPartialDate, PartialDate
from portal.matching.index import index_case_files
from portal.models import CaseFile, Site

CSV_COLUMNS = ("file_number", "surname", "given_names", "birth_name", "date_of_birth", "place_of_birth",
               "nationality", "site", "aliases")
IMPORT_BATCH = 500
ALIAS_SOURCE = "import"
_NATIONALITY = re.compile(r"^[A-Z]{3}$")


class MasterDataError(ValueError):
    """The file as a whole cannot be read (not UTF-8, columns missing)."""


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    refused: list[tuple[int, str]] = field(default_factory=list)  # (line, why)


@dataclass
class Row:
    line: int
    file_number: str
    values: dict  # CaseFile attributes, site_id included
    aliases: list[tuple[str, str]]


def parse_aliases(text: str) -> list[tuple[str, str]]:
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


def parse_row(line: int, record: dict, sites: dict) -> Row | str:
    """The row's values, or why it is refused; `sites` maps site codes (upper case) to ids."""
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
    return Row(line, file_number, values, parse_aliases(get("aliases")))


def read_csv(path: Path) -> tuple[list[tuple[int, dict]], list[str]]:
    """(line number, record) pairs and the header; UTF-8 with or without BOM; comma or
    semicolon (as spreadsheet programs with German settings write). Raises MasterDataError."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise MasterDataError(f"{path} is not UTF-8 text (byte {exc.start})") from exc
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [name.strip() for name in (reader.fieldnames or [])]
    reader.fieldnames = header
    missing = [column for column in CSV_COLUMNS if column not in header]
    if missing:
        raise MasterDataError(f"{path}: columns missing: {', '.join(missing)} "
                              f"(expected: {','.join(CSV_COLUMNS)})")
    records = []
    for record in reader:
        if not any((value or "").strip() for value in record.values() if isinstance(value, str)):
            continue  # an empty line
        records.append((reader.line_num, record))
    return records, header


def apply_row(case_file: CaseFile, row: Row) -> bool:
    """Write the row's master data and new known spellings into the file; True if changed."""
    changed = False
    for attribute, value in row.values.items():
        if getattr(case_file, attribute) != value:
            setattr(case_file, attribute, value)
            changed = True
    for surname, given in row.aliases:
        if add_spelling(case_file, surname, given, source=ALIAS_SOURCE) is not None:
            changed = True
    return changed


def import_case_files(session: Session, records: list[tuple[int, dict]],
                      progress: Callable[[int], None] | None = None, batch: int = IMPORT_BATCH) -> ImportReport:
    """Create or update case files from CSV records, idempotently by file number; each batch
    is committed with its name keys. A bad line is refused and reported, the rest goes on."""
    sites = {site.code.upper(): site.id for site in session.scalars(select(Site))}
    report = ImportReport()
    for start in range(0, len(records), batch):
        chunk = records[start:start + batch]
        rows = []
        for line, record in chunk:
            parsed = parse_row(line, record, sites)
            if isinstance(parsed, str):
                report.refused.append((line, parsed))
            else:
                rows.append(parsed)
        existing = _existing(session, list({row.file_number for row in rows}))
        touched = {}
        for row in rows:
            case_file = existing.get(row.file_number)
            if case_file is None:
                case_file = create_case_file(session, row.values, file_number=row.file_number, aliases=row.aliases,
                                             alias_source=ALIAS_SOURCE)
                if case_file is not None:
                    report.created += 1
                else:  # another process made it a moment ago: this row updates it
                    case_file = _existing(session, [row.file_number])[row.file_number]
                    _count_update(report, apply_row(case_file, row))
                existing[row.file_number] = case_file
            else:
                _count_update(report, apply_row(case_file, row))
            touched[row.file_number] = case_file
        index_case_files(session, list(touched.values()))
        session.commit()
        if progress is not None:
            progress(len(chunk))
    return report


def _existing(session: Session, numbers: list[str]) -> dict[str, CaseFile]:
    return {cf.file_number: cf for cf in session.scalars(
        select(CaseFile).where(CaseFile.file_number.in_(numbers)).options(selectinload(CaseFile.aliases)))}


def _count_update(report: ImportReport, changed: bool) -> None:
    if changed:
        report.updated += 1
    else:
        report.unchanged += 1
