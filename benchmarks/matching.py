"""Matching benchmark: N case files (default 50,000) with their name keys, then 200 candidate
searches (`find_candidates`) in mixed scripts and spellings with full and partial dates of
birth; prints p50/p95/max server time, how often the person searched for came first and
among the first five, and the machine it ran on.

    .venv/bin/python benchmarks/matching.py --case-files 50000        # SQLite in a temporary folder
    .venv/bin/python benchmarks/matching.py --database-url postgresql://postgres@127.0.0.1:5432/test

On PostgreSQL the run uses a schema of its own and drops it afterwards. Target: p95 < 100 ms
for 50,000 case files (the phone desk finds a caller by name and date of birth).
"""
from __future__ import annotations

import argparse
import gc
import os
import platform
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, this folder comes first on the path; a sibling benchmark module named like
# a standard module (queue.py) must not shadow it.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT))

from benchmarks.throwaway_database import throwaway_database  # noqa: E402

BATCH = 5000


def _percentile(ordered: list[float], share: float) -> float:
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def _generate(session, count: int):
    """Case files from the demo's made-up people (Latin, Cyrillic and Arabic script, partial
    dates of birth), with known spellings; then the name keys by `reindex_all`."""
    from sqlalchemy import insert, select

    from portal.demo import SITES
    from portal.demo.people import demo_people
    from portal.matching.index import reindex_all
    from portal.models import CaseFile, CaseFileAlias, Site

    for spec in SITES:
        session.add(Site(**{k: spec[k] for k in ("code", "name", "street", "postcode", "city", "phone", "email")}))
    session.commit()
    sites = {s.code: s.id for s in session.scalars(select(Site))}
    people = demo_people(count, seed=5)
    now = datetime.now(timezone.utc)
    for start in range(0, count, BATCH):
        session.execute(insert(CaseFile), [
            {"file_number": p.file_number, "surname": p.surname, "given_names": p.given_names,
             "birth_name": p.birth_name, "dob_year": p.date_of_birth.year, "dob_month": p.date_of_birth.month,
             "dob_day": p.date_of_birth.day, "place_of_birth": p.place_of_birth, "nationality": p.nationality,
             "site_id": sites[p.site_code], "status": "active", "retention_rule": "standard",
             "created_at": now, "updated_at": now} for p in people[start:start + BATCH]])
    session.commit()
    ids = dict(session.execute(select(CaseFile.file_number, CaseFile.id)).all())
    aliases = [{"case_file_id": ids[p.file_number], "surname": s, "given_names": g, "source": "bench",
                "created_at": now} for p in people for s, g in p.aliases]
    for start in range(0, len(aliases), BATCH):
        session.execute(insert(CaseFileAlias), aliases[start:start + BATCH])
    session.commit()
    started = time.perf_counter()
    reindex_all(session, batch=2000)
    return people, time.perf_counter() - started


# --- the queries ------------------------------------------------------------------------

def _spellings(person):
    """(native or primary spelling, Latin spelling) of surname and given names."""
    names = [(person.surname, person.given_names)] + list(person.aliases)
    latin = next(((s, g) for s, g in names if all(c.isascii() or not c.isalpha() for c in s + g)), names[0])
    native = next(((s, g) for s, g in names if (s, g) != latin), latin)
    return native, latin


def _full_date(rng, dob):
    """A complete date that the file's (maybe partial) date of birth could be."""
    from portal.domain.dates import PartialDate

    month = dob.month or rng.randint(1, 12)
    return PartialDate(dob.year, month, dob.day or rng.randint(1, 28))


def _typo(rng, text):
    letters = [i for i, c in enumerate(text) if c.isalpha()]
    if len(letters) < 5:
        return text
    i = rng.choice(letters[1:-1])
    return text[:i] + rng.choice("aeiourn") + text[i + 1:]


def _german_style(text):
    return (text.replace("sh", "sch").replace("Sh", "Sch").replace("ch", "tsch").replace("v", "w")
            .replace("kh", "ch").replace("Y", "J").replace("y", "j"))


def _arabic_style(text):
    for old, new in (("Mohammad", "Mohamed"), ("Al-", "El "), ("Ahmad", "Ahmed"), ("ss", "s"), ("ou", "u"),
                     ("Hasan", "Hassan"), ("ee", "i"), ("Youssef", "Yusuf")):
        text = text.replace(old, new)
    return text


