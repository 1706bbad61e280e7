"""A booking rush: the moment a new day of appointments opens, 2,000 applicants at once, each from
an address of its own, open the calendar, reserve a time (with the anti-bot proof of work) and
book it, against two app processes on PostgreSQL with the rate limits in Redis.

    .venv/bin/python benchmarks/booking_rush.py [--applicants 2000] [--concurrency 200] [--shared 100]
        [--database-url postgresql://postgres@127.0.0.1:5432/test] [--redis-url redis://127.0.0.1:6379/5]
        [--threads 4]

What it does:

- A throwaway PostgreSQL schema (`flask db upgrade`, `flask seed-demo`, which also makes the slots);
  the rate limits in a Redis database of the run's own (emptied first).
- The release as the portal has it: a site's booking window ends `window_days` ahead and its
  newest day opens at the site's `release_time`, for everybody at once. The benchmark takes the
  service "card collection" at Wetzlar, makes the newest day one with opening hours, books every
  earlier day of the window full (as it is before a real release: bookings written in the
  preparation, counted by the check below) and sets the release time to a moment a few seconds
  ahead. Before that moment the new day offers no times (checked).
- Two app processes: two gunicorn instances on two ports (each 1 worker x --threads threads), as
  two nodes behind a load balancer; applicants alternate between them. Each applicant comes
  from an address of its own (X-Forwarded-For through PORTAL_PROXY_COUNT=1).
- The proof of work (ALTCHA, on as in production) is computed by the driver: every challenge is
  fetched (from the applicant's address) and solved BEFORE the release moment, untimed, so that
  the timed part measures the server and not the driver's hashing; a second or third try after
  "this time was just taken" takes a fresh solution from a pool solved beforehand as well (the
  browser's widget would solve a new one there).
- At the release moment every applicant, at most --concurrency at once (one keep-alive
  connection each, http.client), does what a person does: opens the calendar (month page, then
  the new day), picks one of the free times at random and reserves it; when it was just taken,
  picks one of the times the answer offers (at most 3 tries); gives name, date of birth and
  e-mail; finds the confirmation link in the mail (the outbox table, as in their mailbox) and
  clicks it, landing on the booking's page. An applicant who is shown no free time is counted as
  told that the times are gone.
- The mail worker runs as in production (`flask worker --only mail`, at nice 10 as
  docs/deployment.md sets it), sending into a Maildir: it makes the confirmations' PDFs, which
  the confirm link only queues. After the rush, every confirmation must have gone out with its PDF.
- Afterwards the database is checked: no slot with more bookings than its capacity (nor more
  public bookings than its public share), `slot.taken` and `slot.public_taken` equal to the
  bookings holding it.
- A second, short phase with the limits on: --shared applicants all from ONE address (as behind
  one NAT, or one bot) at once open the calendar and a day, fetch a challenge (as the widget
  does) and reserve a time, with solutions solved beforehand; they book another service
  (permit extension), since the rush's day is full by then and a page without free times has no
  form to send. Printed is how many of that address's requests were answered and how many
  refused with 429, per step (the limits are counted in Redis, so across both app processes).

Targets: no overbooking; no server error (5xx) and no connection error; p95 of the calendar
(month and day page) and of the hold at or under 1 s on this machine. The run exits 1 on
overbooking or a miscounted slot, a server error, a connection error, any other unexpected answer,
times offered before the release, or fewer or more confirmed bookings than applicants who were
told they have one; a latency target not met is printed as "NOT met" (exit 0: the figures depend
on the machine and what else runs on it). The closed loop means the latency includes waiting:
with C applicants at once and T requests per second served, each waits about C / T seconds.
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import html
import http.client
import json
import multiprocessing
import os
import platform
import queue
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.servers import gunicorn, wait_for  # noqa: E402
from benchmarks.throwaway_database import throwaway_database  # noqa: E402

SERVICE, SITE = "card-collection", "WZ"
OFFICE_TZ = ZoneInfo("Europe/Berlin")
LANGS = ("de", "uk", "ar", "tr", "ru", "fa", "en")
TRIES = 3  # holds per applicant: the first choice and two of the times offered instead
TARGET_P95_S = 1.0
LEAD_SECONDS = 4  # the release moment is this far ahead of the end of the preparation
SECRET_KEY = "r" * 48
FIELD = "altcha"  # portal.appointments.pow.FIELD (checked at start)
STEPS = ("calendar (month)", "calendar (day)", "hold", "details form", "details sent", "confirm link",
         "booking page")
SHARED_STEPS = ("calendar (month)", "calendar (day)", "challenge", "hold")
SHARED_ADDRESS = "10.250.250.250"
SHARED_SERVICE = "permit-extension"  # the second phase: a service with free times left

_SLOT = re.compile(r'name="slot" value="(\d+)"')
_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')
_CONFIRM = re.compile(r"https?://[^/\s]+(/[a-z]{2}/appointments/confirm/[A-Za-z0-9_.\-]+)")


def _address(index: int) -> str:
    """The applicant's own address (10.0.0.1 onwards)."""
    n = index + 1
    return f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"


