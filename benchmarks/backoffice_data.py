"""The back-office benchmark's data: the demo's people (Latin, Cyrillic and Arabic script, partial
dates of birth) as case files with their known spellings and name keys, documents (metadata
only) and open submissions.

On PostgreSQL the rows go in by the database's own bulk means: COPY for what Python makes (the
people, their submissions, the name keys of each distinct set of names), INSERT … SELECT over
generate_series for the rest (documents, one file's key rows per name key, status history).
On SQLite, plain executemany. Either way the name keys are computed by the portal's own
`portal.matching.index.case_file_keys`, once per distinct set of names (the demo's people share
a few ten thousand), so that matching finds the files as it finds real ones.
"""
from __future__ import annotations

import functools
import random
from collections.abc import Iterable
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace
from unittest import mock

from sqlalchemy import insert, select, text

BIG_FILE_DOCUMENTS = 2_000  # the one case file whose page is measured with a long timeline
BATCH = 5_000
LOADED = ("case_file", "case_file_alias", "case_file_name_key", "document", "submission", "submission_status_change")


def _copy(connection, table: str, columns: list[str], rows: Iterable[tuple]) -> None:
    """COPY rows into a table through the session's own psycopg connection (same transaction)."""
    cursor = connection.connection.driver_connection.cursor()
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _write(session, model, columns: list[str], rows: Iterable[tuple]) -> None:
    if session.get_bind().dialect.name == "postgresql":
        _copy(session.connection(), model.__tablename__, columns, rows)
        return
    chunk: list[dict] = []
    for row in rows:
        chunk.append(dict(zip(columns, row)))
        if len(chunk) == BATCH:
            session.execute(insert(model), chunk)
            chunk = []
    if chunk:
        session.execute(insert(model), chunk)


@contextmanager
def _indexes_built_after(session, table: str):
    """On PostgreSQL: the table's secondary indexes dropped for a bulk load and built again after
    it (one sort each instead of millions of random inserts into a B-tree of hashes)."""
    if session.get_bind().dialect.name != "postgresql":
        yield
        return
    definitions = session.execute(text(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = :table "
        "AND i.schemaname = current_schema() AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
        "WHERE c.conname = i.indexname AND c.connamespace = to_regnamespace(i.schemaname))"),
        {"table": table}).all()
    for name, _ in definitions:
        session.execute(text(f'DROP INDEX "{name}"'))
    yield
    session.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))
    for _, definition in definitions:
        session.execute(text(definition))


def _names_of(person) -> tuple:
    return person.surname, person.given_names, person.birth_name, tuple(person.aliases), person.nationality


def _keys_by_names(people) -> dict[tuple, set[tuple[str, str]]]:
    """The portal's keys for each distinct set of names; `name_keys` is remembered while this
    runs (names repeat across the sets), its answers copied so that nothing shared is changed."""
    from portal.matching import index

    original = index.name_keys
    remembered = functools.lru_cache(maxsize=None)(lambda *a, **k: frozenset(original(*a, **k)))
    keys = {}
    with mock.patch.object(index, "name_keys", lambda *a, **k: set(remembered(*a, **k))):
        for names in {_names_of(p) for p in people}:
            surname, given, birth, aliases, nationality = names
            spelling = [SimpleNamespace(surname=s, given_names=g) for s, g in aliases]
            keys[names] = index.case_file_keys(SimpleNamespace(
                surname=surname, given_names=given, birth_name=birth, nationality=nationality, aliases=spelling))
    return keys


