"""Public pages against the ceiling: the pages an anonymous applicant opens first, each driven by
wrk (a load generator in C, so the driver takes little of the two CPUs) against the portal under
gunicorn, and the bare Flask endpoint under the same gunicorn settings in the same run.

    .venv/bin/python benchmarks/public_pages.py [--database-url postgresql://…] [--seconds 10]

Needs wrk (`apt-get install wrk`). Target (issue 22): every page at least 0.3 of the bare
endpoint's requests per second. Also prints what the first byte of each page costs to send
(compressed size) and the stylesheet's caching headers. The demo data (`flask seed-demo`) gives
the content; Redis holds the rate limits and the shared page cache, as on several nodes.
"""
from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.servers import gunicorn, wait_for  # noqa: E402
from benchmarks.throwaway_database import throwaway_database  # noqa: E402

TARGET = 0.3
PAGES = {
    "start page": "/de/",
    "service list": "/uk/services/",
    "service page": "/ar/services/permit-extension/",
    "content page": "/de/pages/{slug}",
    "appointment entry": "/tr/appointments/",
    "month calendar": "/fa/appointments/card-collection/WZ/",
}


def _wrk(url: str, args) -> tuple[float, float, float, int]:
    """Requests per second, p50 and p99 latency (ms), and the count of non-2xx/3xx answers."""
    out = subprocess.run([shutil.which("wrk"), "-t", "2", "-c", str(args.connections), "-d", f"{args.seconds}s", "--latency",
                          "-H", "Accept-Encoding: gzip, br", url],
                         capture_output=True, text=True, timeout=args.seconds + 60, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    percentiles = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+\w+)", out, re.M))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    failed = (int(bad.group(1)) if bad else 0) + (sum(map(int, errors.groups())) if errors else 0)
    return rate, _ms(percentiles["50"]), _ms(percentiles["99"]), failed


def _ms(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(\w+)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000}[unit]


