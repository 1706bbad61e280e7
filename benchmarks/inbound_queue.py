"""Inbound-queue benchmark: a temporary database with 20,000 open submissions (and closed ones
beside them), then the queue page's server time through the Flask test client, p50/p95 over
repeated requests: the first page, filtered pages, and the 100th page reached by keyset cursors.

    .venv/bin/python benchmarks/inbound_queue.py                          # SQLite in a temporary folder
    .venv/bin/python benchmarks/inbound_queue.py --database-url postgresql://postgres@127.0.0.1:5432/test
    .venv/bin/python benchmarks/inbound_queue.py --open 2000 --repeat 20   # quick

On PostgreSQL the run uses a schema of its own and drops it afterwards. Not a test: the figures
depend on the machine, which is printed with them.
"""
from __future__ import annotations

import argparse
import html
import os
import platform
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path, and the file's name would hide
# the standard library's `queue` (which psycopg imports): drop the folder before the portal loads.
HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
if getattr(sys.modules.get("queue"), "__file__", None) == __file__:
    del sys.modules["queue"]
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from benchmarks.throwaway_database import throwaway_database  # noqa: E402

PASSWORD = "benchmark-password-0123"
BATCH = 5000
NEXT_LINK = re.compile(r'href="(/backoffice/queue\?after=[^"]+)"')
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
SURNAMES = ["Шевченко", "Al-Hassan", "Yılmaz", "Kowalski", "Nguyen", "Ahmadi", "Popescu", "Müller", "Иванова",
            "الحسن", "Demir", "Haddad", "Petrenko", "Rahimi", "Santos", "Kaya"]
GIVEN = ["Olena", "Mohammad", "Ayşe", "Piotr", "Linh", "Fatemeh", "Andrei", "Anna", "Олександр", "محمد"]


def _pick(rng: random.Random, weighted: dict):
    return rng.choices(list(weighted), weights=list(weighted.values()))[0]


def _generate(session, open_count: int, closed_count: int, staff_count: int, rng: random.Random) -> dict:
    """Sites, services and staff as the demo has them; submissions in bulk through Core."""
    from sqlalchemy import insert, select

    from portal.staff.accounts import create_staff_user
    from portal.demo import SeedReport, seed_services, seed_sites
    from portal.models import Service, StaffUser, Submission, SubmissionStatusChange

    report = SeedReport()
    sites = seed_sites(session, report)
    seed_services(session, report)
    session.commit()
    # A team lead sees both sites' items (a caseworker only the own site's), so the whole queue is paged.
    me = create_staff_user(session, email="bench@abh-test.example", full_name="Bench Team Lead",
                           role="team_lead", site_code="WZ", password=PASSWORD)
    session.flush()
    # Colleagues who hold claims; no password needed, they never sign in.
    session.execute(insert(StaffUser), [
        {"email": f"colleague{i}@abh-test.example", "full_name": f"Kollegin {i}", "password_hash": "-",
         "role": "caseworker", "site_id": sites["WZ" if i % 2 else "DIL"].id, "preferred_language": "de",
         "is_active_account": True, "created_at": datetime.now(timezone.utc)} for i in range(staff_count)])
    session.commit()
    staff_ids = list(session.scalars(select(StaffUser.id)))
    services = list(session.scalars(select(Service.id)))
    site_ids = {sites["WZ"].id: 55, sites["DIL"].id: 35, None: 10}
    now = datetime.now(timezone.utc)
    total = open_count + closed_count
    for start in range(0, total, BATCH):
        rows = []
        for i in range(start, min(start + BATCH, total)):
            is_open = i < open_count
            status = _pick(rng, {"received": 55, "in_progress": 35, "awaiting_documents": 10}) if is_open \
                else _pick(rng, {"attached": 80, "rejected": 5, "closed": 15})
            # Most items are days old, some weeks, a few months (a long tail of stuck ones).
            received = now - timedelta(minutes=int(rng.expovariate(1 / (60 * 24 * 12))) % (60 * 24 * 365))
            claimed = status == "in_progress" and rng.random() < 0.6
            claimed_at = now - timedelta(minutes=rng.randint(0, 240)) if claimed else None
            rows.append({
                "reference": f"ABH-2026-{i + 1:06d}-0", "status_token_hash": "0" * 64,
                "channel": _pick(rng, {"web": 60, "email": 25, "scan": 10, "staff": 5}),
                "service_id": rng.choice(services),
                "language": _pick(rng, {"de": 25, "uk": 20, "ar": 15, "tr": 15, "ru": 10, "fa": 10, "en": 5}),
                "field_values": {}, "applicant_surname": rng.choice(SURNAMES),
                "applicant_given_names": rng.choice(GIVEN), "applicant_dob_year": rng.randint(1950, 2010),
                "applicant_dob_month": rng.randint(1, 12), "applicant_dob_day": rng.randint(1, 28),
                "applicant_email": "", "site_id": _pick(rng, site_ids), "status": status,
                "assignee_id": rng.choice(staff_ids) if claimed else None, "claimed_at": claimed_at,
                "received_at": received, "updated_at": received})
        session.execute(insert(Submission), rows)
    session.commit()
    for start in range(0, total, BATCH):
        ids = session.scalars(select(Submission.id).where(Submission.id > start, Submission.id <= start + BATCH))
        session.execute(insert(SubmissionStatusChange), [
            {"submission_id": sid, "status": "received", "at": now, "note": ""} for sid in ids])
    session.commit()
    return {"me": me.email, "staff": staff_ids}


