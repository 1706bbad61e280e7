"""Metrics are right across several gunicorn workers: with PROMETHEUS_MULTIPROC_DIR (and the
hooks of gunicorn.conf.py) every scrape shows the requests of all workers, whichever worker
answers it."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from tests.support.app_process import ROOT, free_port
from tests.support.helpers import TEST_SECRET_KEY


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - our own server
        return response.read().decode()


def test_request_counts_add_up_across_workers(app, test_environ, tmp_path):
    metrics_dir = tmp_path / "metrics"
    port = free_port()
    env = {**os.environ, **test_environ, "PORTAL_SECRET_KEY": TEST_SECRET_KEY, "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
           "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": "2", "PORTAL_LOG_FORMAT": "json"}
    log = (tmp_path / "gunicorn.log").open("w")
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"], cwd=ROOT,
                              env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                _get(f"{base}/healthz")
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, (tmp_path / "gunicorn.log").read_text()
                time.sleep(0.2)
        sent = 1
        # In parallel, each on a connection of its own, until both workers (the second may still
        # be starting) have answered some.
        deadline = time.monotonic() + 60
        with ThreadPoolExecutor(8) as pool:
            while time.monotonic() < deadline:
                list(pool.map(_get, [f"{base}/healthz"] * 40))
                sent += 40
                pids = {re.search(r"_(\d+)\.db$", p.name).group(1) for p in metrics_dir.glob("counter_*.db")}
                if len(pids) == 2:
                    break
                time.sleep(0.5)
        assert len(pids) == 2, "both workers answered requests (and wrote their counts)"
        for _ in range(6):
            text = _get(f"{base}/metrics")
            line = re.search(r'^portal_http_requests_total\{endpoint="health.healthz",method="GET",status="200"\} '
                             r"(\S+)$", text, re.M)
            assert line and float(line.group(1)) == float(sent), line
        assert '"logger": "portal.request"' not in (tmp_path / "gunicorn.log").read_text(), \
            "health checks are counted, not logged"
    finally:
        server.terminate()
        server.wait(20)
        log.close()
