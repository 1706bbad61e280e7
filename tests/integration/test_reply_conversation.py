"""A reply mail from the applicant's address naming the reference joins the conversation on the
submission: it answers the open request when it brings documents. A stranger's mail naming the
same reference does not."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from portal.casework.conversation import thread
from portal.casework.requests import ask_for_documents
from portal.config import settings_of
from portal.models import AuditEvent, Document, RequestState, SubmissionStatus
from tests.support import mail_corpus as corpus

TODAY = date(2026, 12, 7)


@pytest.fixture
def asked(app, db_session, make_submission):
    """An open request for a general enquiry's attachment, sent by mail."""
    submission = make_submission().submission
    with app.app_context():
        made = ask_for_documents(db_session, submission, None, ["attachment"], "Bitte den Pass.",
                                 deadline=TODAY + timedelta(days=14), today=TODAY, office=settings_of(app).office)
    db_session.commit()
    return made.request


def _applicant_messages(db_session, submission):
    return [m for m in thread(db_session, submission) if m.author == "applicant"]


def test_a_reply_with_a_pdf_answers_the_request(app, db_session, take, asked):
    submission = asked.submission
    mail = take(corpus.with_attachments("Hier ist mein Pass.\n\nViele Grüße",
                                        subject=f"Re: Documents missing for your application {submission.reference}",
                                        message_id="<reply@example.org>"))
    db_session.refresh(submission)
    db_session.refresh(asked)
    assert mail.submission_id == submission.id and mail.status == "processed"
    [message] = _applicant_messages(db_session, submission)
    assert (message.channel, message.inbound_mail_id, message.document_count) == ("email", mail.id, 1)
    assert message.request_id == asked.id and message.body.startswith("Hier ist mein Pass.")
    assert asked.state == RequestState.ANSWERED and asked.answered_at is not None
    assert submission.answer_received_at is not None
    assert submission.status == SubmissionStatus.IN_PROGRESS
    assert "email" in {d.source for d in db_session.scalars(select(Document).where(
        Document.submission_id == submission.id))}
    audit = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "answer_request")).all()
    assert [(a.staff_user_id, a.object_id, a.detail["mail"]) for a in audit] == [(None, submission.reference,
                                                                                   mail.id)]


def test_a_reply_without_documents_is_a_message_and_the_request_stays_open(app, db_session, take, asked):
    submission = asked.submission
    take(corpus.plain("Ich schicke den Pass nächste Woche, er ist noch bei der Botschaft.",
                      subject=f"Re: {submission.reference}", message_id="<text@example.org>"))
    db_session.refresh(submission)
    db_session.refresh(asked)
    [message] = _applicant_messages(db_session, submission)
    assert message.document_count == 0 and message.request_id == asked.id
    assert asked.state == RequestState.OPEN and submission.answer_received_at is not None


def test_a_follow_up_without_an_open_request_still_joins_the_conversation(app, db_session, take, make_submission):
    submission = make_submission().submission
    mail = take(corpus.with_attachments(subject=f"Nachtrag {submission.reference}", message_id="<late@example.org>"))
    db_session.refresh(submission)
    [message] = _applicant_messages(db_session, submission)
    assert message.inbound_mail_id == mail.id and message.request_id is None and message.document_count == 1
    assert submission.answer_received_at is None


def test_a_strangers_mail_naming_the_reference_does_not_join(app, db_session, take, asked):
    submission = asked.submission
    mail = take(corpus.with_attachments(subject=f"Re: {submission.reference}", sender="eve@example.net",
                                        message_id="<eve@example.org>"))
    db_session.refresh(submission)
    db_session.refresh(asked)
    assert mail.submission_id != submission.id
    assert _applicant_messages(db_session, submission) == []
    assert _applicant_messages(db_session, mail.submission) == []
    assert asked.state == RequestState.OPEN and submission.answer_received_at is None
    assert submission.status == SubmissionStatus.AWAITING_DOCUMENTS


def test_the_request_mail_says_replies_reach_the_office(app, db_session, asked):
    from portal.models import OutboundMail

    [mail] = db_session.scalars(select(OutboundMail)).all()
    assert "Please do not reply" not in mail.body_text + mail.body_html
    assert asked.submission.reference in mail.body_text.rsplit("\n\n", 1)[-1]


def test_other_mails_keep_the_do_not_reply_footer(app):
    from portal.notify.templates import render_mail

    with app.app_context():
        mail = render_mail("draft_resume", "en", service_title="X", resume_url="https://example.org/r",
                           expires_on=TODAY)
    assert "Please do not reply" in mail.text and "Please do not reply" in mail.html


def test_a_reply_answering_a_caseworkers_request_tells_them_when_the_office_wants_it(app, db_session, sites,
                                                                                        make_submission, make_staff):
    from dataclasses import replace

    from portal.config import RequestRules
    from portal.documents.storage import DocumentStorage
    from portal.intake.email.process import take_in
    from portal.models import InboundMailSource, OutboundMail

    submission = make_submission().submission
    staff = make_staff()
    with app.app_context():
        ask_for_documents(db_session, submission, staff, ["attachment"], "Bitte den Pass.",
                          deadline=TODAY + timedelta(days=14), today=TODAY, office=settings_of(app).office)
    db_session.commit()
    settings = replace(settings_of(app).mail_intake, requests=RequestRules(notify_by_mail=True))
    raw = corpus.with_attachments("Hier ist mein Pass.", subject=f"Re: {submission.reference}",
                                  message_id="<told@example.org>")
    with app.app_context():
        take_in(db_session, DocumentStorage(settings_of(app).storage_dir), raw, source=InboundMailSource.FILE,
                source_detail="test", settings=settings)
    [notice] = db_session.scalars(select(OutboundMail).where(OutboundMail.recipient == staff.email)).all()
    assert notice.language == "de" and submission.reference in notice.subject
