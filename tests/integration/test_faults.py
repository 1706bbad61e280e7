"""Faults: the app process killed (SIGKILL) while applicants submit forms with uploads, the
database unreachable for a while, and the queue claim across two app processes. Afterwards there
is no half submission, no row without its file, no lost mail, and `flask check` finds nothing."""
from __future__ import annotations

from datetime import timedelta

import random
import threading
import time

import pytest
import requests
from sqlalchemy import func, select

from portal.config import settings_of
from portal.documents.storage import DocumentStorage
from portal.maintenance.check import check
from portal.models import Document, OutboundMail, OutboundMailStatus, Submission, SubmissionStatusChange
from tests.support import samples
from tests.support.app_process import AppProcess
from tests.support.helpers import Applicant, csrf_token_from, in_parallel, sign_in
from tests.support.http_client import HttpClient
from tests.support.tcp_proxy import TcpProxy

CODE = "general-enquiry"


def _apply_until_stopped(url: str, stop: threading.Event, lang: str, got_through: threading.Event) -> int:
    done = 0
    while not stop.is_set():
        try:
            response = Applicant(HttpClient(url), lang).apply(CODE, samples.STEPS[CODE], samples.FILES[CODE])
            if response.status_code == 302:
                done += 1
                got_through.set()
        except (requests.RequestException, AssertionError):
            return done  # the server died under us
    return done


def _assert_whole(db_session, storage: DocumentStorage) -> int:
    """Every submission complete, every referenced file present, nothing inconsistent."""
    db_session.expire_all()
    submissions = db_session.scalars(select(Submission)).all()
    for submission in submissions:
        documents = db_session.scalars(select(Document).where(Document.submission_id == submission.id)).all()
        assert documents, f"{submission.reference} has no documents"
        # The receipt is stored with the submission (as HTML; its PDF is made after the response,
        # by the worker when the process died first).
        assert submission.receipt_html_sha256 and storage.exists(submission.receipt_html_sha256), \
            submission.reference
        assert all(storage.exists(d.sha256) for d in documents), submission.reference
        assert db_session.scalar(select(func.count()).select_from(SubmissionStatusChange)
                                 .where(SubmissionStatusChange.submission_id == submission.id)) == 1
        # The confirmation mail was queued with the submission, in the same transaction.
        assert db_session.scalar(select(func.count()).select_from(OutboundMail)
                                 .where(OutboundMail.submission_id == submission.id)) == 1
    report, _ = check(db_session, storage)  # young orphans (files of killed requests) are not errors
    assert report.ok, report.as_dict()
    # What a killed process left half done, the worker's job finishes: every receipt made.
    from portal.intake.receipts import finish_pending_receipts
    finish_pending_receipts(db_session, storage, older_than=timedelta(0))
    db_session.expire_all()
    for submission in db_session.scalars(select(Submission)).all():
        assert submission.receipt_sha256 and storage.exists(submission.receipt_sha256), submission.reference
    return len(submissions)


def test_killing_the_app_mid_submission_leaves_no_half_submission(app, db_session, sites, test_environ, tmp_path):
    # A storage of its own: the session-wide one holds other tests' files, which would look like orphans.
    environ = {**test_environ, "PORTAL_STORAGE_DIR": str(tmp_path / "storage")}
    storage = DocumentStorage(environ["PORTAL_STORAGE_DIR"])
    portal = AppProcess(environ, tmp_path / "app.log")
    rng = random.Random(7)
    completed = 0
    try:
        for round_ in range(3):
            portal.start()
            stop, got_through = threading.Event(), threading.Event()
            results = []
            workers = [threading.Thread(target=lambda lang=lang: results.append(
                _apply_until_stopped(portal.url, stop, lang, got_through))) for lang in ("uk", "ar", "de", "fa")]
            for worker in workers:
                worker.start()
            # Once one application is through (how long that takes depends on the machine's load),
            # the others are somewhere in the middle of theirs: the kill lands there.
            got_through.wait(60)
            time.sleep(rng.random() * 1.5)
            portal.kill()
            stop.set()
            for worker in workers:
                worker.join(60)
            completed += sum(results)
            assert _assert_whole(db_session, storage) >= completed
        # After the last kill the portal comes back and takes applications as before.
        portal.start()
        response = Applicant(HttpClient(portal.url), "uk").apply(CODE, samples.STEPS[CODE], samples.FILES[CODE])
        assert response.status_code == 302 and response.headers["Location"].endswith(f"/apply/{CODE}/done")
        assert _assert_whole(db_session, storage) >= completed + 1
    finally:
        portal.stop()
    assert completed > 0, "no application got through before the kills; the test proved nothing"