# ---- the proof of work, as the browser's widget computes it ----------------------------------

def solve(challenge: dict) -> str:
    """The form field's value for a challenge: base64 JSON {algorithm, challenge, number, salt,
    signature}, the number found by trying (SHA-256(salt + number) = challenge)."""
    target = bytes.fromhex(challenge["challenge"])
    start = hashlib.sha256(challenge["salt"].encode())
    for number in range(challenge["maxNumber"] + 1):
        attempt = start.copy()
        attempt.update(str(number).encode())
        if attempt.digest() == target:
            break
    else:
        raise ValueError("challenge without a solution")
    payload = {"algorithm": challenge["algorithm"], "challenge": challenge["challenge"], "number": number,
               "salt": challenge["salt"], "signature": challenge["signature"]}
    return base64.b64encode(json.dumps(payload).encode()).decode()


# ---- the driver's browser: one keep-alive connection, cookies, an address ------------------

class Failure(Exception):
    """An answer the applicant should never get; recorded already."""


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = defaultdict(list)
        self.statuses: dict[str, Counter] = defaultdict(Counter)
        self.server_errors: list[str] = []
        self.connection_errors: list[str] = []
        self.unexpected: list[str] = []
        self.reopened = 0

    def answer(self, step: str, seconds: float, status: int) -> None:
        with self.lock:
            self.times[step].append(seconds)
            self.statuses[step][status] += 1
            if status >= 500:
                self.server_errors.append(f"{step}: {status}")

    def add(self, kind: list[str], what: str) -> None:
        with self.lock:
            kind.append(what[:300])


class Browser:
    def __init__(self, port: int, address: str, recorder: Recorder):
        self.port, self.address, self.recorder = port, address, recorder
        self.connection: http.client.HTTPConnection | None = None
        self.cookies: dict[str, str] = {}

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def send(self, step: str, method: str, path: str, form: dict | None = None) -> tuple[int, dict, str]:
        body = urllib.parse.urlencode(form).encode() if form is not None else None
        headers = {"X-Forwarded-For": self.address, "Accept": "text/html",
                   "User-Agent": "booking-rush-benchmark"}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in (1, 2):
            reused = self.connection is not None
            if self.connection is None:
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            started = time.perf_counter()
            try:
                self.connection.request(method, path, body, headers)
                response = self.connection.getresponse()
                text = response.read().decode("utf-8", "replace")
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as exc:
                self.close()
                if reused and attempt == 1:
                    # The server closed an idle keep-alive connection: a browser opens a new one.
                    with self.recorder.lock:
                        self.recorder.reopened += 1
                    continue
                self.recorder.add(self.recorder.connection_errors, f"{step}: {type(exc).__name__}: {exc}")
                raise Failure from exc
            except (OSError, http.client.HTTPException) as exc:
                self.close()
                self.recorder.add(self.recorder.connection_errors, f"{step}: {type(exc).__name__}: {exc}")
                raise Failure from exc
            seconds = time.perf_counter() - started
            break
        for value in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            content, _, attributes = rest.partition(";")
            if "max-age=0" in attributes.lower() or "expires=thu, 01 jan 1970" in attributes.lower():
                self.cookies.pop(name.strip(), None)
            else:
                self.cookies[name.strip()] = content.strip()
        if response.will_close:
            self.close()
        self.recorder.answer(step, seconds, response.status)
        if response.status >= 500:
            raise Failure
        return response.status, dict(response.headers.items()), text


def _hidden_fields(page: str, form_id: str) -> dict[str, str]:
    start = page.find(f'id="{form_id}"')
    if start < 0:
        return {}
    part = page[start:page.find("</form>", start)]
    return {name: html.unescape(value) for name, value in _HIDDEN.findall(part)}


def _path(location: str) -> str:
    parts = urllib.parse.urlsplit(location)
    return parts.path + (f"?{parts.query}" if parts.query else "")


# ---- one applicant of the rush ---------------------------------------------------------------

