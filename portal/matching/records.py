"""What the scoring reads of a case file, as plain records: a search scores dozens of files and
shows a few, and building full ORM objects (with their spellings and site) for every file
scored cost more than the scoring itself at 500,000 files. The files that are shown are
loaded as case files afterwards (`as_case_files`).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from functools import lru_cache

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from portal.domain.dates import PartialDate
from portal.models import CaseFile, CaseFileAlias

# The columns scoring reads (portal.matching.candidates.score_case_file) and the site rule.
_COLUMNS = (CaseFile.id, CaseFile.file_number, CaseFile.surname, CaseFile.given_names, CaseFile.birth_name,
            CaseFile.dob_year, CaseFile.dob_month, CaseFile.dob_day, CaseFile.nationality,
            CaseFile.place_of_birth, CaseFile.site_id)


@dataclass(frozen=True)
class SpellingRecord:
    surname: str
    given_names: str
    kind: str


@dataclass(frozen=True, eq=False)
class FileRecord:
    """A case file as scoring sees it (same attribute names as CaseFile)."""
    id: int
    file_number: str
    surname: str
    given_names: str
    birth_name: str
    date_of_birth: PartialDate
    nationality: str
    place_of_birth: str
    site_id: int
    aliases: tuple[SpellingRecord, ...]


def record_statement(*conditions):
    """The record columns of the files meeting `conditions` (order and limit may be added)."""
    return select(*_COLUMNS).where(*conditions)


def with_spellings(statement):
    """The read of load_records: the files a `record_statement` selects (its order and limit
    kept inside), joined with their known spellings."""
    files = statement.subquery()
    return (select(files, CaseFileAlias.surname.label("alias_surname"),
                   CaseFileAlias.given_names.label("alias_given"), CaseFileAlias.kind.label("alias_kind"))
            .outerjoin(CaseFileAlias, CaseFileAlias.case_file_id == files.c.id)
            .order_by(files.c.id, CaseFileAlias.id))


def load_records(session: Session, statement, parameters: dict) -> list[FileRecord]:
    """The files a `with_spellings` statement reads (made once by its caller), run with
    `parameters`: one read, the files joined with their spellings."""
    rows = session.connection().execute(statement, parameters).all()
    records: list[FileRecord] = []
    spellings: dict[int, list[SpellingRecord]] = defaultdict(list)
    for row in rows:
        if not records or records[-1].id != row.id:
            records.append(FileRecord(
                row.id, row.file_number, row.surname or "", row.given_names or "", row.birth_name or "",
                PartialDate(row.dob_year, row.dob_month, row.dob_day), row.nationality or "",
                row.place_of_birth or "", row.site_id, ()))
        if row.alias_surname is not None:
            spellings[row.id].append(SpellingRecord(row.alias_surname, row.alias_given or "", row.alias_kind or ""))
    return [replace(record, aliases=tuple(spellings[record.id])) if record.id in spellings else record
            for record in records]


@lru_cache(maxsize=1)
def _case_files_statement():
    """The files shown, with their spellings and site (made once; the ids bound when it runs)."""
    from portal.matching.candidates import FILE_LOADING

    return select(CaseFile).where(CaseFile.id.in_(bindparam("ids", expanding=True))).options(*FILE_LOADING)


def as_case_files(session: Session, candidates: list) -> list:
    """The candidates with their records replaced by the case files (spellings and site loaded),
    in the same order; the pages and the API read those."""
    ids = [c.case_file.id for c in candidates if isinstance(c.case_file, FileRecord)]
    if ids:
        loaded = {cf.id: cf for cf in session.scalars(_case_files_statement(), {"ids": ids}).unique()}
        for candidate in candidates:
            if isinstance(candidate.case_file, FileRecord):
                candidate.case_file = loaded.get(candidate.case_file.id)
    return [c for c in candidates if c.case_file is not None]  # a file deleted in between is gone


__all__ = ["FileRecord", "SpellingRecord", "as_case_files", "load_records", "record_statement", "with_spellings"]
