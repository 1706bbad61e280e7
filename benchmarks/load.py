"""Load: the portal under gunicorn with several workers on PostgreSQL, driven from a second
process with a bounded load on 127.0.0.1, and a bare Flask endpoint on the same machine as the
ceiling.

    .venv/bin/python benchmarks/load.py [--database-url postgresql://…] [--users 16] [--seconds 60]

The load is closed-loop: a fixed number of virtual users, each sending its next request when the
previous one is answered (no think time), so the portal is kept busy but never flooded. Users:
applicants browsing (start page, services, a service page), applicants submitting the general
enquiry with a photo upload (every step of the form), applicants reserving an appointment, and
caseworkers working the queue (queue page, a submission, claim, release). Every applicant comes
from an address of its own (X-Forwarded-For through PORTAL_PROXY_COUNT=1, rate limits in Redis
as in a multi-node installation); the anti-bot proof of work is switched off, since its cost is
in the browser. Any answer other than the expected ones counts as a failure; the run exits 1 then.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.inbound_queue import PASSWORD, _generate  # noqa: E402
from benchmarks.servers import gunicorn, wait_for  # noqa: E402
from benchmarks.throwaway_database import throwaway_database  # noqa: E402

WEIGHTS = {"browse": 50, "apply": 15, "book": 15, "casework": 20}
LANGS = ("de", "uk", "ar", "tr", "ru", "fa", "en")
_ID = re.compile(r"/(ABH-[0-9-]+|\d{4}-\d{2}-\d{2}|[A-Za-z0-9_-]{20,})(?=/|$)")


def _label(method: str, path: str) -> str:
    path = path.split("?", 1)[0]
    path = re.sub(r"^/(de|en|uk|ru|ar|tr|fa)/", "/<lang>/", path)
    return f"{method} {_ID.sub('/<id>', path)}"


# ---- the driver (second process) ----------------------------------------------------------

class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = defaultdict(list)
        self.failures: list[str] = []
        self.reopened = 0

    def count_reopened(self, client) -> None:
        """Requests a client sent again after the server closed its idle connection (as a browser does)."""
        with self.lock:
            self.reopened += client.reopened
        client.reopened = 0

    def timed(self, method: str, path: str, seconds: float, status: int) -> None:
        with self.lock:
            self.times[_label(method, path)].append(seconds)

    def fail(self, what: str) -> None:
        with self.lock:
            self.failures.append(what)


def _browse(client, rng):
    lang = rng.choice(LANGS)
    for path in (f"/{lang}/", f"/{lang}/services/", f"/{lang}/services/{rng.choice(SERVICES)}/"):
        response = client.get(path)
        if response.status_code != 200:
            raise AssertionError(f"{path}: {response.status_code}")


def _apply(client, rng):
    from tests.support import samples
    from tests.support.helpers import Applicant

    code = "general-enquiry"
    response = Applicant(client, rng.choice(LANGS)).apply(code, samples.STEPS[code], samples.FILES[code])
    if response.status_code != 302 or not response.headers["Location"].endswith("/done"):
        raise AssertionError(f"submit: {response.status_code}")


def _book(client, rng, days: list[str]):
    lang = rng.choice(LANGS)
    page = client.get(f"/{lang}/appointments/card-collection/WZ/{rng.choice(days)}")
    if page.status_code != 200:
        raise AssertionError(f"day page: {page.status_code}")
    body = page.get_data(as_text=True)
    slots = re.findall(r'name="slot" value="(\d+)"', body)
    if not slots:
        return  # a full day is an answer too
    token = re.search(r'name="csrf_token" value="([^"]+)"', body).group(1)
    held = client.post(f"/{lang}/appointments/hold", data={"csrf_token": token, "slot": rng.choice(slots)})
    if held.status_code == 302:
        if client.get(f"/{lang}/appointments/details").status_code != 200:
            raise AssertionError("details page")
    elif held.status_code != 409:  # 409: someone else was faster, the page offers other times
        raise AssertionError(f"hold: {held.status_code}")


def _casework(client, rng, signed_in: dict):
    from tests.support.helpers import csrf_token_from, sign_in

    if not signed_in.get("yes"):
        response = sign_in(client, signed_in["email"], PASSWORD)
        if response.status_code != 302:
            raise AssertionError(f"sign-in: {response.status_code} {response.get_data(as_text=True)[:200]}")
        signed_in["yes"] = True
    queue = client.get(f"/backoffice/queue?sort={rng.choice(['oldest', 'newest', 'service'])}")
    if queue.status_code != 200:
        raise AssertionError(f"queue: {queue.status_code}")
    references = re.findall(r"/backoffice/submissions/(ABH-[0-9-]+)\"", queue.get_data(as_text=True))
    if not references:
        raise AssertionError("queue without items")
    reference = rng.choice(references)
    page = client.get(f"/backoffice/submissions/{reference}")
    if page.status_code != 200:
        raise AssertionError(f"submission: {page.status_code}")
    token = csrf_token_from(page.get_data(as_text=True))
    for action in ("claim", "release"):
        response = client.post(f"/backoffice/submissions/{reference}/{action}", data={"csrf_token": token})
        if response.status_code != 302:
            raise AssertionError(f"{action}: {response.status_code}")


def drive(url: str, users: int, seconds: float, seed: int, staff_emails: list[str], days: list[str]) -> dict:
    from tests.support.http_client import HttpClient

    recorder, deadline = Recorder(), time.monotonic() + seconds
    scenarios = list(WEIGHTS)

    def user(index: int) -> None:
        rng = random.Random(seed * 1000 + index)
        # Each caseworker has an account and a workstation address of their own.
        casework = {"email": staff_emails[index % len(staff_emails)]}
        caseworker_client = HttpClient(url, headers={"X-Forwarded-For": f"10.99.0.{index + 1}"},
                                       timed=recorder.timed)
        while time.monotonic() < deadline:
            kind = rng.choices(scenarios, weights=[WEIGHTS[s] for s in scenarios])[0]
            address = f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
            client = caseworker_client if kind == "casework" else \
                HttpClient(url, headers={"X-Forwarded-For": address}, timed=recorder.timed)
            try:
                if kind == "browse":
                    _browse(client, rng)
                elif kind == "apply":
                    _apply(client, rng)
                elif kind == "book":
                    _book(client, rng, days)
                else:
                    _casework(client, rng, casework)
            except Exception as exc:  # noqa: BLE001 - every failure is reported
                recorder.fail(f"{kind}: {type(exc).__name__}: {exc}"[:300])
            recorder.count_reopened(client)

    return _run_users(users, user, recorder)


def _run_users(users: int, user, recorder: Recorder) -> dict:
    """Every virtual user in a thread of its own, until each has seen the deadline."""
    started = time.monotonic()
    threads = [threading.Thread(target=user, args=(i,)) for i in range(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"elapsed": time.monotonic() - started, "times": recorder.times, "failures": recorder.failures,
            "reopened": recorder.reopened}


def drive_bare(url: str, users: int, seconds: float) -> dict:
    from tests.support.http_client import HttpClient

    recorder, deadline = Recorder(), time.monotonic() + seconds

    def user(_index: int) -> None:
        client = HttpClient(url, timed=recorder.timed)
        while time.monotonic() < deadline:
            if client.get("/ping").status_code != 200:
                recorder.fail("ping")

    return _run_users(users, user, recorder)


SERVICES = ("temporary-protection", "permit-extension", "obligation-declaration", "address-change",
            "general-enquiry", "card-collection")


# ---- the conductor (first process) --------------------------------------------------------

def _flask(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "flask", "--app", "portal", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=900)


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000


def _run_driver(args, url: str, extra: list[str]) -> dict:
    out = subprocess.run([sys.executable, __file__, "--drive", url, "--users", str(args.users),
                          "--seconds", str(args.seconds), "--seed", str(args.seed), *extra],
                         cwd=ROOT, capture_output=True, text=True, timeout=args.seconds + 600)
    if out.returncode != 0:
        raise SystemExit(f"driver failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout)


def _print_table(title: str, result: dict) -> None:
    elapsed = result["elapsed"]
    total = sum(len(v) for v in result["times"].values())
    print(f"\n{title}: {total} requests in {elapsed:.1f} s = {total / elapsed:.1f} requests/s, "
          f"{len(result['failures'])} failed; {result.get('reopened', 0)} sent again on a new connection after "
          f"the server closed an idle one (as a browser does)")
    print(f"{'endpoint':52} {'n':>6} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for label, values in sorted(result["times"].items(), key=lambda item: -len(item[1])):
        print(f"{label[:52]:52} {len(values):6d} {len(values) / elapsed:7.1f} {_percentile(values, 0.50):8.1f} "
              f"{_percentile(values, 0.95):8.1f} {_percentile(values, 0.99):8.1f}")
    for failure in result["failures"][:20]:
        print(f"  FAILED {failure}")


def conduct(args) -> int:
    database_url, drop = throwaway_database(args.database_url, "load")
    storage = tempfile.mkdtemp(prefix="portal-load-store-")
    env = {**os.environ, "PORTAL_ENV": "development", "PORTAL_DATABASE_URL": database_url,
           "PORTAL_SECRET_KEY": "l" * 48, "PORTAL_STORAGE_DIR": storage, "PORTAL_ALTCHA_ENABLED": "0",
           "PORTAL_PROXY_COUNT": "1", "PORTAL_RATELIMIT_STORAGE_URL": args.redis_url,
           "PORTAL_SMTP_HOST": "127.0.0.1", "PORTAL_SMTP_PORT": "1", "FLASK_DEBUG": "0"}
    import redis

    # The run's rate-limit counters start from nothing (the Redis database is the benchmark's own).
    redis.Redis.from_url(args.redis_url).flushdb()
    processes = []
    try:
        print("preparing: migrations, demo data, open submissions, slots …", flush=True)
        result = _flask(env, "db", "upgrade")
        if result.returncode:
            raise SystemExit(result.stderr[-3000:])
        result = _flask(env, "seed-demo", "--case-files", "3000")  # sites, counters, case files, content
        if result.returncode:
            raise SystemExit(result.stderr[-3000:])
        prepared = subprocess.run([sys.executable, __file__, "--prepare", "--open", str(args.open),
                                   "--users", str(args.users)], cwd=ROOT,
                                  env=env, capture_output=True, text=True, timeout=900)
        if prepared.returncode:
            raise SystemExit(prepared.stderr[-3000:])
        setup = json.loads(prepared.stdout.strip().splitlines()[-1])
        _flask(env, "worker", "--once")  # creates the slots (its mail round fails: no mail server here)

        port = 18000 + os.getpid() % 1000
        log = Path(storage) / "gunicorn.log"
        # Without gunicorn's access log, as gunicorn.conf.py runs the portal (it logs each request itself).
        processes.append(gunicorn("wsgi:app", port, workers=args.workers, threads=args.threads, env=env, log=log,
                                  access_log=False))
        wait_for(f"http://127.0.0.1:{port}/healthz", log)
        print(f"driving the portal: {args.users} users for {args.seconds} s …", flush=True)
        portal = _run_driver(args, f"http://127.0.0.1:{port}",
                             ["--staff-email", ",".join(setup["staff"]), "--days", ",".join(setup["days"])])

        bare_port = port + 1
        bare_log = Path(storage) / "bare.log"
        processes.append(gunicorn("benchmarks.bare_app:app", bare_port, workers=args.workers, threads=args.threads,
                                   env=env, log=bare_log, access_log=False))
        wait_for(f"http://127.0.0.1:{bare_port}/ping", bare_log)
        print("driving the bare Flask endpoint (the ceiling) …", flush=True)
        bare = _run_driver(args, f"http://127.0.0.1:{bare_port}", ["--bare"])
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
            process.wait(30)
        drop()

    print(f"\nmachine:  {platform.platform()}; {platform.machine()}; {os.cpu_count()} CPUs; "
          f"Python {platform.python_version()}; load {' '.join(f'{n:.2f}' for n in os.getloadavg())}")
    print(f"setup:    gunicorn {args.workers} workers x {args.threads} threads; database "
          f"{'PostgreSQL' if database_url.startswith('postgresql') else 'SQLite'}; {args.open} open submissions; "
          f"{args.users} users (closed loop), driver in a second process")
    _print_table("portal", portal)
    _print_table("bare Flask endpoint (ceiling)", bare)
    return 1 if portal["failures"] or bare["failures"] else 0


def prepare(open_count: int, users: int) -> None:
    """In the portal's environment: staff, open submissions, and the days with slots."""
    from datetime import date, timedelta

    from portal import create_app
    from portal.staff.accounts import create_staff_user
    from portal.extensions import db
    from portal.models import ReferenceCounter

    app = create_app()
    with app.app_context():
        made = _generate(db.session, open_count, open_count // 2, 20, random.Random(5))
        staff = [made["me"]]
        for n in range(1, users):
            staff.append(create_staff_user(db.session, email=f"load{n}@abh-test.example", full_name=f"Last {n}",
                                           role="caseworker", site_code="WZ" if n % 2 else "DIL",
                                           password=PASSWORD).email)
        year = date.today().year
        counter = db.session.get(ReferenceCounter, year) or ReferenceCounter(year=year)
        counter.last_value = max(counter.last_value or 0, open_count * 2)  # new references after the made ones
        db.session.add(counter)
        db.session.commit()
    days = [(date.today() + timedelta(days=n)).isoformat() for n in range(1, 15)]
    print(json.dumps({"staff": staff, "days": days}))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/3",
                        help="rate limits, as on several nodes; this database is emptied first (default …/3)")
    parser.add_argument("--users", type=int, default=16, help="virtual users at once (default 16)")
    parser.add_argument("--seconds", type=float, default=60, help="length of each run (default 60)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (default 4)")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker (default 4)")
    parser.add_argument("--open", type=int, default=2000, help="open submissions in the queue (default 2000)")
    parser.add_argument("--seed", type=int, default=11)
    # Internal: the driver and the preparation run in processes of their own.
    parser.add_argument("--drive", help=argparse.SUPPRESS)
    parser.add_argument("--bare", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--staff-email", help=argparse.SUPPRESS)
    parser.add_argument("--days", help=argparse.SUPPRESS)
    parser.add_argument("--prepare", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare:
        prepare(args.open, args.users)
        return 0
    if args.drive:
        result = drive_bare(args.drive, args.users, args.seconds) if args.bare else \
            drive(args.drive, args.users, args.seconds, args.seed, args.staff_email.split(","), args.days.split(","))
        print(json.dumps(result))
        return 0
    return conduct(args)


if __name__ == "__main__":
    sys.exit(main())