class Rush:
    def __init__(self, ports: list[int], day: str, solutions: list[str], retry_pool: queue.Queue, engine):
        self.ports, self.day, self.solutions, self.retry_pool, self.engine = ports, day, solutions, retry_pool, engine
        self.recorder = Recorder()
        self.outcomes: Counter = Counter()
        self.lock = threading.Lock()

    def outcome(self, what: str) -> None:
        with self.lock:
            self.outcomes[what] += 1

    def unexpected(self, step: str, status: int, text: str) -> None:
        snippet = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text))[:160]
        self.recorder.add(self.recorder.unexpected, f"{step}: {status} {snippet}")
        raise Failure

    def applicant(self, index: int) -> None:
        browser = Browser(self.ports[index % len(self.ports)], _address(index), self.recorder)
        try:
            self._book(browser, index)
        except Failure:
            self.outcome("failed (see below)")
        finally:
            browser.close()

    def _book(self, browser: Browser, index: int) -> None:
        rng = random.Random(index)
        lang = rng.choice(LANGS)
        base = f"/{lang}/appointments"
        status, _, page = browser.send("calendar (month)", "GET", f"{base}/{SERVICE}/{SITE}/")
        if status != 200:
            self.unexpected("calendar (month)", status, page)
        day_path = f"{base}/{SERVICE}/{SITE}/{self.day}"
        if f'href="{day_path}"' not in page:
            self.outcome("told the times are gone: the calendar shows no free day")
            return
        status, _, page = browser.send("calendar (day)", "GET", day_path)
        if status != 200:
            self.unexpected("calendar (day)", status, page)
        solution = self.solutions[index]
        for attempt in range(TRIES):
            slots = _SLOT.findall(page)
            if not slots:
                self.outcome("told the times are gone: the day page" if attempt == 0 else
                             "told the times are gone: the 'just taken' page offers none")
                return
            if attempt:
                try:
                    solution = self.retry_pool.get_nowait()
                except queue.Empty:
                    self.outcome("gave up: no solved check left for another try (driver)")
                    return
            form = {**_hidden_fields(page, "hold-form"), "slot": rng.choice(slots), FIELD: solution}
            status, headers, page = browser.send("hold", "POST", f"{base}/hold", form)
            if status == 302 and _path(headers.get("Location", "")).endswith("/appointments/details"):
                break
            if status != 409:  # 409: someone else was faster, the answer offers the next free times
                self.unexpected("hold", status, page)
        else:
            self.outcome(f"gave up after {TRIES} times taken (more were offered)")
            return
        status, _, page = browser.send("details form", "GET", f"{base}/details")
        if status != 200 or 'id="details-form"' not in page:
            self.unexpected("details form", status, page)
        email = f"applicant{index}@rush.example"
        born = date(1960, 1, 1) + timedelta(days=rng.randrange(45 * 365))
        form = {**_hidden_fields(page, "details-form"), "surname": f"Rush{index:05d}",
                "given_names": rng.choice(["Olena", "Ahmad", "Ayşe", "Dmitri", "Maryam", "Jonas", "Fatima"]),
                "date_of_birth-day": str(born.day), "date_of_birth-month": str(born.month),
                "date_of_birth-year": str(born.year), "email": email, "phone": "", "action": "book"}
        status, _, page = browser.send("details sent", "POST", f"{base}/details", form)
        if status != 200 or 'id="details-form"' in page or email not in page:
            self.unexpected("details sent", status, page)
        link = self._mailed_link(email)
        if link is None:
            self.unexpected("mail", 0, f"no confirmation mail to {email} in the outbox")
        status, headers, page = browser.send("confirm link", "GET", link)
        location = _path(headers.get("Location", ""))
        if status != 302 or "/appointments/manage/" not in location:
            self.unexpected("confirm link", status, page)
        status, _, page = browser.send("booking page", "GET", location)
        if status != 200:
            self.unexpected("booking page", status, page)
        self.outcome("got a time (confirmed with the link in the mail)")

    def _mailed_link(self, email: str) -> str | None:
        """The confirmation link in the newest mail to this address (the applicant's mailbox)."""
        import sqlalchemy as sa

        with self.engine.connect() as conn:
            body = conn.execute(sa.text("SELECT body_text FROM outbound_mail WHERE recipient = :r "
                                        "ORDER BY id DESC LIMIT 1"), {"r": email}).scalar()
        found = _CONFIRM.search(body or "")
        return found.group(1) if found else None


def shared_address_phase(ports: list[int], solutions: list[str], concurrency: int) -> Recorder:
    """Many applicants behind ONE address, all at once: how far does that address get? They book
    a service whose calendar still has free times (the rush's day is full by now, and without a
    free time a browser has no form to send)."""
    recorder = Recorder()

    def applicant(index: int) -> None:
        browser = Browser(ports[index % len(ports)], SHARED_ADDRESS, recorder)
        lang = LANGS[index % len(LANGS)]
        base = f"/{lang}/appointments"
        try:
            status, _, page = browser.send("calendar (month)", "GET", f"{base}/{SHARED_SERVICE}/{SITE}/")
            days = re.findall(rf'href="({re.escape(base)}/{SHARED_SERVICE}/{SITE}/\d{{4}}-\d{{2}}-\d{{2}})"', page)
            if status != 200 or not days:
                return
            status, _, page = browser.send("calendar (day)", "GET", days[0])
            browser.send("challenge", "GET", f"{base}/challenge")  # as the widget fetches it
            slots = _SLOT.findall(page)
            if status != 200 or not slots:
                return
            form = {**_hidden_fields(page, "hold-form"), "slot": slots[index % len(slots)], FIELD: solutions[index]}
            browser.send("hold", "POST", f"{base}/hold", form)
        except Failure:
            pass
        finally:
            browser.close()

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(applicant, range(len(solutions))))
    return recorder


# ---- the conductor ---------------------------------------------------------------------------

