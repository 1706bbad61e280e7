"""Matching benchmark: N case files (default 50,000) with their name keys, then 200 candidate
searches (`find_candidates`) in mixed scripts and spellings with full and partial dates of
birth; prints p50/p95/max server time, how often the person searched for came first and
among the first five, and the machine it ran on. Then the calibration: a labelled set of
searches (portal.matching.calibration: script variants, other spellings, swapped names,
partial dates, other nationality or place, twins, strangers born the same day, namesakes,
people the office does not know) against the same files, and the table score band → share of
candidates that were the right person, with the band from which on no error was seen.

    .venv/bin/python benchmarks/matching.py --case-files 50000        # SQLite in a temporary folder
    .venv/bin/python benchmarks/matching.py --database-url postgresql://postgres@127.0.0.1:5432/test

On PostgreSQL the run uses a schema of its own and drops it afterwards. Target: p95 < 100 ms
for 50,000 case files (the phone desk finds a caller by name and date of birth); among
candidates scored 0.9 or more, at least 97 % the right person.
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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, this folder comes first on the path; a sibling benchmark module named like
# a standard module (queue.py) must not shadow it.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT))

from benchmarks.throwaway_database import throwaway_database  # noqa: E402



def _percentile(ordered: list[float], share: float) -> float:
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def _generate(session, people):
    """The office's case files (Latin, Cyrillic and Arabic script, partial dates of birth, known
    spellings, and the calibration's twins, strangers and namesakes); then the name keys."""
    from sqlalchemy import select

    from portal.demo import SITES
    from portal.matching.calibration import insert_people
    from portal.models import Site

    for spec in SITES:
        session.add(Site(**{k: spec[k] for k in ("code", "name", "street", "postcode", "city", "phone", "email")}))
    session.commit()
    assert {s.code for s in session.scalars(select(Site))} == {spec["code"] for spec in SITES}
    started = time.perf_counter()
    insert_people(session, people)
    return time.perf_counter() - started


# --- the timed queries ------------------------------------------------------------------

def _queries(rng, people, n):
    """Mixed searches for the timing (the calibration's own set is labelled separately)."""
    from portal.domain.dates import PartialDate
    from portal.matching.calibration import _full_date, _latin, varied_name

    kinds = ["latin", "native", "swapped", "typo", "year only", "other spelling", "unknown person", "native"]
    # The calibration's kinds, starting from the Latin spelling: "native" is its other script.
    calibration_kind = {"latin": "file spelling", "native": "script"}
    queries = []
    for index in range(n):
        kind = kinds[index % len(kinds)]
        person = people[rng.randrange(len(people))]
        dob = _full_date(rng, person.date_of_birth)
        if kind == "unknown person":
            surname, given = rng.choice(["Nguyen", "Okafor", "Lindqvist", "Fernández"]), "Test"
            dob = PartialDate(rng.randint(1950, 2015), rng.randint(1, 12), rng.randint(1, 28))
        else:
            surname, given, dob = varied_name(rng, person, calibration_kind.get(kind, kind), _latin(person), dob)
        target = None if kind == "unknown person" else person.file_number
        queries.append((kind, target, {"surname": surname, "given_names": given, "date_of_birth": dob}))
    return queries


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="postgresql://… (default: SQLite in a temporary folder)")
    parser.add_argument("--case-files", type=int, default=50_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--labelled", type=int, default=1400, help="labelled searches of the calibration")
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
    from portal.matching.calibration import calibrate, labelled_office
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
                office = labelled_office(args.case_files, args.labelled, seed=args.seed)
                people = office.people
                index_seconds = _generate(session, people)
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
                office.people = []
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
                per_kind: dict[str, list[int]] = {}

                def count(labelled, found):
                    right = [c for c in found if c.case_file.file_number == labelled.target]
                    wrong_certain = [c for c in found if c.score >= 0.9 and c not in right]
                    tally = per_kind.setdefault(labelled.kind, [0, 0, 0])
                    tally[0] += 1
                    tally[1] += bool(right) and right[0].score >= 0.9
                    tally[2] += len(wrong_certain)

                calibration_started = time.perf_counter()
                with force_locale("de"):
                    calibration = calibrate(session, office, on_search=count)
                calibration_seconds = time.perf_counter() - calibration_started
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
    print()
    print(f"calibration: {calibration.searches} labelled searches ({calibration_seconds:.0f} s), "
          f"candidates with their score band:")
    for line in calibration.table():
        print("  " + line)
    precision = calibration.certain_precision
    floor = calibration.error_free_from()
    print(f"  scored 0.9 or more: {precision * 100:.1f} % the right person" if precision is not None
          else "  nothing scored 0.9 or more")
    print(f"  no wrong candidate from score {floor:.2f} on" if floor is not None else "  errors in the top band")
    print(f"  best candidate a wrong file: {calibration.top_wrong} of {calibration.searches} searches "
          f"(the 'new person' searches have no right file); twin pairs both at 0.9 or more: "
          f"{calibration.twins_both_certain}")
    print("  per kind: searches, right file at 0.9 or more, wrong candidates at 0.9 or more")
    for kind, (n, right_certain, wrong_certain) in per_kind.items():
        print(f"    {kind:15} {n:5d} {right_certain:5d} {wrong_certain:5d}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
