"""`mail poll` against a real IMAP server: a private Dovecot (tests/support/dovecot.py) on 127.0.0.1.

Messages are delivered with IMAP APPEND; the poll takes them in, commits, and only then moves
each to the processed or quarantine folder. Without Dovecot the tests are skipped locally and
fail in CI (CI=true), like the browser tests without Chromium.
"""
from __future__ import annotations

import os

import pytest
from sqlalchemy import func, select

from portal.config import settings_of
from portal.models import InboundMail, Submission
from tests.support import mail_corpus as corpus
from tests.support.app_factory import override_settings
from tests.support.dovecot import DOVECOT, Dovecot


def _server(security: str):
    if not os.path.exists(DOVECOT):
        if os.environ.get("CI") == "true":
            pytest.fail(f"{DOVECOT} is missing: .ci/run installs Debian's dovecot-imapd")
        pytest.skip(f"{DOVECOT} is missing (apt-get install dovecot-imapd)")
    return Dovecot(security).start()


@pytest.fixture
def dovecot(app, sites, monkeypatch):
    server = _server("none")
    override_settings(monkeypatch, app, imap=server.settings())
    yield server
    server.stop()


def _poll(app, *args) -> list[str]:
    result = app.test_cli_runner().invoke(args=["mail", "poll", *args])
    assert result.exit_code == 0, result.output
    return result.output.splitlines()


def _count(session, model, *where) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where))


def test_poll_takes_in_moves_after_commit_and_quarantines(app, db_session, dovecot, monkeypatch):
    override_settings(monkeypatch, app, mail_max_bytes=60_000)
    good = corpus.with_attachments(message_id="<good@example.org>")
    refused = corpus.exe_as_pdf(message_id="<exe@example.org>")
    large = corpus.too_large(80_000, message_id="<large@example.org>")
    arabic = corpus.windows1256_subject()
    for raw in (good, refused, large, arabic):
        dovecot.append(raw)

    lines = _poll(app)
    assert lines[0] == "2 processed, 0 duplicates, 2 quarantined"
    assert any(": refused_attachment: scan.pdf: " in line for line in lines)
    assert any(": too_large: " in line for line in lines)

    assert dovecot.messages("INBOX") == []
    assert sorted(dovecot.messages("Processed")) == sorted([good, arabic])
    assert sorted(dovecot.messages("Quarantine")) == sorted([refused, large])  # the whole message stays
    submissions = db_session.scalars(select(Submission).order_by(Submission.id)).all()
    assert [(s.channel, s.language) for s in submissions] == [("email", "uk"), ("email", "ar")]
    quarantined = db_session.scalars(select(InboundMail).where(InboundMail.status == "quarantined")
                                     .order_by(InboundMail.id)).all()
    assert [(m.reason_code, m.headers_only, m.source) for m in quarantined] == [
        ("refused_attachment", False, "imap"), ("too_large", True, "imap")]
    assert quarantined[1].size_bytes == len(large) and quarantined[1].message_id == "large@example.org"

    # Nothing new: nothing happens.
    assert _poll(app)[0] == "0 processed, 0 duplicates, 0 quarantined"
    assert _count(db_session, InboundMail) == 4 and _count(db_session, Submission) == 2


def test_a_crash_between_commit_and_move_only_moves_next_time(app, db_session, dovecot):
    from portal.documents.storage import DocumentStorage
    from portal.intake.email.sources import poll_imap
    from portal.extensions import db

    raw = corpus.with_attachments(message_id="<crash@example.org>")
    dovecot.append(raw)

    def crash(client, uid, folder):
        raise ConnectionResetError("the process died after the commit")

    with app.app_context():
        with pytest.raises(ConnectionResetError):
            poll_imap(db.session, DocumentStorage(settings_of(app).storage_dir),
                      settings_of(app).imap, settings_of(app).mail_intake, mover=crash)
        db.session.remove()
    assert _count(db_session, Submission) == 1  # committed
    assert dovecot.messages("INBOX") == [raw]  # not moved

    lines = _poll(app)
    assert lines[0] == "0 processed, 1 duplicates, 0 quarantined"
    assert dovecot.messages("INBOX") == [] and dovecot.messages("Processed") == [raw]
    assert _count(db_session, Submission) == 1 and _count(db_session, InboundMail) == 1


