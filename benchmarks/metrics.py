"""What a Prometheus scrape and a load balancer's health checks cost, on an office-sized database.

Fills a database of its own with an office's backlog (default: 20,000 submissions, 3,000 of them
open, across two sites; 20,000 outbox mails, 300 of them pending; 20,000 inbound mails; 500 scan
batches; 2,000 coming bookings), then times, through the Flask test client in one process:
GET /healthz, GET /readyz and GET /metrics (the state figures are read from the database at
each scrape), and prints the medians and the ratio of a scrape to a health check.

    .venv/bin/python benchmarks/metrics.py
    .venv/bin/python benchmarks/metrics.py --database-url postgresql://postgres@127.0.0.1:5432/test

Target: a scrape every 15 s and a health check every 2 s cost the database nothing worth
mentioning (a scrape under 50 ms, /readyz under 10 ms).
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT))

from benchmarks.throwaway_database import throwaway_database  # noqa: E402


def _fill(session, submissions: int, open_share: float, mails: int) -> None:
    import random

    from sqlalchemy import insert, select

    from portal.demo import seed_services, seed_sites
    from portal.models import (
        Booking, InboundMail, OutboundMail, ScanBatch, Service, Site, Slot, Submission,
    )
    from portal.models._types import utcnow

    rng = random.Random(19)
    seed_sites(session)
    seed_services(session)
    session.commit()
    sites = list(session.scalars(select(Site.id)))
    service = session.scalar(select(Service.id))
    now = utcnow()
    statuses = ["received", "in_progress", "awaiting_documents"]
    rows = []
    for n in range(submissions):
        is_open = rng.random() < open_share
        rows.append({"reference": f"ABH-2026-{n:06d}-0", "status_token_hash": "0" * 64, "channel": "web",
                     "service_id": service, "language": "de", "field_values": {}, "site_id": rng.choice(sites),
                     "status": rng.choice(statuses) if is_open else rng.choice(["attached", "closed"]),
                     "received_at": now - timedelta(minutes=rng.randrange(60 * 24 * 90)), "updated_at": now})
    session.execute(insert(Submission), rows)
    session.execute(insert(OutboundMail), [
        {"recipient": f"a{n}@example.org", "subject": "s", "body_text": "t", "body_html": "", "language": "de",
         "attachments": [], "status": "pending" if n % (mails // 300 or 1) == 0 else "sent", "attempts": n % 2,
         "next_attempt_at": now, "last_error": "", "created_at": now - timedelta(minutes=n % 500)}
        for n in range(mails)])
    session.execute(insert(InboundMail), [
        {"sha256": f"{n:064x}", "size_bytes": 1000, "source": "imap", "status": rng.choice(
            ["processed", "processed", "duplicate", "quarantined"]), "reason_code": "", "quarantine_reason": "",
         "details": {}, "received_at": now, "dedup_key": "", "source_detail": "", "sender": "", "sender_name": "",
         "subject": "", "language": "", "headers_only": False}
        for n in range(mails)])
    session.execute(insert(ScanBatch), [{"batch_id": f"B-{n}", "status": "checked", "rows_imported": 400,
                                         "rows_failed": n % 3, "case_files_created": 0, "created_at": now,
                                         "started_at": now} for n in range(500)])
    session.commit()
    slots = []
    for n in range(1000):
        start = now + timedelta(days=1 + n // 40, minutes=10 * (n % 40))
        slots.append({"site_id": sites[n % 2], "service_id": service, "starts_at": start,
                      "ends_at": start + timedelta(minutes=10), "capacity": 2, "staff_reserved": 0, "taken": 2,
                      "public_taken": 2})
    session.execute(insert(Slot), slots)
    slot_ids = list(session.scalars(select(Slot.id)))
    session.execute(insert(Booking), [
        {"reference": f"T-{n:06d}", "slot_id": slot_ids[n // 2], "status": "confirmed" if n % 7 else "held",
         "token_hash": f"{n:064x}", "surname": "X", "given_names": "Y", "email": "", "phone": "", "language": "de",
         "created_at": now, "held_until": now + timedelta(minutes=10)} for n in range(2000)])
    session.commit()


def _median_ms(client, path: str, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        response = client.get(path)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, (path, response.status_code, response.get_data(as_text=True)[:300])
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--submissions", type=int, default=20_000)
    parser.add_argument("--mails", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=50)
    args = parser.parse_args()

    url, drop = throwaway_database(args.database_url, "metrics")
    storage = tempfile.mkdtemp(prefix="portal-bench-metrics-")
    os.environ.update({"PORTAL_DATABASE_URL": url, "PORTAL_SECRET_KEY": "m" * 40, "PORTAL_STORAGE_DIR": storage,
                       "PORTAL_ENV": "testing", "PORTAL_CLAMD_ADDRESS": ""})
    try:
        from flask_migrate import upgrade

        from portal import create_app
        from portal.extensions import db

        app = create_app()
        with app.app_context():
            upgrade()
            started = time.perf_counter()
            _fill(db.session, args.submissions, 0.15, args.mails)
            if "postgresql" in url:  # what autovacuum does on a live database after a bulk load
                db.session.execute(db.text("ANALYZE"))
                db.session.commit()
            print(f"filled in {time.perf_counter() - started:.1f} s: {args.submissions} submissions, "
                  f"{args.mails} outbox and {args.mails} inbound mails, 500 scan batches, 2000 bookings "
                  f"({'PostgreSQL' if 'postgresql' in url else 'SQLite'})")
        client = app.test_client()
        health = _median_ms(client, "/healthz", args.rounds)
        ready = _median_ms(client, "/readyz", args.rounds)
        scrape = _median_ms(client, "/metrics", args.rounds)
        print(f"/healthz {health:.2f} ms, /readyz {ready:.2f} ms, /metrics {scrape:.2f} ms (medians of "
              f"{args.rounds}); a scrape costs {scrape / health:.0f} health checks, {scrape / ready:.1f} "
              "readiness checks")
    finally:
        drop()
    print(f"machine: {platform.platform()}; {platform.machine()}; {os.cpu_count()} CPUs; "
          f"Python {platform.python_version()}; load {' '.join(f'{n:.2f}' for n in os.getloadavg())}")


if __name__ == "__main__":
    main()