def _content_slug(env: dict) -> str:
    code = ("from portal import create_app\nfrom portal.content import reading\nfrom portal.extensions import db\n"
            "from portal.public.pages import now\n"
            "app = create_app()\nwith app.app_context():\n"
            "    print(reading.menu(db.session, 'de', now())[0].item.slug)\n")
    found = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    if found.returncode:
        raise SystemExit(found.stderr[-2000:])
    return found.stdout.strip().splitlines()[-1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/4",
                        help="rate limits and page cache; this database is emptied first (default …/4)")
    parser.add_argument("--seconds", type=int, default=10, help="length of each page's run (default 10)")
    parser.add_argument("--connections", type=int, default=16, help="open connections (default 16)")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")

    database_url, drop = throwaway_database(args.database_url, "pages")
    storage = tempfile.mkdtemp(prefix="portal-pages-store-")
    env = {**os.environ, "PORTAL_ENV": "development", "PORTAL_DATABASE_URL": database_url,
           "PORTAL_SECRET_KEY": "p" * 48, "PORTAL_STORAGE_DIR": storage, "PORTAL_RATELIMIT_STORAGE_URL": args.redis_url,
           "PORTAL_PAGE_CACHE_URL": args.redis_url,
           "PORTAL_SMTP_HOST": "127.0.0.1", "PORTAL_SMTP_PORT": "1", "FLASK_DEBUG": "0"}
    import redis

    redis.Redis.from_url(args.redis_url).flushdb()
    processes = []
    results = {}
    try:
        for step in (["db", "upgrade"], ["seed-demo", "--case-files", "200"]):
            done = subprocess.run([sys.executable, "-m", "flask", "--app", "portal", *step], cwd=ROOT, env=env,
                                  capture_output=True, text=True, timeout=900)
            if done.returncode:
                raise SystemExit(done.stderr[-3000:])
        pages = {name: path.format(slug=_content_slug(env)) if "{slug}" in path else path
                 for name, path in PAGES.items()}
        port = 19000 + os.getpid() % 500
        log = Path(storage) / "gunicorn.log"
        processes.append(gunicorn("wsgi:app", port, workers=args.workers, threads=args.threads, env=env, log=log,
                                   access_log=False))
        wait_for(f"http://127.0.0.1:{port}/healthz", log)
        bare_log = Path(storage) / "bare.log"
        processes.append(gunicorn("benchmarks.bare_app:app", port + 1, workers=args.workers, threads=args.threads,
                                   env=env, log=bare_log, access_log=False))
        wait_for(f"http://127.0.0.1:{port + 1}/ping", bare_log)

        sizes = {}
        for name, path in pages.items():
            request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Accept-Encoding": "gzip"})
            with urllib.request.urlopen(request) as answer:  # noqa: S310 - our own server
                sizes[name] = (len(answer.read()), answer.headers.get("Content-Encoding") or "none")
        stylesheet = re.search(r'href="([^"]*kern[^"]*\.css)"',
                               urllib.request.urlopen(f"http://127.0.0.1:{port}/de/").read().decode()).group(1)  # noqa: S310
        with urllib.request.urlopen(urllib.request.Request(  # noqa: S310
                f"http://127.0.0.1:{port}{stylesheet}", headers={"Accept-Encoding": "br, gzip"})) as answer:
            css = (stylesheet, len(answer.read()), answer.headers.get("Content-Encoding") or "none",
                   answer.headers.get("Cache-Control") or "-")

        # Every worker makes each page once, and the connections are warm, before anything counts.
        warm_up = argparse.Namespace(**{**vars(args), "seconds": 2})
        for path in pages.values():
            _wrk(f"http://127.0.0.1:{port}{path}", warm_up)
        _wrk(f"http://127.0.0.1:{port + 1}/ping", warm_up)
        # Bare endpoint before and after the pages: the machine's pace can change during a run.
        results["bare (before)"] = _wrk(f"http://127.0.0.1:{port + 1}/ping", args)
        for name, path in pages.items():
            results[name] = _wrk(f"http://127.0.0.1:{port}{path}", args)
        # The portal's own floor: its health check passes the same request hooks and renders nothing.
        results["portal /healthz"] = _wrk(f"http://127.0.0.1:{port}/healthz", args)
        results["bare (after)"] = _wrk(f"http://127.0.0.1:{port + 1}/ping", args)
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
            process.wait(30)
        drop()
        shutil.rmtree(storage, ignore_errors=True)

    ceiling = (results["bare (before)"][0] + results["bare (after)"][0]) / 2
    print(f"machine:  {platform.platform()}; {os.cpu_count()} CPUs; Python {platform.python_version()}; "
          f"load {' '.join(f'{n:.2f}' for n in os.getloadavg())}")
    print(f"setup:    gunicorn {args.workers} workers x {args.threads} threads on PostgreSQL, wrk 2 threads x "
          f"{args.connections} connections, {args.seconds} s per page, anonymous, Accept-Encoding gzip, br")
    print(f"{'page':<20}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'failed':>8}{'ratio':>8}  sent")
    worst = None
    for name, (rate, p50, p99, failed) in results.items():
        ratio = rate / ceiling
        sent = f"{sizes[name][0] / 1024:.1f} KB {sizes[name][1]}" if name in sizes else ""
        print(f"{name:<20}{rate:>9.1f}{p50:>9.2f}{p99:>9.2f}{failed:>8}{ratio:>8.2f}  {sent}")
        if name in sizes and (worst is None or ratio < worst[1]):
            worst = (name, ratio)
    print(f"stylesheet {css[0]}: {css[1] / 1024:.0f} KB sent ({css[2]}), Cache-Control: {css[3]}")
    print(f"target: every page >= {TARGET} of the bare endpoint: "
          f"{'met' if worst[1] >= TARGET else 'NOT met'} (lowest {worst[0]} {worst[1]:.2f})")
    failures = sum(r[3] for r in results.values())
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
