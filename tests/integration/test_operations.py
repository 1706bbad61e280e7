"""What the operator sees: /healthz and /readyz (JSON, no personal data), /metrics (only for the
configured addresses or the token; the queue, the outbox, the mailbox and clamd from the
database and the servers), and the logs: JSON lines with a request id that the worker's lines
about that request's mail carry too, and without the applicant's name, address or text."""
from __future__ import annotations

import io
import json
import logging
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.models import JobRun, OutboundMail
from portal.models._types import utcnow
from tests.support import samples
from tests.support.app_factory import app_for, override_settings
from tests.support.helpers import Applicant


# -- health ---------------------------------------------------------------------------------------

def test_healthz_answers_without_the_database(test_environ, tmp_path):
    broken = app_for({**test_environ, "PORTAL_DATABASE_URL": f"sqlite:///{tmp_path}/missing/dir/portal.sqlite3"})
    client = broken.test_client()
    health = client.get("/healthz")
    assert (health.status_code, health.get_json()) == (200, {"status": "ok"})
    ready = client.get("/readyz")
    body = ready.get_json()
    assert ready.status_code == 503 and body["status"] == "not ready"
    assert body["checks"]["database"]["ok"] is False and body["checks"]["storage"]["ok"] is True


def test_readyz_checks_the_database_schema_and_the_storage(app, client, test_environ, tmp_path):
    ready = client.get("/readyz")
    body = ready.get_json()
    assert ready.status_code == 200 and body["status"] == "ready", body
    assert set(body["checks"]) == {"database", "storage"}
    assert re.fullmatch(r"schema at revision \w+", body["checks"]["database"]["detail"])
    assert ready.headers["Cache-Control"] == "no-store"

    unmigrated = app_for({**test_environ, "PORTAL_DATABASE_URL": f"sqlite:///{tmp_path}/empty.sqlite3"})
    body = unmigrated.test_client().get("/readyz").get_json()
    assert body["status"] == "not ready" and "flask db upgrade" in body["checks"]["database"]["detail"]

    not_a_directory = tmp_path / "storage-is-a-file"
    not_a_directory.write_text("")
    readonly = app_for({**test_environ, "PORTAL_STORAGE_DIR": str(not_a_directory)})
    response = readonly.test_client().get("/readyz")
    assert response.status_code == 503 and response.get_json()["checks"]["storage"]["ok"] is False


def test_readyz_optional_checks_clamd_smtp_and_the_mailbox(app, client, db_session, monkeypatch, smtp,
                                                          running_clamd, tmp_path):
    from portal.observability import health

    smtp.start()
    monkeypatch.setattr(health, "_remembered", {})
    override_settings(monkeypatch, app, monitoring={"ready_checks": frozenset({"clamd", "smtp", "mailbox"}),
                                                    "mailbox_max_minutes": 10},
                      imap={"host": "imap.abh-test.example", "user": "posteingang@abh-test.example"},
                      virus_scan={"address": running_clamd.address})
    db_session.add(JobRun(name="imap", last_run_at=utcnow(), ok=True, last_ok_at=utcnow() - timedelta(minutes=2),
                          report="1 processed, 0 duplicates, 0 quarantined"))
    db_session.commit()
    body = client.get("/readyz").get_json()
    assert body["status"] == "ready", body
    assert "ClamAV" in body["checks"]["clamd"]["detail"] and body["checks"]["smtp"]["ok"]
    assert body["checks"]["mailbox"]["detail"].startswith("polled")

    run = db_session.get(JobRun, "imap")
    run.last_ok_at = utcnow() - timedelta(minutes=25)
    db_session.commit()
    monkeypatch.setattr(health, "_remembered", {})
    override_settings(monkeypatch, app, virus_scan={"address": str(tmp_path / "gone.sock")})
    response = client.get("/readyz")
    body = response.get_json()
    assert response.status_code == 503
    assert body["checks"]["mailbox"] == {**body["checks"]["mailbox"], "ok": False}
    assert "25 minutes ago" in body["checks"]["mailbox"]["detail"]
    assert body["checks"]["clamd"]["ok"] is False and body["checks"]["smtp"]["ok"] is True
    assert "@" not in response.get_data(as_text=True), "no addresses (the mailbox user) in the answer"


# -- metrics --------------------------------------------------------------------------------------

def _metric(text: str, name: str, **labels) -> float | None:
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        metric, _, value = line.rpartition(" ")
        metric_name, _, rest = metric.partition("{")
        if metric_name != name:
            continue
        found = ",".join(sorted(part for part in rest.rstrip("}").split(",") if part))
        if found == wanted:
            return float(value)
    return None