def _case_files(session, people, sites: dict[str, int], first_id: int, now: datetime) -> None:
    from portal.models import CaseFile, CaseFileAlias

    columns = ["id", "file_number", "surname", "given_names", "birth_name", "dob_year", "dob_month", "dob_day",
               "place_of_birth", "nationality", "site_id", "status", "retention_rule", "created_at", "updated_at"]
    _write(session, CaseFile, columns, (
        (first_id + i, f"B{p.file_number}", p.surname, p.given_names, p.birth_name, p.date_of_birth.year,
         p.date_of_birth.month, p.date_of_birth.day, p.place_of_birth, p.nationality, sites[p.site_code],
         "active", "standard", now, now) for i, p in enumerate(people)))
    _write(session, CaseFileAlias, ["case_file_id", "surname", "given_names", "source", "created_at"], (
        (first_id + i, s, g, "bench", now) for i, p in enumerate(people) for s, g in p.aliases))
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT setval(pg_get_serial_sequence('case_file', 'id'), :last)"),
                        {"last": first_id + len(people) - 1})


def _name_keys(session, people, first_id: int) -> None:
    from portal.models import CaseFileNameKey

    keys = _keys_by_names(people)
    if session.get_bind().dialect.name != "postgresql":
        _write(session, CaseFileNameKey, ["case_file_id", "kind", "key", "dob_year"], (
            (first_id + i, kind, key, p.date_of_birth.year) for i, p in enumerate(people)
            for kind, key in keys[_names_of(p)]))
        return
    # Each file names its set of names; the key rows are a join in the database.
    number = {names: n for n, names in enumerate(keys)}
    connection = session.connection()
    connection.execute(text("CREATE TEMPORARY TABLE bench_names (names int, kind varchar(10), key varchar(120)) "
                            "ON COMMIT DROP"))
    connection.execute(text("CREATE TEMPORARY TABLE bench_file_names (case_file_id int, names int, dob_year smallint) "
                            "ON COMMIT DROP"))
    _copy(connection, "bench_names", ["names", "kind", "key"],
          ((number[names], kind, key) for names, pairs in keys.items() for kind, key in pairs))
    _copy(connection, "bench_file_names", ["case_file_id", "names", "dob_year"],
          ((first_id + i, number[_names_of(p)], p.date_of_birth.year) for i, p in enumerate(people)))
    connection.execute(text("INSERT INTO case_file_name_key (case_file_id, kind, key, dob_year) "
                            "SELECT f.case_file_id, n.kind, n.key, f.dob_year FROM bench_file_names f "
                            "JOIN bench_names n USING (names) ORDER BY f.case_file_id"))


def _documents(session, count: int, first_id: int, files: int, big_file: int, rng: random.Random,
               now: datetime) -> None:
    """`count` documents over the files, BIG_FILE_DOCUMENTS of them in `big_file`."""
    from portal.models import Document

    big = min(BIG_FILE_DOCUMENTS, count)
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT setseed(0.11)"))
        session.execute(text(
            "INSERT INTO document (sha256, size_bytes, media_type, original_filename, kind, title, page_count, "
            "document_date, source, case_file_id, received_at) "
            "SELECT md5(g::text || 'a') || md5(g::text || 'b'), 20000 + (random() * 2980000)::int, "
            "'application/pdf', 'scan.pdf', 'scan', '', 1 + (random() * 11)::int, "
            "CAST(:today AS date) - (random() * 7000)::int, 'scan', "
            "CASE WHEN g <= :big THEN :big_file ELSE :first + (random() * (:files - 2))::int END, :now "
            "FROM generate_series(1, :count) AS g"),
            {"today": now.date(), "big": big, "big_file": big_file, "first": first_id, "files": files,
             "now": now, "count": count})
        return
    columns = ["sha256", "size_bytes", "media_type", "original_filename", "kind", "title", "page_count",
               "document_date", "source", "case_file_id", "received_at"]
    _write(session, Document, columns, (
        (f"{rng.getrandbits(256):064x}", rng.randint(20_000, 3_000_000), "application/pdf", "scan.pdf", "scan",
         "", rng.randint(1, 12), (now - timedelta(days=rng.randint(0, 7000))).date(), "scan",
         big_file if n < big else first_id + rng.randrange(files - 1), now) for n in range(count)))


