"""The index of a scan delivery (`index.csv`): reading it and checking each row on its own,
before any file is opened or the database is asked.

Columns: batch_id,file_number,surname,given_names,date_of_birth,nationality,document_date,
document_type,path,pages,sha256. The person columns are checked only where the office does
not know the file number yet (the import opens the case file from them); see importer.py.
"""
from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path, PurePosixPath

COLUMNS = ("batch_id", "file_number", "surname", "given_names", "date_of_birth", "nationality",
           "document_date", "document_type", "path", "pages", "sha256")
INDEX_NAME = "index.csv"
MAX_BATCH_ID = 64  # fits the audit trail's object id
MAX_FILE_NUMBER = 40  # as CaseFile.file_number
MAX_DOCUMENT_TYPE = 60  # as Document.kind
MAX_PATH = 1000
MAX_PAGES = 100_000  # a sanity bound; the PDF check has its own, lower limit

_SHA256 = re.compile(r"[0-9a-f]{64}")
_ISO_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_GERMAN_DAY = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
_WINDOWS_DRIVE = re.compile(r"^[A-Za-z]:")


class Reason:
    """Why a row was not imported: a code for the database and the back office."""

    BAD_ROW = "bad_row"  # a value missing or malformed
    BAD_DATE = "bad_date"
    PATH_OUTSIDE = "path_outside"
    MISSING_FILE = "missing_file"
    TOO_LARGE = "too_large"
    CHECKSUM_MISMATCH = "checksum_mismatch"
    UNSUPPORTED_TYPE = "unsupported_type"
    UNREADABLE_PDF = "unreadable_pdf"
    REFUSED_PDF = "refused_pdf"  # encrypted, active content, too many pages
    UNREADABLE_TIFF = "unreadable_tiff"
    PAGE_COUNT_MISMATCH = "page_count_mismatch"
    UNKNOWN_SITE = "unknown_site"
    BAD_PERSON_DATA = "bad_person_data"
    VIRUS_FOUND = "virus_found"  # clamd found malware: not stored, recorded in the audit trail
    NOT_SCANNED = "not_scanned"  # clamd could not scan it: imported by the next run once it can


class RowFailure(Exception):
    def __init__(self, code: str, detail: str):
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


class DeliveryError(ValueError):
    """The delivery as a whole cannot be read (no index, wrong columns, not UTF-8)."""


@dataclass(frozen=True)
class IndexRow:
    line: int
    batch_id: str
    file_number: str
    sha256: str
    path: str  # relative, with "/" separators, checked not to climb out
    document_date: date
    document_type: str
    pages: int
    record: dict  # the row as read, for the person data of a new case file

    @property
    def key(self) -> tuple[str, str]:
        return self.file_number, self.sha256


@dataclass(frozen=True)
class BadRow:
    """A row refused by its values alone; keeps what identifies it for the report."""

    line: int
    batch_id: str
    file_number: str
    sha256: str
    path: str
    failure: RowFailure

    @property
    def key(self) -> tuple[str, str]:
        return self.file_number, self.sha256


def read_index(directory: Path) -> list[tuple[int, dict]]:
    """(line number, record) pairs; UTF-8 with or without BOM; comma or semicolon."""
    path = directory / INDEX_NAME
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise DeliveryError(f"{path} does not exist") from exc
    except UnicodeDecodeError as exc:
        raise DeliveryError(f"{path} is not UTF-8 text (byte {exc.start})") from exc
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    reader.fieldnames = [name.strip().lower() for name in (reader.fieldnames or [])]
    missing = [column for column in COLUMNS if column not in reader.fieldnames]
    if missing:
        raise DeliveryError(f"{path}: columns missing: {', '.join(missing)} (expected: {','.join(COLUMNS)})")
    records = []
    try:
        for record in reader:
            if not any((value or "").strip() for value in record.values() if isinstance(value, str)):
                continue  # an empty line
            records.append((reader.line_num, record))
    except csv.Error as exc:
        raise DeliveryError(f"{path}, line {reader.line_num}: {exc}") from exc
    return records


def _value(record: dict, column: str) -> str:
    value = record.get(column)
    return value.strip() if isinstance(value, str) else ""


def normalise_file_number(text: str) -> str:
    """The office writes file numbers in capitals ("WZ-2022-00017"); spaces do not count."""
    return "".join(text.split()).upper()


def site_code_of(file_number: str) -> str:
    """"WZ-2022-00017" → "WZ": the site that keeps the file."""
    prefix, dash, _ = file_number.partition("-")
    return prefix if dash else ""


