"""The outbox against a real SMTP server (aiosmtpd): delivery, outage and retry, refusals,
missing attachments, the worker command, and two workers on PostgreSQL."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.config import settings_of
from portal.documents.storage import DocumentStorage
from portal.extensions import get_storage
from portal.models.mail import OutboundMail
from portal.notify import SendReport, enqueue_mail, render_mail, send_due_mail
from portal.notify.outbox import pdf_made_when_sent
from tests.support.app_factory import override_settings

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
UKRAINIAN_SUBJECT = "Вашу заяву отримано – номер ABH-2026-000017"


@pytest.fixture
def storage(tmp_path):
    return DocumentStorage(tmp_path / "storage")


def _utc(value: datetime) -> datetime:
    # SQLite gives naive datetimes back (stored as UTC).
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _enqueue(db_session, recipient="olena.koval@abh-test.example", **kwargs):
    fields = {"subject": "Test", "body_text": "Hallo.\n", "language": "de", **kwargs}
    mail = enqueue_mail(db_session, recipient=recipient, **fields)
    db_session.commit()
    return mail


def _send(app, db_session, storage, **kwargs):
    settings = settings_of(app)
    report = send_due_mail(db_session, storage, settings.smtp, settings.office.mail_from, **kwargs)
    db_session.expire_all()
    return report


def test_a_mail_with_attachment_is_delivered(app, db_session, storage, smtp):
    smtp.start()
    digest = storage.put(PDF)
    with app.app_context():
        rendered = render_mail("submission_received", "uk", service_title="Blaue Karte EU",
                               reference="ABH-2026-000017", status_code="K7P4-QX2M",
                               status_url="https://portal.abh-test.example/uk/status")
    mail = _enqueue(db_session, subject=UKRAINIAN_SUBJECT, body_text=rendered.text, body_html=rendered.html,
                    language="uk", attachments=[{"sha256": digest, "filename": "Квитанція ABH-2026-000017.pdf",
                                                 "media_type": "application/pdf"}])

    report = _send(app, db_session, storage)

    assert (report.sent, report.retried, report.failed) == (1, 0, 0)
    [message] = smtp.handler.messages
    assert message["Subject"] == UKRAINIAN_SUBJECT
    assert message["To"] == "olena.koval@abh-test.example"
    assert message["From"].addresses[0].display_name == "Ausländerbehörde Lahn-Dill"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Content-Language"] == "uk"
    assert message["Message-ID"].endswith("@abh-test.example>") and message["Date"]
    assert smtp.handler.envelopes == [("noreply@abh-test.example", ["olena.koval@abh-test.example"])]
    assert "ABH-2026-000017" in message.get_body(("plain",)).get_content()
    assert 'dir="ltr"' in message.get_body(("html",)).get_content()
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == "Квитанція ABH-2026-000017.pdf"
    assert attachment.get_content() == PDF
    assert mail.status == "sent" and mail.sent_at is not None and mail.attempts == 0


def test_arabic_subject_and_body_survive(app, db_session, storage, smtp):
    smtp.start()
    _enqueue(db_session, subject="تم استلام طلبك", body_text="شكرا لك.\n", language="ar")
    _send(app, db_session, storage)
    [message] = smtp.handler.messages
    assert message["Subject"] == "تم استلام طلبك"
    assert message.get_content_type() == "text/plain" and message.get_content().rstrip() == "شكرا لك."


def test_international_addresses(app, db_session, storage, smtp):
    smtp.start(smtputf8=False)
    idn = _enqueue(db_session, recipient="olena@müller.example")
    assert idn.recipient == "olena@xn--mller-kva.example"  # needs no SMTPUTF8
    cyrillic = _enqueue(db_session, recipient="олена@abh-test.example")
    report = _send(app, db_session, storage)
    assert (report.sent, report.failed) == (1, 1) and idn.status == "sent"
    assert cyrillic.status == "failed" and "SMTPUTF8" in cyrillic.last_error


def test_an_outage_loses_nothing_and_is_retried_later(app, db_session, storage, smtp):
    mail = _enqueue(db_session)
    start = datetime.now(timezone.utc) + timedelta(seconds=1)

    report = _send(app, db_session, storage, now=start)  # nobody listens on the port

    assert (report.sent, report.retried, report.failed) == (0, 1, 0)
    assert mail.status == "pending" and mail.attempts == 1 and mail.last_error
    assert _utc(mail.next_attempt_at) == start + timedelta(minutes=1)

    smtp.start()
    early = _send(app, db_session, storage, now=start + timedelta(seconds=30))
    assert early.sent == 0 and smtp.handler.messages == []

    later = _send(app, db_session, storage, now=start + timedelta(minutes=1, seconds=1))
    assert later.sent == 1 and len(smtp.handler.messages) == 1
    assert mail.status == "sent" and mail.attempts == 1 and mail.last_error == ""


def test_an_outage_costs_one_attempt_per_round_not_one_per_mail(app, db_session, storage, smtp):
    mails = [_enqueue(db_session) for _ in range(3)]
    report = _send(app, db_session, storage, now=datetime.now(timezone.utc) + timedelta(seconds=1))
    assert report.retried == 1
    assert sorted(m.attempts for m in mails) == [0, 0, 1] and {m.status for m in mails} == {"pending"}


def test_backoff_doubles_and_gives_up_after_max_attempts(app, db_session, storage, smtp, monkeypatch):
    override_settings(monkeypatch, app, smtp={"max_attempts": 4})
    mail = _enqueue(db_session)
    now = datetime.now(timezone.utc) + timedelta(seconds=1)
    waits = []
    for _ in range(3):
        assert _send(app, db_session, storage, now=now).retried == 1
        waits.append(_utc(mail.next_attempt_at) - now)
        now = _utc(mail.next_attempt_at)
    assert waits == [timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=4)]

    report = _send(app, db_session, storage, now=now)
    assert report.failed == 1 and mail.status == "failed" and mail.attempts == 4
    assert "gave up after 4 attempts" in mail.last_error
    assert _send(app, db_session, storage, now=now + timedelta(days=1)) == SendReport()


def test_a_permanent_refusal_fails_at_once(app, db_session, storage, smtp):
    smtp.handler.refuse["nobody@abh-test.example"] = "550 5.1.1 No such user"
    smtp.start()
    refused = _enqueue(db_session, recipient="nobody@abh-test.example")
    fine = _enqueue(db_session)

    report = _send(app, db_session, storage)

    assert (report.sent, report.failed) == (1, 1)
    assert refused.status == "failed" and refused.attempts == 0 and "550" in refused.last_error
    assert fine.status == "sent"


def test_a_temporary_refusal_is_retried(app, db_session, storage, smtp):
    smtp.handler.refuse["busy@abh-test.example"] = "450 4.2.1 Mailbox busy, try later"
    smtp.start()
    mail = _enqueue(db_session, recipient="busy@abh-test.example")
    report = _send(app, db_session, storage)
    assert report.retried == 1 and mail.status == "pending" and mail.attempts == 1
    assert "450" in mail.last_error


def test_a_missing_attachment_fails_and_nothing_is_sent(app, db_session, storage, smtp):
    smtp.start()
    digest = "0" * 64  # never stored
    assert not storage.exists(digest)
    mail = _enqueue(db_session, attachments=[{"sha256": digest, "filename": "Quittung.pdf",
                                              "media_type": "application/pdf"}])
    report = _send(app, db_session, storage)
    assert report.failed == 1 and smtp.handler.messages == []
    assert mail.status == "failed" and "Quittung.pdf" in mail.last_error and "missing" in mail.last_error


ARABIC_LETTER = ('<!DOCTYPE html><html lang="ar" dir="rtl"><head><meta charset="utf-8"><title>تأكيد الموعد</title>'
                 '</head><body><h1>تأكيد الموعد</h1><p>رقم الحجز WZ-7Q4K</p></body></html>')


def test_a_pdf_made_when_sent_goes_out_as_pdf_and_the_row_names_it(app, db_session, storage, smtp):
    """The booking confirmation is queued as HTML; the sender renders it before the first attempt,
    and a retry after an outage sends the same file (the row names the PDF from then on)."""
    html_digest = storage.put(ARABIC_LETTER.encode())
    mail = _enqueue(db_session, language="ar", attachments=[pdf_made_when_sent(html_digest, "WZ-7Q4K.pdf")])
    start = datetime.now(timezone.utc) + timedelta(seconds=1)

    assert _send(app, db_session, storage, now=start).retried == 1  # nobody listens yet
    [item] = mail.attachments
    assert "made_from" not in item and item["sha256"] != html_digest
    made = storage.read(item["sha256"])
    assert made.startswith(b"%PDF-")

    smtp.start()
    assert _send(app, db_session, storage, now=start + timedelta(minutes=2)).sent == 1
    [message] = smtp.handler.messages
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf" and attachment.get_filename() == "WZ-7Q4K.pdf"
    assert attachment.get_content() == made  # rendered once, the same file on the retry


def test_a_pdf_whose_html_is_missing_fails_and_nothing_is_sent(app, db_session, storage, smtp):
    smtp.start()
    mail = _enqueue(db_session, attachments=[pdf_made_when_sent("1" * 64, "Termin.pdf")])
    report = _send(app, db_session, storage)
    assert report.failed == 1 and smtp.handler.messages == []
    assert mail.status == "failed" and "Termin.pdf" in mail.last_error and "HTML" in mail.last_error


@pytest.mark.parametrize("attachment", [
    {"sha256": "2" * 64, "filename": "Termin.pdf", "media_type": "application/pdf", "made_from": "text/plain"},
    {"sha256": "2" * 64, "filename": "Termin.html", "media_type": "text/html", "made_from": "text/html"},
])
def test_only_a_pdf_is_made_when_sent_and_only_from_html(db_session, attachment):
    with pytest.raises(ValueError, match="made when the mail is sent"):
        enqueue_mail(db_session, recipient="olena.koval@abh-test.example", subject="Test", body_text="Hallo.\n",
                     attachments=[attachment])


@pytest.mark.parametrize("field, value", [
    ("subject", "Hallo\r\nBcc: everyone@evil.example"),
    ("subject", "Hallo\nBcc: everyone@evil.example"),
    ("recipient", "olena@abh-test.example\r\nBcc: everyone@evil.example"),
    ("recipient", "olena@abh-test.example\nBcc: everyone@evil.example"),
    ("recipient", "not an address"),
])
def test_header_injection_and_bad_addresses_are_refused(db_session, field, value):
    fields = {"recipient": "olena@abh-test.example", "subject": "Hallo", "body_text": "x", field: value}
    with pytest.raises(ValueError):
        enqueue_mail(db_session, **fields)
    assert not db_session.new


def test_enqueue_does_not_commit(app, db_session):
    enqueue_mail(db_session, recipient="olena@abh-test.example", subject="Hallo", body_text="x")
    db_session.rollback()
    assert db_session.scalar(select(func.count()).select_from(OutboundMail)) == 0


def test_worker_once_sends(app, db_session, smtp):
    smtp.start()
    with app.app_context():
        digest = get_storage().put(PDF)
    _enqueue(db_session, attachments=[{"sha256": digest, "filename": "Quittung.pdf", "media_type": "application/pdf"}])

    result = app.test_cli_runner().invoke(args=["worker", "--once"])

    assert result.exit_code == 0, result.output
    assert "mail: sent 1, retried 0, failed 0" in result.output
    assert len(smtp.handler.messages) == 1
    db_session.expire_all()
    assert db_session.scalar(select(OutboundMail.status)) == "sent"


@pytest.mark.postgres_only
def test_two_workers_send_each_mail_exactly_once(app, db_session, storage, smtp):
    if db_session.bind.dialect.name == "sqlite":
        pytest.skip("SQLite has a single writer; row locks need PostgreSQL")
    smtp.handler.delay = 0.01  # keep both workers busy at the same time
    smtp.start()
    recipients = [f"person{i:02d}@abh-test.example" for i in range(20)]
    for recipient in recipients:
        enqueue_mail(db_session, recipient=recipient, subject="Hallo", body_text="x")
    db_session.commit()

    barrier = threading.Barrier(2)
    reports, errors = [], []

    def work():
        try:
            with Session(db_session.bind) as session:
                barrier.wait()
                settings = settings_of(app)
                reports.append(send_due_mail(session, storage, settings.smtp, settings.office.mail_from))
        except Exception as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not errors
    delivered = sorted(rcpt for _, rcpts in smtp.handler.envelopes for rcpt in rcpts)
    assert delivered == recipients
    assert sum(r.sent for r in reports) == 20 and all(r.sent for r in reports)
    db_session.expire_all()
    assert set(db_session.scalars(select(OutboundMail.status))) == {"sent"}
