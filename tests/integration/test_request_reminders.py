"""The reminder before a request's deadline: once, in the applicant's language, within
PORTAL_REQUEST_REMINDER_DAYS of the deadline; never for a letter, an answered request or a
finished submission; none at all with reminder_days 0."""
from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from portal.casework.request_reminders import send_request_reminders
from portal.casework.requests import ask_for_documents, request_from_token, token_hash
from portal.config import settings_of
from portal.models import AuditEvent, DocumentRequest, OutboundMail, RequestState, Service, SubmissionStatus

TODAY = date(2026, 12, 7)
DEADLINE = TODAY + timedelta(days=14)


@pytest.fixture
def ask(app, db_session, make_submission):
    """A request for a permit extension's passport and income documents, by mail (or by post when
    the submission has no address), made on TODAY with DEADLINE; the request mail is left out of
    the outbox so that only reminders are there."""
    def _ask(language="uk", email=True):
        submission = make_submission(language=language).submission
        submission.service = db_session.scalar(select(Service).where(Service.code == "permit-extension"))
        if not email:
            submission.applicant_email = ""
        with app.app_context():
            made = ask_for_documents(db_session, submission, None, ["passport", "income"], "Bitte <b>bald</b>",
                                     deadline=DEADLINE, today=TODAY, office=settings_of(app).office)
        db_session.commit()
        for mail in db_session.scalars(select(OutboundMail)):
            db_session.delete(mail)
        db_session.commit()
        return made.request

    return _ask


def _remind(app, db_session, today, reminder_days=3):
    settings = settings_of(app)
    with app.app_context():
        return send_request_reminders(db_session, settings.office, replace(settings.requests,
                                                                           reminder_days=reminder_days), today=today)


def _reminders(db_session):
    return db_session.scalars(select(OutboundMail).order_by(OutboundMail.id)).all()


def test_one_reminder_in_the_applicants_language_within_the_window(app, db_session, ask):
    request = ask(language="uk")
    reference = request.submission.reference
    assert _remind(app, db_session, DEADLINE - timedelta(days=4)) == 0  # not yet
    assert _reminders(db_session) == []
    assert _remind(app, db_session, DEADLINE - timedelta(days=3)) == 1
    assert _remind(app, db_session, DEADLINE - timedelta(days=3)) == 0  # run twice: one mail
    assert _remind(app, db_session, DEADLINE) == 0
    [mail] = _reminders(db_session)
    assert mail.language == "uk" and mail.recipient == "o.shevchenko@example.org"
    assert reference in mail.subject and mail.submission_id == request.submission_id
    # An answer link of its own; the first mail's link keeps working beside it.
    link = re.search(r"/uk/answer/([\w-]+)", mail.body_text)
    assert link and link.group(1) in mail.body_html
    db_session.refresh(request)
    first_hash = request.token_hash
    assert request.reminder_token_hash == token_hash(link.group(1)) != first_hash
    assert request_from_token(db_session, link.group(1), DEADLINE) == request
    with app.test_request_context():
        assert app.test_client().get(f"/uk/answer/{link.group(1)}").status_code == 302
    assert "Bitte <b>bald</b>" in mail.body_text and "Bitte &lt;b&gt;bald&lt;/b&gt;" in mail.body_html
    assert '<html lang="uk" dir="ltr">' in mail.body_html
    db_session.refresh(request)
    assert request.reminded_at is not None and request.state == RequestState.OPEN
    [audit] = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "remind_request")).all()
    assert audit.staff_user_id is None and audit.object_id == reference
    assert audit.detail["request"] == request.id


def test_reminder_for_an_arabic_applicant_reads_right_to_left(app, db_session, ask):
    ask(language="ar")
    assert _remind(app, db_session, DEADLINE - timedelta(days=1)) == 1
    [mail] = _reminders(db_session)
    assert mail.language == "ar" and '<html lang="ar" dir="rtl">' in mail.body_html


def test_the_reminder_names_the_documents_and_the_deadline_in_english(app, db_session, ask):
    ask(language="en")
    assert _remind(app, db_session, DEADLINE - timedelta(days=2)) == 1
    [mail] = _reminders(db_session)
    assert mail.subject.startswith("Reminder: documents missing")
    assert "Passport" in mail.body_text and "December 21, 2026" in mail.body_text
    assert "Upload the documents and write to us on this page" in mail.body_text and "/en/answer/" in mail.body_text
    assert "Please do not reply" not in mail.body_text  # the footer says replies reach the office


def test_no_reminder_after_the_deadline_and_nothing_closed(app, db_session, ask):
    request = ask()
    assert _remind(app, db_session, DEADLINE + timedelta(days=1)) == 0
    db_session.refresh(request)
    assert request.state == RequestState.OPEN and request.submission.status == SubmissionStatus.AWAITING_DOCUMENTS


def test_no_reminder_for_a_letter(app, db_session, ask):
    request = ask(email=False)
    assert request.delivery == "post"
    assert _remind(app, db_session, DEADLINE - timedelta(days=1)) == 0


@pytest.mark.parametrize("finish", ["answered", "withdrawn", "closed"])
def test_no_reminder_for_an_answered_request_or_a_finished_submission(app, db_session, ask, finish):
    request = ask()
    if finish == "closed":
        request.submission.change_status(SubmissionStatus.CLOSED)
    else:
        request.state = finish
    db_session.commit()
    assert _remind(app, db_session, DEADLINE - timedelta(days=1)) == 0
    assert _reminders(db_session) == []


def test_no_reminders_with_reminder_days_zero(app, db_session, ask):
    ask()
    assert _remind(app, db_session, DEADLINE - timedelta(days=1), reminder_days=0) == 0
    assert _remind(app, db_session, DEADLINE, reminder_days=0) == 0
    assert db_session.scalar(select(func.count()).select_from(DocumentRequest)
                             .where(DocumentRequest.reminded_at.is_not(None))) == 0


def test_the_worker_job_queues_the_reminder(app, db_session, ask):
    from portal.domain.office_time import office_today
    from portal.jobs import JOBS, run_round
    from portal.models._types import utcnow

    request = ask()
    request.deadline = office_today(utcnow()) + timedelta(days=1)
    db_session.commit()
    with app.app_context():
        [(name, report, ok)] = run_round(tuple(job for job in JOBS if job.name == "request-reminders"))
        [(_, again, _)] = run_round(tuple(job for job in JOBS if job.name == "request-reminders"))
    assert ok and int(report) == 1 and str(report) == "1 document request reminders queued"
    assert int(again) == 0
    assert len(_reminders(db_session)) == 1