def relative_path(text: str) -> str:
    """The index's path as a relative POSIX path inside the delivery; RowFailure otherwise.

    Backslashes count as separators (index files written on Windows)."""
    if not text:
        raise RowFailure(Reason.BAD_ROW, "no path")
    if len(text) > MAX_PATH:
        raise RowFailure(Reason.BAD_ROW, f"path longer than {MAX_PATH} characters")
    if any(unicodedata.category(ch) == "Cc" for ch in text):
        raise RowFailure(Reason.PATH_OUTSIDE, f"path {text!r} contains control characters")
    candidate = text.replace("\\", "/")
    if candidate.startswith("/") or _WINDOWS_DRIVE.match(candidate):
        raise RowFailure(Reason.PATH_OUTSIDE, f"path {text!r} is absolute")
    parts = [part for part in PurePosixPath(candidate).parts if part != "."]
    if ".." in parts:
        raise RowFailure(Reason.PATH_OUTSIDE, f"path {text!r} leads out of the delivery")
    if not parts:
        raise RowFailure(Reason.BAD_ROW, f"path {text!r} names no file")
    return "/".join(parts)


def file_inside(directory: Path, relative: str) -> Path:
    """The delivered file, after following links: it must be a file inside the delivery."""
    root = directory.resolve()
    try:
        resolved = (root / relative).resolve(strict=True)
    except FileNotFoundError as exc:
        raise RowFailure(Reason.MISSING_FILE, f"{relative} is not in the delivery") from exc
    except (OSError, RuntimeError) as exc:  # a link loop, a name too long
        raise RowFailure(Reason.MISSING_FILE, f"{relative} cannot be opened ({exc.__class__.__name__})") from exc
    if not resolved.is_relative_to(root):
        raise RowFailure(Reason.PATH_OUTSIDE, f"{relative} is a link to a place outside the delivery")
    if not resolved.is_file():
        raise RowFailure(Reason.MISSING_FILE, f"{relative} is not a file")
    return resolved


def parse_document_date(text: str, today: date) -> date:
    """A whole date (YYYY-MM-DD or DD.MM.YYYY), not in the future; RowFailure otherwise."""
    if m := _ISO_DAY.fullmatch(text):
        year, month, day = (int(g) for g in m.groups())
    elif m := _GERMAN_DAY.fullmatch(text):
        day, month, year = (int(g) for g in m.groups())
    else:
        raise RowFailure(Reason.BAD_DATE, f"document date {text!r} is not a date (YYYY-MM-DD or DD.MM.YYYY)")
    try:
        value = date(year, month, day)
    except ValueError as exc:
        raise RowFailure(Reason.BAD_DATE, f"document date {text!r} does not exist") from exc
    if value.year < 1900:
        raise RowFailure(Reason.BAD_DATE, f"document date {text!r} is before 1900")
    if value > today:
        raise RowFailure(Reason.BAD_DATE, f"document date {text!r} lies in the future")
    return value


def parse_row(line: int, record: dict, today: date) -> IndexRow | BadRow:
    """Check one index row by its values alone."""
    batch_id = _value(record, "batch_id")
    file_number = normalise_file_number(_value(record, "file_number"))
    sha256 = _value(record, "sha256").lower()
    raw_path = _value(record, "path")

    def bad(code: str, detail: str) -> BadRow:
        return BadRow(line, batch_id[:MAX_BATCH_ID], file_number[:60], sha256[:64], raw_path[:MAX_PATH],
                      RowFailure(code, detail))

    if not batch_id:
        return bad(Reason.BAD_ROW, "no batch id")
    if len(batch_id) > MAX_BATCH_ID or any(unicodedata.category(ch) == "Cc" for ch in batch_id):
        return bad(Reason.BAD_ROW, f"batch id {batch_id[:80]!r} is longer than {MAX_BATCH_ID} characters "
                                   "or contains control characters")
    if not file_number:
        return bad(Reason.BAD_ROW, "no file number")
    if len(file_number) > MAX_FILE_NUMBER:
        return bad(Reason.BAD_ROW, f"file number {file_number!r} is longer than {MAX_FILE_NUMBER} characters")
    if not _SHA256.fullmatch(sha256):
        return bad(Reason.BAD_ROW, f"sha256 {sha256[:80]!r} is not a SHA-256 checksum (64 hex digits)")
    try:
        path = relative_path(raw_path)
        document_date = parse_document_date(_value(record, "document_date"), today)
    except RowFailure as failure:
        return BadRow(line, batch_id, file_number, sha256, raw_path[:MAX_PATH], failure)
    pages_text = _value(record, "pages")
    if not pages_text.isdigit() or not 1 <= int(pages_text) <= MAX_PAGES:
        return bad(Reason.BAD_ROW, f"pages {pages_text!r} is not a number of pages")
    document_type = " ".join(_value(record, "document_type").split())
    if len(document_type) > MAX_DOCUMENT_TYPE:
        return bad(Reason.BAD_ROW, f"document type is longer than {MAX_DOCUMENT_TYPE} characters")
    return IndexRow(line=line, batch_id=batch_id, file_number=file_number, sha256=sha256, path=path,
                    document_date=document_date, document_type=document_type, pages=int(pages_text),
                    record=record)