def test_metrics_only_for_the_configured_addresses_or_the_token(app, client, monkeypatch):
    outside = {"REMOTE_ADDR": "203.0.113.9"}
    assert client.get("/metrics").status_code == 200  # 127.0.0.1 is allowed by default
    assert client.get("/metrics", environ_base=outside).status_code == 404
    token = "t" * 32
    override_settings(monkeypatch, app, monitoring={"metrics_token": token,
                                                    "metrics_networks": ("10.20.0.0/16",)})
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.20.3.4"}).status_code == 200
    assert client.get("/metrics", environ_base=outside,
                      headers={"Authorization": "Bearer " + "x" * 32}).status_code == 404
    answer = client.get("/metrics", environ_base=outside, headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200 and answer.mimetype == "text/plain"


def test_metrics_show_the_queue_outbox_requests_jobs_and_clamd(app, client, db_session, make_submission,
                                                              monkeypatch, running_clamd):
    from portal.jobs import JOBS, run_round

    override_settings(monkeypatch, app, virus_scan={"address": running_clamd.address})
    make_submission()
    make_submission(surname="Коваленко", given_names="Марія")
    before = _metric(client.get("/metrics").get_data(as_text=True), "portal_http_requests_total",
                     endpoint="public.index", method="GET", status="200") or 0
    for _ in range(3):
        assert client.get("/de/").status_code == 200
    with app.app_context():
        run_round(tuple(job for job in JOBS if job.name == "holds"))
    text = client.get("/metrics").get_data(as_text=True)
    assert _metric(text, "portal_http_requests_total", endpoint="public.index", method="GET", status="200") \
        == before + 3
    assert _metric(text, "portal_http_request_duration_seconds_count", endpoint="public.index") >= 3
    assert _metric(text, "portal_queue_open_submissions", site="WZ") == 2
    assert _metric(text, "portal_queue_open_submissions", site="DIL") == 0
    assert _metric(text, "portal_queue_oldest_age_seconds", site="WZ") >= 0
    assert _metric(text, "portal_outbox_pending") == 0 and _metric(text, "portal_outbox_failed") == 0
    assert _metric(text, "portal_inbound_mails_stored", status="quarantined") == 0
    assert _metric(text, "portal_worker_job_ok", job="holds") == 1
    assert _metric(text, "portal_clamd_up") == 1
    assert "Шевченко" not in text and "@" not in text


# -- logs -----------------------------------------------------------------------------------------

@pytest.fixture
def json_log():
    """The production log handler (JSON lines) on the root logger, at production's level."""
    from portal.observability.logs import handler_for

    stream = io.StringIO()
    handler = handler_for("json", stream)
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield stream
    root.removeHandler(handler)
    root.setLevel(old_level)


def test_logs_carry_the_request_id_into_the_worker_and_no_personal_data(app, client, db_session, sites, smtp,
                                                                         json_log, caplog):
    from portal.jobs import JOBS, run_round

    caplog.set_level(logging.INFO)
    smtp.start()
    applicant = Applicant(client, "ar")
    steps = samples.STEPS["general-enquiry"]
    response = applicant.apply("general-enquiry", steps, samples.FILES["general-enquiry"])
    assert response.status_code == 302
    request_id = response.headers["X-Request-ID"]
    mail = db_session.scalars(select(OutboundMail)).one()
    assert mail.request_id == request_id
    with app.app_context():
        results = run_round(tuple(job for job in JOBS if job.name == "mail"))
    assert results[0][2] and len(smtp.handler.messages) == 1

    lines = [json.loads(line) for line in json_log.getvalue().splitlines()]
    assert lines and all({"time", "level", "logger", "message", "request_id"} <= set(line) for line in lines)
    submit = [line for line in lines if line["logger"] == "portal.request" and "/submit" in line["message"]]
    assert submit and submit[0]["request_id"] == request_id and submit[0]["status"] == 302
    sent = [line for line in lines if line["message"] == f"outbound mail {mail.id} sent"]
    assert sent and sent[0]["request_id"] == request_id, "the worker's line names the request that wrote the mail"

    # Everything the portal logged (the test's own mail server, aiosmtpd's "mail.log", is not the portal).
    everything = json_log.getvalue() + "\n".join(r.getMessage() for r in caplog.records if r.name != "mail.log")
    personal = [steps["identity"]["surname"], steps["identity"]["given_names"], steps["contact"]["email"],
                steps["enquiry"]["message"].splitlines()[0], "Fiktionsbescheinigung"]
    assert [value for value in personal if value in everything] == []
    assert "@" not in json_log.getvalue()


def test_an_address_that_reaches_a_log_line_is_taken_out(json_log):
    logging.getLogger("portal.test").warning("delivery to %s failed: 550 <%s> unknown", "Олена <o.k@example.org>",
                                             "m.alhassan@example.org")
    line = json.loads(json_log.getvalue().splitlines()[-1])
    assert "@" not in line["message"] and line["message"].count("[e-mail address]") == 2


def test_the_worker_runs_chosen_jobs_and_notes_each_round(app, db_session):
    runner = app.test_cli_runner()
    poller = runner.invoke(args=["worker", "--once", "--only", "imap,scan-retry"])
    assert poller.exit_code == 0, poller.output
    assert [line.split(":")[0] for line in poller.output.splitlines()] == ["imap", "scan-retry"]
    rest = runner.invoke(args=["worker", "--once", "--skip", "imap"])
    assert rest.exit_code == 0 and "imap:" not in rest.output and "mail:" in rest.output
    assert "unknown jobs pop3" in runner.invoke(args=["worker", "--once", "--only", "pop3"]).output
    runs = {run.name: run for run in db_session.scalars(select(JobRun))}
    assert {"imap", "scan-retry", "mail", "holds"} <= set(runs) and all(run.ok for run in runs.values())
    assert runs["imap"].report.startswith("no IMAP mailbox configured")
