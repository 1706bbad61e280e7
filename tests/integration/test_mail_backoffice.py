"""Inbound mail in the back office: the list with the quarantine first, the detail page, the
raw message as an audited download, "process again" and "dismiss"."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.config import settings_of
from portal.models import AuditEvent, InboundMail
from tests.support import mail_corpus as corpus
from tests.support.app_factory import override_settings
from tests.support.helpers import csrf_token_from, sign_in
from tests.support.helpers import staff_in_english


@pytest.fixture
def take(app, db_session, sites):
    from portal.documents.storage import DocumentStorage
    from portal.intake.email.process import take_in
    from portal.models import InboundMailSource

    def _take(raw: bytes) -> InboundMail:
        with app.app_context():
            outcome = take_in(db_session, DocumentStorage(settings_of(app).storage_dir), raw,
                              source=InboundMailSource.FILE, source_detail="test.eml", settings=settings_of(app).mail_intake)
        db_session.expire_all()
        return db_session.get(InboundMail, outcome.mail_id)

    return _take


@pytest.fixture
def caseworker(client, make_staff, db_session):
    user = staff_in_english(make_staff, db_session)
    assert sign_in(client, user.email).status_code == 302
    return user


def _audit(db_session, action: str, mail: InboundMail) -> list[AuditEvent]:
    return db_session.scalars(select(AuditEvent).where(AuditEvent.action == action,
                                                       AuditEvent.object_type == "inbound_mail",
                                                       AuditEvent.object_id == str(mail.id))).all()


def test_list_shows_quarantine_first_and_filters_by_status(client, caseworker, take):
    processed = take(corpus.with_attachments(message_id="<ok@example.org>"))
    quarantined = take(corpus.encrypted_pdf(message_id="<bad@example.org>"))
    body = client.get("/backoffice/mail").get_data(as_text=True)
    rows = re.findall(r'<tr id="mail-(\d+)" class="mail-status-(\w+)"', body)
    assert rows == [(str(quarantined.id), "quarantined"), (str(processed.id), "processed")]
    assert "o.shevchenko@example.org" in body and processed.submission.reference in body
    assert "An attachment was refused by the document checks." in body
    only = client.get("/backoffice/mail?status=processed").get_data(as_text=True)
    assert re.findall(r'<tr id="mail-(\d+)"', only) == [str(processed.id)]
    assert client.get("/backoffice/mail?status=nonsense&page=x").status_code == 200


def test_detail_shows_headers_attachments_and_reason(client, caseworker, take, db_session):
    mail = take(corpus.encrypted_pdf())
    body = client.get(f"/backoffice/mail/{mail.id}").get_data(as_text=True)
    assert 'data-reason="refused_attachment"' in body
    assert "geschuetzt.pdf" in body and "Refused" in body
    assert "Message-ID" in body or "message-id" in body
    assert 'id="mail-process"' in body and 'id="mail-dismiss"' in body
    assert len(_audit(db_session, "view", mail)) == 1


def test_raw_message_is_an_audited_download(client, caseworker, take, db_session):
    raw = corpus.html_only()
    mail = take(raw)
    response = client.get(f"/backoffice/mail/{mail.id}/raw")
    assert response.status_code == 200 and response.data == raw
    assert response.mimetype == "message/rfc822"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    [event] = _audit(db_session, "download", mail)
    assert event.staff_user_id == caseworker.id and event.detail["sha256"] == mail.sha256


def test_submission_view_links_the_mail_and_shows_the_text(client, caseworker, take):
    mail = take(corpus.html_only())
    body = client.get(f"/backoffice/submissions/{mail.submission.reference}").get_data(as_text=True)
    assert f"/backoffice/mail/{mail.id}/raw" in body and f"/backoffice/mail/{mail.id}\"" in body
    assert "ich habe eine Frage zu meinem Termin." in body and "evil" not in body


def test_process_again_after_raising_the_limit(app, client, caseworker, take, db_session, monkeypatch):
    override_settings(monkeypatch, app, mail_max_bytes=20_000)
    mail = take(corpus.too_large(30_000))
    assert mail.status == "quarantined"
    token = csrf_token_from(client.get(f"/backoffice/mail/{mail.id}").get_data(as_text=True))
    still = client.post(f"/backoffice/mail/{mail.id}/process", data={"csrf_token": token}, follow_redirects=True)
    assert "still in quarantine" in still.get_data(as_text=True)
    override_settings(monkeypatch, app, mail_max_bytes=1_000_000)
    response = client.post(f"/backoffice/mail/{mail.id}/process", data={"csrf_token": token})
    assert response.status_code == 302
    db_session.expire_all()
    mail = db_session.get(InboundMail, mail.id)
    assert mail.status == "processed" and mail.submission is not None and mail.reason_code == ""
    assert [e.detail["after"] for e in _audit(db_session, "process_again", mail)] == ["quarantined", "processed"]
    # A processed message cannot be processed or dismissed any more.
    client.post(f"/backoffice/mail/{mail.id}/dismiss", data={"csrf_token": token})
    db_session.expire_all()
    assert db_session.get(InboundMail, mail.id).status == "processed"


def test_dismiss_keeps_the_message_listed_with_who_and_when(client, caseworker, take, db_session):
    mail = take(corpus.winmail())
    token = csrf_token_from(client.get(f"/backoffice/mail/{mail.id}").get_data(as_text=True))
    assert client.post(f"/backoffice/mail/{mail.id}/dismiss", data={}).status_code == 400  # no CSRF token
    assert client.post(f"/backoffice/mail/{mail.id}/dismiss", data={"csrf_token": token}).status_code == 302
    db_session.expire_all()
    mail = db_session.get(InboundMail, mail.id)
    assert mail.status == "dismissed" and mail.dismissed_by_id == caseworker.id and mail.dismissed_at
    body = client.get(f"/backoffice/mail/{mail.id}").get_data(as_text=True)
    assert 'id="mail-dismissed"' in body and caseworker.full_name in body and 'id="mail-process"' not in body
    assert f'id="mail-{mail.id}" class="mail-status-dismissed"' in client.get("/backoffice/mail").get_data(as_text=True)
    assert len(_audit(db_session, "dismiss", mail)) == 1


def test_missing_mail_is_404_and_dpo_sees_nothing(client, make_staff, take):
    mail = take(corpus.plain())
    sign_in(client, make_staff("caseworker").email)
    assert client.get("/backoffice/mail/999999").status_code == 404
    client.post("/backoffice/logout", data={"csrf_token": csrf_token_from(client.get("/backoffice/").get_data(as_text=True))})
    sign_in(client, make_staff("dpo").email)
    assert client.get(f"/backoffice/mail/{mail.id}/raw").status_code == 403
    assert "/backoffice/mail" not in client.get("/backoffice/").get_data(as_text=True)


def test_unreadable_parts_and_a_reused_message_id_are_shown(client, caseworker, take):
    broken = take(corpus.broken_inner_part())
    for url in (f"/backoffice/mail/{broken.id}", f"/backoffice/submissions/{broken.submission.reference}"):
        body = client.get(url).get_data(as_text=True)
        assert f'id="mail-{broken.id}-unreadable"' in body
        assert re.findall(r'<li data-part="([\d.]+)">', body) == ["2", "3"]
        assert "scan.jpg" in body and "its transfer encoding is damaged" in body
    first = take(corpus.plain(message_id="<reused@example.org>"))
    other = take(corpus.plain(corpus.TEXTS["de"], message_id="<reused@example.org>"))
    body = client.get(f"/backoffice/submissions/{other.submission.reference}").get_data(as_text=True)
    assert f'id="mail-{other.id}-reused"' in body and f'href="/backoffice/mail/{first.id}"' in body