def _flask(env: dict, *args: str) -> None:
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "portal", *args], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=900)
    if result.returncode:
        raise SystemExit(f"flask {' '.join(args)} failed:\n{result.stderr[-3000:]}")


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000


def _local_midnight_utc(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=OFFICE_TZ).astimezone(timezone.utc)


def prepare_release(engine) -> dict:
    """The newest day of the window: a day with times of the service; every earlier day booked
    full; the release time far ahead for now (set to the real moment once the driver is ready)."""
    import sqlalchemy as sa

    with engine.begin() as conn:
        site_id = conn.execute(sa.text("SELECT id FROM site WHERE code = :c"), {"c": SITE}).scalar_one()
        service_id = conn.execute(sa.text("SELECT id FROM service WHERE code = :c"), {"c": SERVICE}).scalar_one()
        today = datetime.now(OFFICE_TZ).date()
        for ahead in range(56, 70):
            day = today + timedelta(days=ahead)
            times = conn.execute(sa.text(
                "SELECT count(*) FROM slot WHERE site_id = :site AND service_id = :service "
                "AND starts_at >= :start AND starts_at < :end"),
                {"site": site_id, "service": service_id, "start": _local_midnight_utc(day),
                 "end": _local_midnight_utc(day + timedelta(days=1))}).scalar_one()
            if times:
                break
        else:
            raise SystemExit("no day with times of the service in the two weeks after the window")
        # Until the driver is ready, the new day stays closed (released only at 23:59:59).
        conn.execute(sa.text("UPDATE site_booking_rules SET window_days = :w, release_time = '23:59:59' "
                             "WHERE site_id = :site"), {"w": ahead, "site": site_id})
        earlier = {"site": site_id, "service": service_id, "before": _local_midnight_utc(day)}
        booked = conn.execute(sa.text(
            "INSERT INTO booking (reference, token_hash, slot_id, status, staff_booking, surname, given_names, "
            "person_key, email, phone, language, client_address, hold_extensions, cancel_reason, notes, "
            "confirmed_at, created_at) "
            "SELECT 'PRE-' || s.id || '-' || n, md5(s.id || '-' || n), s.id, 'confirmed', n <= s.staff_reserved, "
            "'Vorher', 'Gebucht ' || s.id || '-' || n, 'gebucht ' || s.id || ' ' || n || ' vorher', '', '', 'de', "
            "'', 0, '', '', now(), now() "
            "FROM slot s CROSS JOIN LATERAL generate_series(1, s.capacity) AS n "
            "WHERE s.site_id = :site AND s.service_id = :service AND s.starts_at < :before AND s.taken = 0"),
            earlier).rowcount
        conn.execute(sa.text(
            "UPDATE slot SET taken = capacity, public_taken = capacity - staff_reserved "
            "WHERE site_id = :site AND service_id = :service AND starts_at < :before AND taken = 0"), earlier)
        shape = conn.execute(sa.text(
            "SELECT count(*), sum(capacity), sum(capacity - staff_reserved), min(capacity), min(staff_reserved) "
            "FROM slot WHERE site_id = :site AND service_id = :service AND starts_at >= :start AND starts_at < :end"),
            {"site": site_id, "service": service_id, "start": _local_midnight_utc(day),
             "end": _local_midnight_utc(day + timedelta(days=1))}).one()
    return {"site_id": site_id, "service_id": service_id, "day": day, "window_days": ahead,
            "prebooked": booked, "times": shape[0], "places": shape[1], "public_places": shape[2],
            "capacity": shape[3], "staff_reserved": shape[4]}


def set_release(engine, site_id: int, moment: datetime) -> None:
    import sqlalchemy as sa

    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE site_booking_rules SET release_time = :t WHERE site_id = :site"),
                     {"t": moment.astimezone(OFFICE_TZ).time().replace(microsecond=0), "site": site_id})


def database_check(engine, release: dict) -> dict:
    """Every slot: bookings within capacity and within the public share; the counters on the
    slot equal to the bookings that hold it."""
    import sqlalchemy as sa

    with engine.connect() as conn:  # the statuses that hold a place: ACTIVE_BOOKING_STATUSES
        rows = conn.execute(sa.text(
            "SELECT s.id, s.capacity, s.staff_reserved, s.taken, s.public_taken, "
            "count(b.id) FILTER (WHERE b.status IN ('held', 'unconfirmed', 'confirmed')), "
            "count(b.id) FILTER (WHERE b.status IN ('held', 'unconfirmed', 'confirmed') AND NOT b.staff_booking) "
            "FROM slot s LEFT JOIN booking b ON b.slot_id = s.id GROUP BY s.id")).all()
        day = conn.execute(sa.text(
            "SELECT b.status, count(*) FROM booking b JOIN slot s ON s.id = b.slot_id "
            "WHERE s.site_id = :site AND s.service_id = :service AND s.starts_at >= :start AND s.starts_at < :end "
            "GROUP BY b.status"),
            {"site": release["site_id"], "service": release["service_id"],
             "start": _local_midnight_utc(release["day"]),
             "end": _local_midnight_utc(release["day"] + timedelta(days=1))}).all()
    overbooked = [r for r in rows if r[5] > r[1] or r[3] > r[1] or r[6] > r[1] - r[2] or r[4] > r[1] - r[2]]
    mismatched = [r for r in rows if r[3] != r[5] or r[4] != r[6]]
    return {"slots": len(rows), "bookings": sum(r[5] for r in rows), "overbooked": overbooked,
            "mismatched": mismatched, "day": dict(day)}


