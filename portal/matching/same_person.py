"""The phone desk's first look: case files with the caller's name (surname and given names, in
any script or spelling the name keys know, also swapped) and a date of birth that can be the
caller's. Read from the index on name key and year of birth, so that a name shared by thousands
of files costs what a rare one does; the files found are scored as the matching scores them.

Only when this finds nothing does the phone desk fall back to the matching's wider search
(`find_candidates`: similar spellings, near dates of birth), which reads far more.
"""
from __future__ import annotations

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from portal.domain.dates import PartialDate
from portal.matching import names as N
from portal.matching.candidates import Query, date_condition, query_keys
from portal.matching.records import FileRecord, load_records, record_statement
from portal.models import CaseFile, CaseFileNameKey

MOST = 50  # files of one name and date scored at most (namesakes born in the same year, day unknown)


def _named(surname_keys: set[str], given_keys: set[str], year: int):
    """Ids of the files born in `year` with a surname key and (if any are asked for) a given-name
    key of the query, or both the other way round: one pass over the key rows of that year."""
    K = CaseFileNameKey

    def has(kind, keys):
        return func.max(case((and_(K.kind == kind, K.key.in_(keys)), 1), else_=0)) == 1

    straight = has(N.SURNAME, surname_keys)
    if given_keys:
        straight = and_(straight, has(N.GIVEN, given_keys))
        swapped = and_(has(N.SURNAME, given_keys), has(N.GIVEN, surname_keys))
        straight = or_(straight, swapped)
    return (select(K.case_file_id).where(K.key.in_(surname_keys | given_keys), K.dob_year == year)
            .group_by(K.case_file_id).having(straight))


def same_person_files(session: Session, q: Query, where=None) -> list[FileRecord]:
    """The files of the query's name whose date of birth can be the query's (year given), at
    most MOST of them, complete dates first, as records to score (portal.matching.records);
    `where`: a condition on CaseFile every file must meet (the viewer's site rule)."""
    surname_keys, given_keys = query_keys(q)
    year = q.date_of_birth.year
    if year is None or not surname_keys:
        return []
    allowed = () if where is None else (where,)
    return load_records(session, record_statement(
        CaseFile.id.in_(_named(surname_keys, given_keys, year)), date_condition(q.date_of_birth), *allowed)
        .order_by(CaseFile.dob_day.is_(None), CaseFile.dob_month.is_(None), CaseFile.id).limit(MOST))


def person_query(surname: str, given_names: str, date_of_birth: PartialDate) -> Query:
    """What the phone desk knows of a caller: names and a date of birth."""
    return Query(surname=surname.strip(), given_names=given_names.strip(), date_of_birth=date_of_birth)


__all__ = ["person_query", "same_person_files"]