def _queries(rng, people, n):
    from portal.domain.dates import PartialDate

    kinds = ["latin", "native", "swapped", "typo", "year only", "other spelling", "unknown person", "native"]
    queries = []
    for index in range(n):
        kind = kinds[index % len(kinds)]
        person = people[rng.randrange(len(people))]
        native, latin = _spellings(person)
        surname, given = latin
        dob = _full_date(rng, person.date_of_birth)
        if kind == "native":
            surname, given = native
        elif kind == "swapped":
            surname, given = given, surname
        elif kind == "typo":
            surname = _typo(rng, surname)
        elif kind == "year only":
            dob = PartialDate(person.date_of_birth.year)
        elif kind == "other spelling":
            surname, given = ((_arabic_style(surname), _arabic_style(given)) if person.nationality in ("SYR", "AFG")
                              else (_german_style(surname), _german_style(given)))
        elif kind == "unknown person":
            surname, given = rng.choice(["Nguyen", "Okafor", "Lindqvist", "Fernández"]), "Test"
            dob = PartialDate(rng.randint(1950, 2015), rng.randint(1, 12), rng.randint(1, 28))
        target = None if kind == "unknown person" else person.file_number
        queries.append((kind, target, {"surname": surname, "given_names": given, "date_of_birth": dob}))
    return queries


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="postgresql://… (default: SQLite in a temporary folder)")
    parser.add_argument("--case-files", type=int, default=50_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=17)
    args = parser.parse_args()

    url, drop = throwaway_database(args.database_url, "bench-matching")
    storage = tempfile.mkdtemp(prefix="portal-bench-matching-store-")
    os.environ.update({"PORTAL_DATABASE_URL": url, "PORTAL_SECRET_KEY": "m" * 40, "PORTAL_ENV": "testing",
                       "PORTAL_STORAGE_DIR": storage})
    from flask_babel import force_locale
    from flask_migrate import upgrade
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from portal import create_app
    from portal.extensions import db
    from portal.matching.candidates import find_candidates
    from portal.models import CaseFile, CaseFileNameKey

    app = create_app({"TESTING": True})
    rng = random.Random(args.seed)
    samples: list[float] = []
    by_kind: dict[str, list[float]] = {}
    first = top5 = known = 0
    try:
        with app.app_context():
            upgrade()
            engine = db.engine
            server = ""
            with engine.connect() as conn:
                if engine.dialect.name == "postgresql":
                    server = conn.exec_driver_sql("SHOW server_version").scalar()
                elif engine.dialect.name == "sqlite":
                    server = conn.exec_driver_sql("select sqlite_version()").scalar()
            with Session(engine) as session:
                started = time.perf_counter()
                people, index_seconds = _generate(session, args.case_files)
                generated = time.perf_counter() - started
                files = session.scalar(select(func.count()).select_from(CaseFile))
                keys = session.scalar(select(func.count()).select_from(CaseFileNameKey))
                session.commit()
                with engine.connect() as conn:
                    if engine.dialect.name == "postgresql":
                        conn.exec_driver_sql("ANALYZE")  # as autovacuum would after a bulk load
                    elif engine.dialect.name == "sqlite":
                        # The bulk load left a large write-ahead log that a running installation
                        # would have checkpointed long ago (every 1000 pages by default).
                        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
                    conn.commit()
                queries = _queries(rng, people, args.queries)
                warm_up = _queries(random.Random(1), people, 10)
                # The generated people are not part of a server's memory: gone before timing, so
                # that the garbage collector does not walk them during the searches.
                del people
                gc.collect()
                for _, _, query in warm_up:  # warm caches and the pool
                    find_candidates(session, **query)
                    session.expunge_all()
                for kind, target, query in queries:
                    session.expunge_all()  # nothing from the previous search is reused
                    t0 = time.perf_counter()
                    found = find_candidates(session, **query)
                    with force_locale("de"):  # reasons as German text, as the back office shows them
                        [candidate.as_dict() for candidate in found]
                    elapsed = (time.perf_counter() - t0) * 1000
                    samples.append(elapsed)
                    by_kind.setdefault(kind, []).append(elapsed)
                    if target is not None:
                        known += 1
                        scores = {c.case_file.file_number: c.score for c in found}
                        # Namesakes with the same compatible date of birth score the same:
                        # then the person is "first" when tied with the first.
                        first += bool(found) and scores.get(target) == found[0].score
                        top5 += target in [c.case_file.file_number for c in found[:5]]
                session.rollback()
    finally:
        with app.app_context():
            db.engine.dispose()
        drop()
        shutil.rmtree(storage, ignore_errors=True)

    ordered = sorted(samples)
    print(f"machine:    {platform.platform()}, {os.cpu_count()} CPUs ({platform.processor() or platform.machine()}), "
          f"Python {platform.python_version()}, load average {os.getloadavg()[0]:.1f}")
    print(f"database:   {url.split(':', 1)[0]} {server}")
    print(f"case files: {files} with {keys} name keys (generated in {generated:.0f} s, of which name keys "
          f"{index_seconds:.0f} s)")
    print(f"queries:    {len(samples)} find_candidates (limit 10), server time in ms")
    print(f"            p50 {statistics.median(ordered):.1f}   p95 {_percentile(ordered, 0.95):.1f}   "
          f"max {ordered[-1]:.1f}")
    for kind, times in sorted(by_kind.items()):
        times.sort()
        print(f"  {kind:15} n={len(times):3d}   p50 {statistics.median(times):6.1f}   "
              f"p95 {_percentile(times, 0.95):6.1f}   max {times[-1]:6.1f}")
    print(f"person searched for: first (or tied with the first) {first}/{known}, "
          f"among the first five {top5}/{known}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
