"""Servers the benchmarks start: gunicorn in a process of its own, and waiting until it answers."""
from __future__ import annotations

import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def gunicorn(target: str, port: int, *, workers: int, threads: int, env: dict, log: Path,
             access_log: bool = True) -> subprocess.Popen:
    """`target` ("wsgi:app") on 127.0.0.1:`port`; its output, and the access log if wanted, in `log`."""
    command = [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--threads", str(threads),
               "--bind", f"127.0.0.1:{port}", "--log-level", "warning", target]
    if access_log:
        command[-1:-1] = ["--access-logfile", "-"]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)


def wait_for(url: str, log: Path, seconds: float = 30) -> None:
    """Until `url` answers; the server's log in the message if it does not."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)  # noqa: S310 - our own server on 127.0.0.1
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"{url} did not come up:\n{log.read_text()[-3000:]}")
