"""The searchable name keys of case files (CaseFileNameKey), kept in step with the names.

A file's keys come from its surname, given names, birth name and every known spelling
(alias); see `portal.matching.names.name_keys`. Writing is a difference against what is
stored (delete the keys no longer wanted, insert the new ones, ignoring one that a parallel
transaction inserted a moment ago), so that two caseworkers attaching to the same file at
the same time do not trip over the unique key. Each key carries the file's year of birth (the
search reads keys by key and year); a corrected date of birth moves the file's keys along.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session, selectinload

from portal.db_insert import DIALECTS, dialect_of, insert_unless_present
from portal.matching.names import arabic_context, name_keys
from portal.models import CaseFile, CaseFileNameKey

_CHUNK = 500  # ids per IN list: far below every database's parameter limit


def case_file_keys(case_file: CaseFile) -> set[tuple[str, str]]:
    """(kind, key) pairs for a case file: its names, birth name and known spellings."""
    names = [case_file.surname, case_file.given_names, case_file.birth_name]
    for alias in case_file.aliases:
        names += [alias.surname, alias.given_names]
    arabic = arabic_context(*names, nationalities=(case_file.nationality or "",))
    keys = name_keys(case_file.surname or "", case_file.given_names or "", skeletons=arabic)
    if case_file.birth_name:
        keys |= name_keys(case_file.birth_name, "", skeletons=arabic)
    for alias in case_file.aliases:
        keys |= name_keys(alias.surname or "", alias.given_names or "", skeletons=arabic)
    return keys


def _insert_ignoring_duplicates(session: Session):
    table = CaseFileNameKey.__table__
    if dialect_of(session) not in DIALECTS:
        return insert(table)
    return insert_unless_present(session, table, conflict_on=["case_file_id", "kind", "key"])


def index_case_files(session: Session, case_files: Sequence[CaseFile]) -> int:
    """(Re)write the name keys of these case files in the session's transaction; returns how
    many key rows were inserted or deleted."""
    if not case_files:
        return 0
    session.flush()  # new files need their ids
    case_files = list({cf.id: cf for cf in case_files}.values())
    ids = [cf.id for cf in case_files]
    stored: dict[int, dict[tuple[str, str], int]] = defaultdict(dict)
    years: dict[int, set[int | None]] = defaultdict(set)
    for start in range(0, len(ids), _CHUNK):
        rows = session.execute(select(CaseFileNameKey.id, CaseFileNameKey.case_file_id, CaseFileNameKey.kind,
                                      CaseFileNameKey.key, CaseFileNameKey.dob_year)
                               .where(CaseFileNameKey.case_file_id.in_(ids[start:start + _CHUNK])))
        for row_id, case_file_id, kind, key, year in rows:
            stored[case_file_id][(kind, key)] = row_id
            years[case_file_id].add(year)
    stale: list[int] = []
    fresh: list[dict] = []
    moved = 0
    for case_file in case_files:
        wanted = case_file_keys(case_file)
        have = stored.get(case_file.id, {})
        stale.extend(row_id for pair, row_id in have.items() if pair not in wanted)
        fresh.extend({"case_file_id": case_file.id, "kind": kind, "key": key, "dob_year": case_file.dob_year}
                     for kind, key in wanted if (kind, key) not in have)
        if years.get(case_file.id, set()) - {case_file.dob_year}:  # the date of birth was corrected
            moved += session.execute(update(CaseFileNameKey).where(CaseFileNameKey.case_file_id == case_file.id)
                                     .values(dob_year=case_file.dob_year)
                                     .execution_options(synchronize_session=False)).rowcount
    for start in range(0, len(stale), _CHUNK):
        session.execute(delete(CaseFileNameKey).where(CaseFileNameKey.id.in_(stale[start:start + _CHUNK]))
                        .execution_options(synchronize_session=False))
    if fresh:
        session.execute(_insert_ignoring_duplicates(session), fresh)
    return len(stale) + len(fresh) + moved


def index_case_file(session: Session, case_file: CaseFile) -> int:
    """(Re)write one case file's name keys (after a change of names or known spellings)."""
    return index_case_files(session, [case_file])


def index_unindexed(session: Session, batch: int = 1000) -> int:
    """Index the case files that have no name keys yet (files loaded before matching existed,
    or by a tool that knows nothing of it); returns how many. The caller commits."""
    missing = select(CaseFile.id).where(~select(CaseFileNameKey.id)
                                        .where(CaseFileNameKey.case_file_id == CaseFile.id).exists())
    ids = list(session.scalars(missing.order_by(CaseFile.id)))
    for start in range(0, len(ids), batch):
        files = session.scalars(select(CaseFile).where(CaseFile.id.in_(ids[start:start + batch]))
                                .options(selectinload(CaseFile.aliases))).all()
        index_case_files(session, files)
    return len(ids)


def reindex_all(session: Session, batch: int = 1000,
                progress: Callable[[int], None] | None = None) -> int:
    """Rebuild the name keys of every case file, `batch` files per transaction (committed
    as it goes, so that a long run does not hold one big write lock); `progress(n)` is told
    after each batch how many files were done in it. Returns the number of key rows changed."""
    total = 0
    last_id = 0
    while True:
        ids = list(session.scalars(select(CaseFile.id).where(CaseFile.id > last_id)
                                   .order_by(CaseFile.id).limit(batch)))
        if not ids:
            break
        files = session.scalars(select(CaseFile).where(CaseFile.id.in_(ids))
                                .options(selectinload(CaseFile.aliases))).all()
        total += index_case_files(session, files)
        session.commit()
        for case_file in files:
            session.expunge(case_file)
        last_id = ids[-1]
        if progress is not None:
            progress(len(ids))
    return total


def count_case_files(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(CaseFile)) or 0


__all__ = ["case_file_keys", "count_case_files", "index_case_file", "index_case_files",
                          "index_unindexed", "reindex_all"]