def _fetch_challenges(ports: list[int], addresses: list[str], concurrency: int) -> list[dict]:
    def fetch(item):
        index, address = item
        connection = http.client.HTTPConnection("127.0.0.1", ports[index % len(ports)], timeout=120)
        try:
            connection.request("GET", "/de/appointments/challenge", headers={"X-Forwarded-For": address})
            response = connection.getresponse()
            body = response.read()
        finally:
            connection.close()
        if response.status != 200:
            raise SystemExit(f"challenge: {response.status} {body[:200]!r}")
        return json.loads(body)

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        return list(pool.map(fetch, enumerate(addresses)))


def _warm_up(ports: list[int], threads: int, day_before: str) -> None:
    """The app processes have served requests before the release, as a running portal has."""
    def visit(index):
        browser = Browser(ports[index % len(ports)], f"10.252.0.{index + 1}", Recorder())
        try:
            for path in (f"/de/appointments/{SERVICE}/{SITE}/", f"/de/appointments/{SERVICE}/{SITE}/{day_before}",
                         f"/tr/appointments/{SERVICE}/{SITE}/", "/de/"):
                browser.send("warm-up", "GET", path)
        finally:
            browser.close()

    with ThreadPoolExecutor(max_workers=len(ports) * threads) as pool:
        list(pool.map(visit, range(len(ports) * threads * 2)))


def _step_table(title: str, recorder: Recorder, steps: tuple[str, ...], elapsed: float | None = None) -> None:
    total = sum(len(v) for v in recorder.times.values())
    rate = f" in {elapsed:.1f} s = {total / elapsed:.0f} requests/s" if elapsed else ""
    print(f"\n{title}: {total} requests{rate}")
    print(f"{'step':18} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}  answers")
    for step in steps:
        values = recorder.times.get(step, [])
        if not values:
            print(f"{step:18} {0:6d}")
            continue
        answers = " ".join(f"{status}:{count}" for status, count in sorted(recorder.statuses[step].items()))
        print(f"{step:18} {len(values):6d} {_percentile(values, 0.50):8.1f} {_percentile(values, 0.95):8.1f} "
              f"{_percentile(values, 0.99):8.1f} {max(values) * 1000:8.1f}  {answers}")