def test_copy_delete_expunge_when_the_server_has_no_move(app, db_session, dovecot, monkeypatch):
    from imapclient import IMAPClient

    real = IMAPClient.has_capability
    monkeypatch.setattr(IMAPClient, "has_capability", lambda self, name: name != "MOVE" and real(self, name))
    first, second = corpus.plain(message_id="<1@example.org>"), corpus.winmail(message_id="<2@example.org>")
    dovecot.append(first)
    dovecot.append(second)
    assert _poll(app, "--limit", "1")[0] == "1 processed, 0 duplicates, 0 quarantined"
    assert dovecot.messages("INBOX") == [second]  # only that UID was expunged
    assert dovecot.messages("Processed") == [first]
    assert _poll(app)[0] == "0 processed, 0 duplicates, 1 quarantined"
    assert dovecot.messages("Quarantine") == [second]


def test_worker_job_polls_when_configured(app, db_session, dovecot):
    from portal.jobs import JOBS

    dovecot.append(corpus.plain(corpus.TEXTS["fa"], sender="reza@example.ir"))
    job = next(j for j in JOBS if j.name == "imap")
    with app.app_context():
        report = job.run()
    assert report and str(report) == "1 processed, 0 duplicates, 0 quarantined"
    assert db_session.scalar(select(Submission.language)) == "fa"


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_encrypted_connections(app, db_session, sites, monkeypatch, security):
    server = _server(security)
    try:
        override_settings(monkeypatch, app, imap=server.settings())
        server.append(corpus.plain())
        assert _poll(app)[0] == "1 processed, 0 duplicates, 0 quarantined"
        assert server.messages("INBOX") == []
        # Without the server's CA the certificate is not trusted: a clear error, nothing taken.
        server.append(corpus.plain(message_id="<second@example.org>"))
        override_settings(monkeypatch, app, imap={"ca_file": ""})
        result = app.test_cli_runner().invoke(args=["mail", "poll"])
        assert result.exit_code != 0 and "IMAP poll failed" in result.output
        assert _count(db_session, Submission) == 1
    finally:
        server.stop()


def test_wrong_password_is_a_clear_error(app, dovecot, monkeypatch):
    override_settings(monkeypatch, app, imap={"password": "wrong"})
    result = app.test_cli_runner().invoke(args=["mail", "poll"])
    assert result.exit_code != 0 and "IMAP poll failed" in result.output and "wrong" not in result.output


def test_two_nodes_polling_at_once_take_each_message_once(app, db_session, dovecot):
    """Workers on two nodes poll the same mailbox at the same moment: every message becomes one
    submission and lands once in its folder, whoever took it (PostgreSQL: real parallel writers)."""
    from sqlalchemy.orm import Session

    from portal.documents.storage import DocumentStorage
    from portal.intake.email.sources import poll_imap
    from tests.support.helpers import in_parallel

    if db_session.get_bind().dialect.name != "postgresql":
        pytest.skip("parallel writers on one database: PostgreSQL (SQLite has one writer)")
    sent = [corpus.plain(corpus.TEXTS["uk"], message_id=f"<node-{n}@example.org>", subject=f"Antrag {n}")
            for n in range(12)]
    for raw in sent:
        dovecot.append(raw)
    engine = db_session.get_bind()
    storage = DocumentStorage(settings_of(app).storage_dir)
    imap, settings = settings_of(app).imap, settings_of(app).mail_intake

    def node(_index):
        with app.app_context(), Session(engine) as session:
            report = poll_imap(session, storage, imap, settings)
            return report.busy, report.processed, report.failed

    reports = in_parallel(2, node)
    assert len(reports) == 2  # both polls ran to their end (a raised error loses a result)
    assert sum(processed for _, processed, _ in reports) == 12 and not any(failed for _, _, failed in reports)
    assert dovecot.messages("INBOX") == []
    assert sorted(dovecot.messages("Processed")) == sorted(sent)  # each once: no double copy
    assert _count(db_session, InboundMail) == 12 and _count(db_session, Submission) == 12
