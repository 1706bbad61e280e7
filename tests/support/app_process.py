"""A portal app in a process of its own (own interpreter, own connection pool), as on a node of
a real installation: for the multi-process race tests and the fault tests that kill it."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.support.helpers import TEST_SECRET_KEY

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class AppProcess:
    def __init__(self, environ: dict, log_path: Path, port: int | None = None):
        self.environ = {**os.environ, **environ, "PORTAL_SECRET_KEY": TEST_SECRET_KEY,
                        "PORTAL_ALTCHA_ENABLED": "0", "PORTAL_RATELIMIT_ENABLED": "0", "FLASK_APP": "portal"}
        self.log_path = log_path
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self) -> AppProcess:
        log = self.log_path.open("a")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "flask", "run", "--host", "127.0.0.1", "--port", str(self.port), "--no-reload",
             "--with-threads"], cwd=ROOT, env=self.environ, stdout=log, stderr=subprocess.STDOUT)
        for _ in range(150):
            try:
                urllib.request.urlopen(f"{self.url}/healthz", timeout=2)  # noqa: S310 - our own server
                return self
            except OSError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.1)
        raise RuntimeError(f"{self.url} did not start: {self.log_path.read_text()[-3000:]}")

    def kill(self) -> None:
        """SIGKILL: no clean-up, no finished requests, no rollback by the app."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()