def _submissions(session, count: int, people, sites: dict[str, int], services: list[int], rng: random.Random,
                 now: datetime) -> None:
    from portal.models import Submission, SubmissionStatusChange

    def rows():
        for i in range(count):
            p = people[rng.randrange(len(people))]
            born = p.date_of_birth
            yield (f"ABH-2026-{i + 1:06d}-0", "0" * 64, rng.choice(["web", "web", "email", "scan"]),
                   rng.choice(services), rng.choice(["de", "uk", "ar", "tr", "ru", "fa", "en"]), "{}",
                   p.surname, p.given_names, born.year, born.month, born.day, "", sites[p.site_code], "received",
                   now - timedelta(minutes=rng.randint(0, 60 * 24 * 60)), now)

    columns = ["reference", "status_token_hash", "channel", "service_id", "language", "field_values",
               "applicant_surname", "applicant_given_names", "applicant_dob_year", "applicant_dob_month",
               "applicant_dob_day", "applicant_email", "site_id", "status", "received_at", "updated_at"]
    if session.get_bind().dialect.name == "postgresql":
        _copy(session.connection(), "submission", columns, rows())
        session.execute(text("INSERT INTO submission_status_change (submission_id, status, at, note) "
                             "SELECT id, 'received', received_at, '' FROM submission"))
        return
    _write(session, Submission, columns, ((*row[:5], {}, *row[6:]) for row in rows()))
    ids = session.scalars(select(Submission.id)).all()
    _write(session, SubmissionStatusChange, ["submission_id", "status", "at", "note"],
           ((sid, "received", now, "") for sid in ids))


def settle(session) -> None:
    """Planner statistics and (on PostgreSQL) the visibility map of the loaded tables, as
    autovacuum leaves them in a live database; a freshly bulk-loaded one has neither. Named
    tables only: a bare VACUUM would work through every schema of the server. Then a checkpoint,
    so that the gigabytes just written are not flushed while the measurements run."""
    session.commit()
    postgresql = session.get_bind().dialect.name == "postgresql"
    with session.get_bind().connect() as conn:
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        if not postgresql:
            conn.execute(text("ANALYZE"))
            return
        conn.execute(text(f"VACUUM ANALYZE {', '.join(LOADED)}"))
        conn.execute(text("CHECKPOINT"))


def regenerated_people(case_files: int) -> tuple[list, str]:
    """What `generate` returned for data it made earlier (the people are drawn from a fixed seed)."""
    from portal.demo.people import demo_people
    people = demo_people(case_files, seed=7)
    return people, f"B{people[-1].file_number}"


def generate(session, secret_key: str, *, case_files: int, documents: int, submissions: int,
             rng: random.Random) -> tuple[list, str]:
    """Fill the (migrated, empty) database; returns the people (for the lookups) and the file
    number of the case file with BIG_FILE_DOCUMENTS documents (at Wetzlar)."""
    from portal.demo import seed_demo
    from portal.models import CaseFile, Service, Site

    seed_demo(session, secret_key, case_files=0, with_submissions=False)
    sites = {s.code: s.id for s in session.scalars(select(Site))}
    services = list(session.scalars(select(Service.id)))
    people, big_file = regenerated_people(case_files)
    people[-1].site_code = "WZ"  # the big file: seen by the benchmark's caseworker of Wetzlar
    now = datetime.now(timezone.utc)
    first_id = (session.scalar(select(CaseFile.id).order_by(CaseFile.id.desc()).limit(1)) or 0) + 1
    _case_files(session, people, sites, first_id, now)
    with _indexes_built_after(session, "case_file_name_key"):
        _name_keys(session, people, first_id)
    session.commit()
    with _indexes_built_after(session, "document"):
        _documents(session, documents, first_id, len(people), first_id + len(people) - 1, rng, now)
    session.commit()
    _submissions(session, submissions, people, sites, services, rng, now)
    session.commit()
    return people, big_file