def _cpu_seconds(pids: list[int]) -> float:
    """CPU time (user + system) used so far by these processes (Linux /proc)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def _descendants(pid: int) -> list[int]:
    """The processes this one started, and theirs (Linux /proc)."""
    try:
        children = [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []
    return [n for child in children for n in (child, *_descendants(child))]


def _cpu_by_process(pids: list[int]) -> dict[int, float]:
    return {pid: _cpu_seconds([pid]) for pid in pids}


def _cpu_used(before: dict[int, float], pids: list[int]) -> float:
    """CPU seconds these processes used since `before` (a process started since: all of its)."""
    return sum(_cpu_seconds([pid]) - before.get(pid, 0.0) for pid in pids)


def _machine_busy() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs so far, whoever used them."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


def _mails_sent(engine, maildir: Path, confirmed: int, rush_end: float, wait: float = 120) -> dict:
    """Wait until the worker has sent every confirmation of the release day (or `wait` seconds);
    how many went out, when the last one did, how many carry their PDF."""
    import sqlalchemy as sa

    from portal.notify.dev_mailbox import DevMailbox

    deadline = time.monotonic() + wait
    while True:
        with engine.connect() as conn:
            left = conn.execute(sa.text("SELECT count(*) FROM outbound_mail WHERE status = 'pending' "
                                        "AND recipient LIKE '%@rush.example'")).scalar_one()
        if not left or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    done = time.monotonic()
    box = DevMailbox(maildir)
    confirmations = [message for message in (box.message(s.key) for s in box.summaries(limit=100_000))
                     if message is not None and str(message["To"]).endswith("@rush.example")
                     and any(part.get_filename() and part.get_filename().endswith(".ics")
                             for part in message.iter_attachments())]
    with_pdf = sum(any(part.get_content_type() == "application/pdf" and part.get_content().startswith(b"%PDF-")
                       for part in message.iter_attachments()) for message in confirmations)
    return {"left": left, "after": done - rush_end, "confirmations": len(confirmations), "with_pdf": with_pdf,
            "expected": confirmed}


def _postgres_version(engine) -> str:
    import sqlalchemy as sa

    with engine.connect() as conn:
        return conn.execute(sa.text("SHOW server_version")).scalar_one().split()[0]


def conduct(args) -> int:
    import redis
    import sqlalchemy as sa

    from portal.appointments import pow as proof_of_work

    from portal.models import ACTIVE_BOOKING_STATUSES

    assert proof_of_work.FIELD == FIELD
    assert {str(s) for s in ACTIVE_BOOKING_STATUSES} == {"held", "unconfirmed", "confirmed"}  # database_check
    load_before = os.getloadavg()
    database_url, drop = throwaway_database(args.database_url, "rush")
    if not database_url.startswith("postgresql"):
        raise SystemExit("the booking rush runs on PostgreSQL (--database-url)")
    storage = tempfile.mkdtemp(prefix="portal-rush-store-")
    env = {**os.environ, "PORTAL_ENV": "development", "PORTAL_DATABASE_URL": database_url,
           "PORTAL_SECRET_KEY": SECRET_KEY, "PORTAL_STORAGE_DIR": storage, "PORTAL_ALTCHA_ENABLED": "1",
           "PORTAL_PROXY_COUNT": "1", "PORTAL_RATELIMIT_STORAGE_URL": args.redis_url,
           "PORTAL_SMTP_HOST": "127.0.0.1", "PORTAL_SMTP_PORT": "1", "FLASK_DEBUG": "0"}
    redis.Redis.from_url(args.redis_url).flushdb()  # the run's own counters, from nothing
    engine = sa.create_engine(database_url, pool_size=10, max_overflow=20)
    processes: list[subprocess.Popen] = []
    try:
        print("preparing: migrations, demo data and slots, the release day …", flush=True)
        _flask(env, "db", "upgrade")
        _flask(env, "seed-demo", "--case-files", "0")
        release = prepare_release(engine)
        day = release["day"].isoformat()

        base_port = 19000 + os.getpid() % 1000
        ports = [base_port, base_port + 1]
        logs = [Path(storage) / f"gunicorn-{n}.log" for n in range(len(ports))]
        for port, log in zip(ports, logs):
            # Without gunicorn's access log, as gunicorn.conf.py runs the portal (it logs each request itself).
            processes.append(gunicorn("wsgi:app", port, workers=1, threads=args.threads, env=env, log=log,
                                      access_log=False))
        for port, log in zip(ports, logs):
            wait_for(f"http://127.0.0.1:{port}/healthz", log, seconds=60)
        _warm_up(ports, args.threads, (release["day"] - timedelta(days=1)).isoformat())
        # The mail worker sends the outbox as in production (docs/deployment.md: at nice 10), into a
        # Maildir; it renders the confirmations' PDFs, so their CPU is spent during the rush too.
        servers = list(processes)
        maildir = Path(storage) / "maildir"
        mail_worker = subprocess.Popen(
            [shutil.which("nice") or "/usr/bin/nice", "-n", "10", sys.executable, "-m", "flask", "--app", "portal",
             "worker", "--only", "mail", "--interval", "1"], cwd=ROOT,
            env={**env, "PORTAL_DEV_MAILBOX_DIR": str(maildir)},
            stdout=(Path(storage) / "worker.log").open("w"), stderr=subprocess.STDOUT)
        processes.append(mail_worker)

        # The proof of work: fetched from each applicant's address and solved, before the release.
        print(f"proof of work for {args.applicants} applicants (+{args.retry_pool} for later tries, "
              f"+{args.shared} for the shared address), before the release …", flush=True)
        addresses = ([_address(i) for i in range(args.applicants)]
                     + [_address(i) for i in range(args.retry_pool)]
                     + [f"10.251.{i >> 8 & 255}.{i & 255}" for i in range(args.shared)])
        started = time.monotonic()
        challenges = _fetch_challenges(ports, addresses, args.concurrency)
        fetched = time.monotonic() - started
        started = time.monotonic()
        with multiprocessing.get_context("spawn").Pool(os.cpu_count() or 2) as pool:
            solved = pool.map(solve, challenges, chunksize=16)
        solving = time.monotonic() - started
        first_expiry = min(int(c["salt"].rpartition("expires=")[2].rstrip("&")) for c in challenges)
        own = solved[:args.applicants]
        retry_pool: queue.Queue = queue.Queue()
        for solution in solved[args.applicants:args.applicants + args.retry_pool]:
            retry_pool.put(solution)
        shared_solutions = solved[args.applicants + args.retry_pool:]

        # The release: the new day opens a few seconds from now; before that it offers nothing.
        moment = (datetime.now(timezone.utc) + timedelta(seconds=LEAD_SECONDS + 1)).replace(microsecond=0)
        if moment.astimezone(OFFICE_TZ).date() != datetime.now(OFFICE_TZ).date() or \
                moment.astimezone(OFFICE_TZ).time() >= datetime.strptime("23:59:00", "%H:%M:%S").time():
            raise SystemExit("too close to midnight (office time) for a release today; run again after midnight")
        set_release(engine, release["site_id"], moment)
        probe = Browser(ports[0], "10.253.0.1", Recorder())
        status, _, page = probe.send("probe", "GET", f"/de/appointments/{SERVICE}/{SITE}/{day}")
        probe.close()
        closed_before = status == 200 and not _SLOT.search(page)
        if time.time() + 60 > first_expiry:
            raise SystemExit("the solved challenges expire too soon (the preparation took too long)")
        time.sleep(max(0.0, moment.timestamp() - time.time()))

        # The rush.
        print(f"release at {moment.astimezone(OFFICE_TZ):%H:%M:%S} office time: {args.applicants} applicants, "
              f"at most {args.concurrency} at once …", flush=True)
        rush = Rush(ports, day, own, retry_pool, engine)
        def app_pids() -> list[int]:  # the gunicorn workers and their PDF renderers
            return [pid for server in servers for pid in _descendants(server.pid)]

        def worker_pids() -> list[int]:
            return [mail_worker.pid, *_descendants(mail_worker.pid)]

        cpu_before = (time.process_time(), _cpu_by_process(app_pids() + worker_pids()), _machine_busy())
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=args.concurrency) as pool:
            list(pool.map(rush.applicant, range(args.applicants)))
        rush_seconds = time.monotonic() - started
        busy_after = _machine_busy()
        cpu = {"driver": time.process_time() - cpu_before[0], "app": _cpu_used(cpu_before[1], app_pids()),
               "mail worker": _cpu_used(cpu_before[1], worker_pids()),
               "machine": (busy_after[0] - cpu_before[2][0]) / max(1, busy_after[1] - cpu_before[2][1])}
        check = database_check(engine, release)
        mails = _mails_sent(engine, maildir, check["day"].get("confirmed", 0), started + rush_seconds)

        print(f"the same address for {args.shared} applicants at once …", flush=True)
        started = time.monotonic()
        shared = shared_address_phase(ports, shared_solutions, min(args.concurrency, max(args.shared, 1)))
        shared_seconds = time.monotonic() - started
        final_check = database_check(engine, release)
        postgres = _postgres_version(engine)
        server_log_errors = sum(log.read_text(errors="replace").count("Traceback") for log in logs)
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
        engine.dispose()
        drop()

    # ---- the figures --------------------------------------------------------------------------
    recorder = rush.recorder
    print(f"\nmachine:  {platform.platform()}; {platform.machine()}; {os.cpu_count()} CPUs; "
          f"Python {platform.python_version()}; PostgreSQL {postgres}; load average "
          f"{' '.join(f'{n:.2f}' for n in load_before)} before, "
          f"{' '.join(f'{n:.2f}' for n in os.getloadavg())} after (shared machine)")
    print(f"setup:    two app processes: gunicorn on 127.0.0.1:{ports[0]} and :{ports[1]}, each 1 worker x "
          f"{args.threads} threads, no access log (PORTAL_ENV=development, FLASK_DEBUG=0), applicants "
          f"alternating between them; "
          f"PostgreSQL {postgres} (a throwaway schema); rate limits in Redis ({args.redis_url}, emptied first), "
          f"each applicant its own address (X-Forwarded-For, PORTAL_PROXY_COUNT=1); proof of work on "
          f"(ALTCHA, up to {challenges[0]['maxNumber']} hashes); the driver in the same machine: "
          f"{args.concurrency} applicants at once at most, one keep-alive connection each (http.client)")
    print(f"release:  {SERVICE} at {SITE}, {release['day']:%A %Y-%m-%d}, the newest day of a "
          f"{release['window_days']}-day window, opened at {moment.astimezone(OFFICE_TZ):%H:%M:%S} office time "
          f"for everybody at once "
          f"(before: {'no times offered, checked' if closed_before else 'TIMES OFFERED BEFORE THE RELEASE'}); "
          f"{release['times']} times x {release['capacity']} places, {release['staff_reserved']} of each kept "
          f"for the phone desk: {release['public_places']} places for applicants; every earlier day of the "
          f"window booked full beforehand ({release['prebooked']} bookings)")
    print(f"proof of work (untimed, before the release): {len(challenges)} challenges fetched in {fetched:.1f} s, "
          f"solved by the driver in {solving:.1f} s ({os.cpu_count()} processes); the timed part below measures "
          f"the server only")
    _step_table(f"rush ({args.applicants} applicants, from the release moment to the last answer "
                f"{rush_seconds:.1f} s)", recorder, STEPS, rush_seconds)
    print(f"CPU during the rush ({rush_seconds:.1f} s wall, {os.cpu_count()} CPUs): the two app processes "
          f"{cpu['app']:.1f} s (with their PDF renderers), the mail worker {cpu['mail worker']:.1f} s (nice 10, with "
          f"its PDF renderer), the driver {cpu['driver']:.1f} s (its {args.concurrency} threads, outbox reads "
          f"included), PostgreSQL and others the rest; all CPUs of the machine busy {cpu['machine']:.0%} of the time")
    print(f"mail:     the worker sent {mails['confirmations']} confirmations ({mails['with_pdf']} with their PDF) for "
          f"{mails['expected']} confirmed bookings, the last {mails['after']:.1f} s after the rush's last answer; "
          f"{mails['left']} of the rush's mails still pending")
    print("\napplicants:")
    for what, count in sorted(rush.outcomes.items(), key=lambda item: -item[1]):
        print(f"  {count:6d}  {what}")
    got = rush.outcomes.get("got a time (confirmed with the link in the mail)", 0)
    gone = sum(count for what, count in rush.outcomes.items() if what.startswith("told the times are gone"))
    print(f"  got a time: {got}; told the times are gone: {gone}; later tries with a fresh check: "
          f"{args.retry_pool - retry_pool.qsize()}; keep-alive connections reopened: {recorder.reopened}")
    for label, result in (("after the rush", check), ("at the end", final_check)):
        states = ", ".join(f"{status} {count}" for status, count in sorted(result["day"].items()))
        print(f"database check {label}: {result['slots']} slots, {result['bookings']} bookings holding them; "
              f"overbooked slots: {len(result['overbooked'])}; slots whose taken/public_taken differ from their "
              f"bookings: {len(result['mismatched'])}; the release day's bookings: {states or 'none'}")
        for row in (result["overbooked"] + result["mismatched"])[:10]:
            print(f"  slot {row[0]}: capacity {row[1]}, staff share {row[2]}, taken {row[3]}, public_taken {row[4]}, "
                  f"bookings {row[5]}, public bookings {row[6]}")
    confirmed = check["day"].get("confirmed", 0)
    print(f"  confirmed bookings on the release day {confirmed}, applicants who got a time {got}: "
          f"{'equal' if confirmed == got else 'DIFFERENT'}")

    _step_table(f"one address ({SHARED_ADDRESS}) for {args.shared} applicants at once, limits on, booking "
                f"{SHARED_SERVICE} at {SITE} ({shared_seconds:.1f} s)", shared, SHARED_STEPS)
    for step in SHARED_STEPS:
        statuses = shared.statuses.get(step, Counter())
        refused = statuses.get(429, 0)
        print(f"  {step:18} answered {sum(statuses.values()) - refused:4d}, refused with 429: {refused:4d}")

    failures = recorder.server_errors + recorder.connection_errors + recorder.unexpected + \
        shared.server_errors + shared.connection_errors
    for failure in failures[:20]:
        print(f"  FAILED {failure}")
    if server_log_errors:
        print(f"  the app processes logged {server_log_errors} tracebacks")

    def verdict(ok: bool) -> str:
        return "met" if ok else "NOT met"

    overbooked = len(check["overbooked"]) + len(final_check["overbooked"])
    mismatched = len(check["mismatched"]) + len(final_check["mismatched"])
    server_errors = len(recorder.server_errors) + len(shared.server_errors)
    connection_errors = len(recorder.connection_errors) + len(shared.connection_errors)
    print("\ntargets:")
    print(f"  no overbooking (database check): {overbooked} overbooked, {mismatched} miscounted slots: "
          f"{verdict(overbooked == 0 and mismatched == 0)}")
    print(f"  no server error: {server_errors} answers 5xx: {verdict(server_errors == 0)}")
    print(f"  no connection error: {connection_errors}: {verdict(connection_errors == 0)}")
    for step in ("calendar (month)", "calendar (day)", "hold"):
        values = recorder.times.get(step, [])
        p95 = _percentile(values, 0.95) / 1000 if values else float("nan")
        print(f"  p95 of {step} <= {TARGET_P95_S:.0f} s: {p95 * 1000:.0f} ms: {verdict(p95 <= TARGET_P95_S)}")
    mails_whole = mails["confirmations"] == mails["with_pdf"] == confirmed and not mails["left"]
    print(f"  every confirmation mail sent with its PDF: {mails['with_pdf']} of {confirmed}: {verdict(mails_whole)}")
    if recorder.unexpected:
        print(f"  unexpected answers: {len(recorder.unexpected)} (see FAILED above)")
    print(f"load average {os.getloadavg()[0]:.2f} at the end")
    failed = overbooked or mismatched or server_errors or connection_errors or recorder.unexpected or \
        not closed_before or confirmed != got or not mails_whole
    return 1 if failed else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--applicants", type=int, default=2000, help="applicants in the rush (default 2000)")
    parser.add_argument("--concurrency", type=int, default=200, help="applicants at once at most (default 200)")
    parser.add_argument("--shared", type=int, default=100,
                        help="applicants behind one address in the second phase (default 100)")
    parser.add_argument("--retry-pool", type=int, default=None,
                        help="solutions kept for second and third tries (default: the concurrency)")
    parser.add_argument("--threads", type=int, default=4, help="threads of each app process (default 4)")
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/5",
                        help="rate limits, as on several nodes; this database is emptied first (default …/5)")
    args = parser.parse_args()
    if args.retry_pool is None:
        args.retry_pool = args.concurrency
    return conduct(args)


if __name__ == "__main__":
    sys.exit(main())