@pytest.fixture
def database_behind_a_proxy(test_environ):
    url = test_environ["PORTAL_DATABASE_URL"]
    if not url.startswith("postgresql"):
        pytest.skip("a database server to cut off: PostgreSQL (SQLite lives in the app process)")
    proxy = TcpProxy("127.0.0.1", 5432)
    proxy.start()
    host_port = url.split("@", 1)[1].split("/", 1)[0]
    yield proxy, {**test_environ, "PORTAL_DATABASE_URL": url.replace(host_port, f"127.0.0.1:{proxy.port}", 1)}
    proxy.stop()


def test_a_database_outage_is_refused_cleanly_and_passes(app, db_session, sites, smtp, database_behind_a_proxy,
                                                         tmp_path):
    from portal.notify.outbox import enqueue_mail

    proxy, environ = database_behind_a_proxy
    environ = {**environ, "PORTAL_SMTP_HOST": "127.0.0.1", "PORTAL_SMTP_PORT": str(smtp.port),
               "PORTAL_SMTP_SECURITY": "none", "PORTAL_MAIL_FROM": settings_of(app).office.mail_from}
    enqueue_mail(db_session, recipient="o.shevchenko@example.org", subject="Ваша заявка", body_text="…",
                 language="uk")
    db_session.commit()
    portal = AppProcess(environ, tmp_path / "app.log").start()
    try:
        applicant = HttpClient(portal.url)
        assert applicant.get("/de/services/").status_code == 200
        page = applicant.get(f"/uk/services/{CODE}/")
        token = csrf_token_from(page.get_data(as_text=True))

        proxy.stop()
        down = applicant.get("/de/contact")
        assert down.status_code == 503 and "vorübergehend nicht erreichbar" in down.get_data(as_text=True)
        # What every visitor sees alike is still there, from the page cache (portal/public/page_cache.py).
        assert applicant.get("/de/services/").status_code == 200
        assert down.headers["Retry-After"]
        started = applicant.post(f"/uk/services/{CODE}/start", data={"csrf_token": token})
        assert started.status_code == 503
        worker = _worker_round(environ, tmp_path)
        assert worker.returncode != 0  # the round reports the failure; the mail stays queued
        proxy.start()

        assert applicant.get("/de/contact").status_code == 200  # the pool let go of dead connections
        response = Applicant(applicant, "uk").apply(CODE, samples.STEPS[CODE], samples.FILES[CODE])
        assert response.status_code == 302
        smtp.start()
        final = _worker_round(environ, tmp_path)
        assert final.returncode == 0, final.stdout + final.stderr
    finally:
        portal.stop()
    db_session.expire_all()
    assert set(db_session.scalars(select(OutboundMail.status))) == {OutboundMailStatus.SENT}, \
        list(db_session.scalars(select(OutboundMail.last_error)))
    assert {m["To"] for m in smtp.handler.messages} == {"o.shevchenko@example.org", samples.STEPS[CODE]["contact"]["email"]}
    assert db_session.scalar(select(func.count()).select_from(Submission)) == 1


def _worker_round(environ: dict, tmp_path):
    import subprocess
    import sys

    from tests.support.app_process import ROOT

    process = AppProcess(environ, tmp_path / "worker.log")
    return subprocess.run([sys.executable, "-m", "flask", "worker", "--once"], cwd=ROOT, env=process.environ,
                          capture_output=True, text=True, timeout=120)


def test_one_queue_claim_wins_across_two_app_processes(app, db_session, make_submission, make_staff,
                                                       test_environ, tmp_path):
    if not test_environ["PORTAL_DATABASE_URL"].startswith("postgresql"):
        pytest.skip("two app processes on one database: PostgreSQL")
    reference = make_submission().submission.reference
    nodes = [AppProcess(test_environ, tmp_path / f"node-{n}.log").start() for n in range(2)]
    try:
        prepared = []
        for index in range(10):
            client = HttpClient(nodes[index % 2].url)
            person = make_staff("caseworker", "WZ")
            assert sign_in(client, person.email).status_code == 302
            token = csrf_token_from(client.get(f"/backoffice/submissions/{reference}").get_data(as_text=True))
            prepared.append((client, token))

        def claim(index):
            client, token = prepared[index]
            return client.post(f"/backoffice/submissions/{reference}/claim", data={"csrf_token": token}).status_code

        assert in_parallel(10, claim) == [302] * 10
    finally:
        for node in nodes:
            node.stop()
    db_session.expire_all()
    claims = db_session.scalars(select(SubmissionStatusChange.status).join(Submission)
                                .where(Submission.reference == reference)).all()
    assert claims.count("in_progress") == 1
