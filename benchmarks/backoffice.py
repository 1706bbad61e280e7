"""Back-office scale benchmark: 50,000 case files, 500,000 documents (metadata only) and 20,000
open submissions; measures the queue page, the phone-desk lookup and the matching (server time,
p50/p95) and prints a table with the machine it ran on.

    .venv/bin/python benchmarks/backoffice.py                       # SQLite in a temporary folder
    .venv/bin/python benchmarks/backoffice.py --database-url postgresql://postgres@127.0.0.1:5432/test
    .venv/bin/python benchmarks/backoffice.py --case-files 5000 --documents 50000 --submissions 2000   # quick

On PostgreSQL the run uses a schema of its own and drops it afterwards.
"""
from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.throwaway_database import throwaway_database  # noqa: E402

CASEWORKER = "sachbearbeitung.wetzlar@abh-demo.example"  # a demo account of one site


def _percentiles(samples: list[float]) -> tuple[float, float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return statistics.median(ordered), p95, ordered[-1]


def _generate(db, case_files: int, documents: int, submissions: int, rng: random.Random) -> list:
    """Bulk rows through SQLAlchemy Core; returns sample people for the lookups."""
    from sqlalchemy import insert, select, text

    from flask import current_app

    from portal.demo import seed_demo
    from portal.demo.people import demo_people
    from portal.models import CaseFile, CaseFileAlias, Document, Service, Site, Submission, SubmissionStatusChange

    seed_demo(db.session, current_app.config["SECRET_KEY"], case_files=0, with_submissions=False)
    sites = {s.code: s.id for s in db.session.scalars(select(Site))}
    services = list(db.session.scalars(select(Service.id)))
    people = demo_people(case_files, seed=7)
    now = datetime.now(timezone.utc)
    batch = 5000
    for start in range(0, case_files, batch):
        rows = [{"file_number": f"B{p.file_number}", "surname": p.surname, "given_names": p.given_names,
                 "birth_name": p.birth_name, "dob_year": p.date_of_birth.year, "dob_month": p.date_of_birth.month,
                 "dob_day": p.date_of_birth.day, "place_of_birth": p.place_of_birth, "nationality": p.nationality,
                 "site_id": sites[p.site_code], "status": "active", "retention_rule": "standard",
                 "created_at": now, "updated_at": now} for p in people[start:start + batch]]
        db.session.execute(insert(CaseFile), rows)
    db.session.commit()
    ids = dict(db.session.execute(select(CaseFile.file_number, CaseFile.id)).all())
    aliases = [{"case_file_id": ids[f"B{p.file_number}"], "surname": s, "given_names": g, "source": "bench",
                "created_at": now} for p in people for s, g in p.aliases]
    for start in range(0, len(aliases), batch):
        db.session.execute(insert(CaseFileAlias), aliases[start:start + batch])
    db.session.commit()
    _index_names(db, people, ids)
    file_ids = list(ids.values())
    for start in range(0, documents, batch * 2):
        rows = [{"sha256": f"{rng.getrandbits(256):064x}", "size_bytes": rng.randint(20_000, 3_000_000),
                 "media_type": "application/pdf", "original_filename": "scan.pdf", "kind": "scan", "title": "",
                 "page_count": rng.randint(1, 12), "document_date": (now - timedelta(days=rng.randint(0, 7000))).date(),
                 "source": "scan", "case_file_id": rng.choice(file_ids), "received_at": now}
                for _ in range(min(batch * 2, documents - start))]
        db.session.execute(insert(Document), rows)
    db.session.commit()
    for start in range(0, submissions, batch):
        rows = []
        for i in range(start, min(start + batch, submissions)):
            p = people[rng.randrange(len(people))]
            rows.append({"reference": f"ABH-2026-{i + 1:06d}-0", "status_token_hash": "0" * 64,
                         "channel": rng.choice(["web", "web", "email", "scan"]), "service_id": rng.choice(services),
                         "language": rng.choice(["de", "uk", "ar", "tr", "ru", "fa", "en"]), "field_values": {},
                         "applicant_surname": p.surname, "applicant_given_names": p.given_names,
                         "applicant_dob_year": p.date_of_birth.year, "applicant_dob_month": p.date_of_birth.month,
                         "applicant_dob_day": p.date_of_birth.day, "applicant_email": "",
                         "site_id": sites[p.site_code], "status": "received",
                         "received_at": now - timedelta(minutes=rng.randint(0, 60 * 24 * 60)), "updated_at": now})
        db.session.execute(insert(Submission), rows)
    db.session.commit()
    first_ids = db.session.scalars(select(Submission.id)).all()
    for start in range(0, len(first_ids), batch):
        db.session.execute(insert(SubmissionStatusChange), [
            {"submission_id": sid, "status": "received", "at": now, "note": ""} for sid in first_ids[start:start + batch]])
    db.session.commit()
    # A live database has planner statistics (autovacuum); a freshly bulk-loaded one does not.
    db.session.execute(text("ANALYZE"))
    db.session.commit()
    return people


def _index_names(db, people, ids) -> None:
    try:
        from portal.matching.index import reindex_all
    except ImportError:
        return
    reindex_all(db.session)
    db.session.commit()


def _time(label: str, calls, repeat: int) -> tuple[str, int, float, float, float]:
    samples = []
    for call in calls[:repeat]:
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    p50, p95, worst = _percentiles(samples)
    return label, len(samples), p50, p95, worst


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--case-files", type=int, default=50_000)
    parser.add_argument("--documents", type=int, default=500_000)
    parser.add_argument("--submissions", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()

    url, drop = throwaway_database(args.database_url, "bench")
    os.environ.update({"PORTAL_DATABASE_URL": url, "PORTAL_SECRET_KEY": "b" * 40,
                       "PORTAL_STORAGE_DIR": tempfile.mkdtemp(prefix="portal-bench-store-")})
    from flask_migrate import upgrade

    from portal import create_app
    from portal.extensions import db

    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})
    rng = random.Random(11)
    try:
        with app.app_context():
            upgrade()
            started = time.perf_counter()
            people = _generate(db, args.case_files, args.documents, args.submissions, rng)
            generated = time.perf_counter() - started
            from sqlalchemy import select

            from portal.casework.lookup import lookup
            from portal.matching.candidates import find_candidates
            from portal.models import StaffUser

            # The phone desk as a caseworker of one site uses it: the site rule is part of the search.
            viewer = db.session.scalar(select(StaffUser).where(StaffUser.email == CASEWORKER))
            sample = [people[rng.randrange(len(people))] for _ in range(args.repeat)]
            lookups = [(lambda p=p: lookup(db.session, f"{p.surname} {p.given_names} {p.date_of_birth.german()}",
                                                    viewer))
                       for p in sample]
            matches = [(lambda p=p: find_candidates(db.session, surname=p.surname, given_names=p.given_names,
                                                    date_of_birth=p.date_of_birth)) for p in sample]
            references = [(lambda i=i: lookup(db.session, f"ABH-2026-{i:06d}-0", viewer)) for i in
                          (rng.randint(1, args.submissions) for _ in range(args.repeat))]
            rows = [_time("lookup: name + date of birth", lookups, args.repeat),
                    _time("lookup: reference", references, args.repeat),
                    _time("match: candidates", matches, args.repeat)]
        client = app.test_client()
        signed_in = client.post("/backoffice/login", data={
            "email": CASEWORKER, "password": "demo-Sachbearbeitung-WZ"})
        assert signed_in.status_code == 302, "demo sign-in failed"
        pages = [(lambda: client.get("/backoffice/queue"))] * args.repeat
        rows.append(_time("queue page (first page)", pages, args.repeat))
    finally:
        drop()

    print(f"machine: {platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    print(f"database: {url.split(':', 1)[0]}, {args.case_files} case files, {args.documents} documents, "
          f"{args.submissions} open submissions (generated in {generated:.0f} s)")
    print(f"{'measure':32} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for label, n, p50, p95, worst in rows:
        print(f"{label:32} {n:5d} {p50:8.1f} {p95:8.1f} {worst:8.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
