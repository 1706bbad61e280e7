"""`flask --app portal doctor` checks a configuration before start and says, in plain words,
what is wrong: run as an operator runs it, in a process of its own with the environment only."""
from __future__ import annotations

import os
import subprocess
import sys

from tests.support.app_process import ROOT
from tests.support.smtp_server import SmtpServer


def _doctor(environ: dict) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PORTAL_")}
    return subprocess.run([sys.executable, "-m", "flask", "--app", "portal", "doctor"], cwd=ROOT,
                          env={**env, **environ}, capture_output=True, text=True, timeout=120)


def _lines(result) -> dict[str, list[str]]:
    found = {}
    for line in result.stdout.splitlines():
        parts = line.split(None, 2)
        if len(parts) == 3 and parts[0] in {"ok", "WARN", "FAIL"}:
            found.setdefault(parts[1], []).append(f"{parts[0]} {parts[2]}")
    return found


def test_a_good_configuration_is_ready(app, test_environ, running_clamd):
    server = SmtpServer()
    server.start()
    try:
        result = _doctor({**test_environ, "PORTAL_CLAMD_ADDRESS": running_clamd.address,
                          "PORTAL_SMTP_HOST": "127.0.0.1", "PORTAL_SMTP_PORT": str(server.port)})
    finally:
        server.stop()
    found = _lines(result)
    assert result.returncode == 0, result.stdout + result.stderr
    for check in ("settings", "database", "storage", "fonts", "assets", "translations", "smtp", "mailbox"):
        assert found[check][0].startswith("ok "), (check, found[check])
    assert "(current)" in found["database"][0]
    # The tests' clamd has no official signatures: the operator is sent to freshclam.
    assert found["clamd"][0].startswith("WARN") and "freshclam" in found["clamd"][0]
    assert found["worker"][0].startswith("WARN") and "flask --app portal worker" in found["worker"][0]


def test_wrong_settings_are_named_without_a_traceback(tmp_path):
    result = _doctor({"PORTAL_ENV": "production", "PORTAL_SECRET_KEY": "short"})
    assert result.returncode == 1
    assert _lines(result)["settings"][0].startswith("FAIL PORTAL_SECRET_KEY must be set")
    assert "Traceback" not in result.stdout + result.stderr


def test_what_is_missing_around_the_portal_is_named(test_environ, tmp_path):
    not_a_directory = tmp_path / "storage"
    not_a_directory.write_text("a file where the storage should be")
    result = _doctor({**test_environ, "PORTAL_DATABASE_URL": f"sqlite:///{tmp_path}/new.sqlite3",
                      "PORTAL_STORAGE_DIR": str(not_a_directory), "PORTAL_CLAMD_ADDRESS": str(tmp_path / "no.sock"),
                      "PORTAL_CLAMD_UNAVAILABLE": "refuse", "PORTAL_SMTP_HOST": "127.0.0.1", "PORTAL_SMTP_PORT": "1"})
    found = _lines(result)
    assert result.returncode == 1
    assert found["database"][0].startswith("FAIL") and "flask --app portal db upgrade" in found["database"][0]
    assert found["storage"][0].startswith("FAIL") and "cannot write" in found["storage"][0]
    assert found["clamd"][0].startswith("FAIL") and "uploads are refused" in found["clamd"][0]
    assert found["smtp"][0].startswith("WARN") and "outbox" in found["smtp"][0]
    assert "to fix" in result.stdout
