"""The phone desk's first look: case files with the caller's name (surname and given names, in
any script or spelling the name keys know, also swapped) and a date of birth that can be the
caller's. Read from the index on name key and year of birth, so that a name shared by thousands
of files costs what a rare one does; the files found are scored as the matching scores them.

Only when this finds nothing does the phone desk fall back to the matching's wider search
(`find_candidates`: similar spellings, near dates of birth), which reads far more.
"""
from __future__ import annotations

from functools import lru_cache

from sqlalchemy import and_, bindparam, case, func, or_, select
from sqlalchemy.orm import Session

from portal.domain.dates import PartialDate
from portal.matching import names as N
from portal.matching.candidates import Query, date_condition, date_shape, date_values, query_keys
from portal.matching.records import FileRecord, load_records, record_statement, with_spellings
from portal.models import CaseFile, CaseFileNameKey

MOST = 50  # files of one name and date scored at most (namesakes born in the same year, day unknown)


@lru_cache(maxsize=8)
def _statement(with_given_names: bool, month: bool, day: bool):
    """The read of same_person_files for one shape of query (given names or not; month and day
    of birth known or not), made once: the phone desk runs it on every call, and building its
    expressions anew cost more than the database took to answer it. The values are bound when
    it runs (surname_keys, given_keys, all_keys, year, month, day)."""
    K = CaseFileNameKey
    surname_keys, given_keys = bindparam("surname_keys", expanding=True), bindparam("given_keys", expanding=True)
    year = bindparam("year")

    def has(kind, keys):
        return func.max(case((and_(K.kind == kind, K.key.in_(keys)), 1), else_=0)) == 1

    # The files born in the year with a surname key and (if any are asked for) a given-name key
    # of the query, or both the other way round: one pass over the key rows of that year.
    straight = has(N.SURNAME, surname_keys)
    if with_given_names:
        straight = or_(and_(straight, has(N.GIVEN, given_keys)),
                       and_(has(N.SURNAME, given_keys), has(N.GIVEN, surname_keys)))
    named = (select(K.case_file_id).where(K.key.in_(bindparam("all_keys", expanding=True)), K.dob_year == year)
             .group_by(K.case_file_id).having(straight))
    return with_spellings(record_statement(CaseFile.id.in_(named), date_condition(month, day))
                          .order_by(CaseFile.dob_day.is_(None), CaseFile.dob_month.is_(None), CaseFile.id)
                          .limit(MOST))


def same_person_files(session: Session, q: Query) -> list[FileRecord]:
    """The files of the query's name whose date of birth can be the query's (year given), at
    most MOST of them, complete dates first, as records to score (portal.matching.records)."""
    surname_keys, given_keys = query_keys(q)
    born = q.date_of_birth
    if born.year is None or not surname_keys:
        return []
    return load_records(session, _statement(bool(given_keys), *date_shape(born)), {
        "surname_keys": sorted(surname_keys), "given_keys": sorted(given_keys),
        "all_keys": sorted(surname_keys | given_keys), **date_values(born)})


def person_query(surname: str, given_names: str, date_of_birth: PartialDate) -> Query:
    """What the phone desk knows of a caller: names and a date of birth."""
    return Query(surname=surname.strip(), given_names=given_names.strip(), date_of_birth=date_of_birth)


__all__ = ["person_query", "same_person_files"]