def _analyze(engine) -> None:
    """Fresh statistics, as autovacuum (PostgreSQL) or a periodic ANALYZE would give."""
    with engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
        conn.commit()


def _database_version(engine) -> str:
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            return "SQLite " + conn.exec_driver_sql("select sqlite_version()").scalar()
        return "PostgreSQL " + conn.exec_driver_sql("show server_version").scalar()


def _sign_in(client, email: str) -> None:
    page = client.get("/backoffice/login").get_data(as_text=True)
    token = CSRF.search(page).group(1)
    response = client.post("/backoffice/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302, "sign-in failed"


def _cursor_url(client, url: str, pages: int) -> str:
    """Follow the next-page links to the URL of page `pages` (as a caseworker would)."""
    for _ in range(pages - 1):
        body = client.get(url).get_data(as_text=True)
        match = NEXT_LINK.search(body)
        assert match, f"fewer than {pages} pages"
        url = html.unescape(match.group(1))
    return url


def _measure(client, url: str, repeat: int, warmup: int = 3) -> tuple[float, float, float, int]:
    for _ in range(warmup):
        client.get(url)
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    count = int(re.search(r'id="queue-count">\D*(\d+)', response.get_data(as_text=True)).group(1))  # "Mehr als 1000 …" too
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95, ordered[-1], count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="postgresql://… (default: SQLite in a temporary folder)")
    parser.add_argument("--open", type=int, default=20_000, help="open submissions (default 20000)")
    parser.add_argument("--closed", type=int, default=20_000, help="closed ones beside them (default 20000)")
    parser.add_argument("--staff", type=int, default=40, help="colleagues holding claims (default 40)")
    parser.add_argument("--repeat", type=int, default=50, help="requests per measure (default 50)")
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()

    url, drop = throwaway_database(args.database_url, "queue-bench")
    storage = tempfile.mkdtemp(prefix="portal-queue-bench-store-")
    os.environ.update({"PORTAL_ENV": "testing", "PORTAL_DATABASE_URL": url, "PORTAL_SECRET_KEY": "q" * 40,
                       "PORTAL_STORAGE_DIR": storage, "PORTAL_RATELIMIT_ENABLED": "0"})
    import logging

    from flask_migrate import upgrade

    from portal import create_app
    from portal.extensions import db

    logging.getLogger("alembic").setLevel(logging.WARNING)
    app = create_app()
    rng = random.Random(args.seed)
    rows = []
    try:
        with app.app_context():
            upgrade()
            started = time.perf_counter()
            made = _generate(db.session, args.open, args.closed, args.staff, rng)
            _analyze(db.engine)
            generated = time.perf_counter() - started
            version = _database_version(db.engine)
        client = app.test_client()
        _sign_in(client, made["me"])
        colleague = made["staff"][len(made["staff"]) // 2]
        measures = [
            ("first page, oldest first", "/backoffice/queue"),
            ("first page, newest first", "/backoffice/queue?sort=newest"),
            ("first page, by service", "/backoffice/queue?sort=service"),
            ("filter: site + status", "/backoffice/queue?site=WZ&status=received"),
            ("filter: overdue + free", "/backoffice/queue?age=overdue&assignee=nobody"),
            ("filter: channel + language", "/backoffice/queue?channel=email&language=ar"),
            ("filter: no site yet", "/backoffice/queue?site=none"),
            ("filter: one colleague", f"/backoffice/queue?assignee={colleague}"),
            ("filter: older than 20 days", "/backoffice/queue?older_than=20&sort=newest"),
        ]
        for label, page_url in measures:
            rows.append((label, *_measure(client, page_url, args.repeat)))
        depth = max(1, min(100, (args.open - 1) // _page_size() + 1))  # page 100 at 20,000 items
        for label, start_url in [("oldest first", "/backoffice/queue"),
                                 ("newest first", "/backoffice/queue?sort=newest"),
                                 ("by service", "/backoffice/queue?sort=service")]:
            deep = _cursor_url(client, start_url, depth)
            rows.append((f"page {depth}, {label}", *_measure(client, deep, args.repeat)))
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        drop()
        shutil.rmtree(storage, ignore_errors=True)

    print(f"machine:  {platform.platform()}; {platform.machine()}; {os.cpu_count()} CPUs; "
          f"Python {platform.python_version()}")
    print(f"database: {version}; {args.open} open + {args.closed} closed submissions "
          f"(generated in {generated:.0f} s); page size {_page_size()}")
    print(f"load:     {' '.join(f'{n:.2f}' for n in os.getloadavg())} (1, 5, 15 min) at the end")
    print(f"{'measure':30} {'matching':>9} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for label, p50, p95, worst, count in rows:
        print(f"{label:30} {count:9d} {args.repeat:4d} {p50:8.1f} {p95:8.1f} {worst:8.1f}")
    return 0


def _page_size() -> int:
    from portal.backoffice.queue import PAGE_SIZE

    return PAGE_SIZE


if __name__ == "__main__":
    sys.exit(main())
