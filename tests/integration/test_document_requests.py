"""Requests for documents and their answers, at the domain layer (portal.casework.requests) on a
real database: what is recorded, mailed, refused, filed, and when the answer link stops working."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from portal.casework import actions
from portal.casework import requests as document_requests
from portal.casework.conversation import thread
from portal.config import settings_of
from portal.documents.storage import DocumentStorage
from portal.models import (
    AuditEvent, CaseFile, Document, DocumentRequest, OutboundMail, StaffUser, Submission, SubmissionMessage,
)
from tests.support import samples

TODAY = date(2026, 12, 7)


@pytest.fixture
def asked(app, db_session, make_submission, make_staff):
    """A Ukrainian applicant's submission (temporary protection), asked for the passport and the
    registration certificate by a caseworker of Wetzlar."""
    submission = make_submission(service_code="temporary-protection").submission
    staff = make_staff()

    def ask(slots=("passport", "registration"), message="Bitte die Seite mit dem Visum.", deadline=None,
            target=None):
        with app.test_request_context():
            made = document_requests.ask_for_documents(
                db_session, target or submission, staff, list(slots), message,
                deadline=deadline or TODAY + timedelta(days=14), today=TODAY, office=settings_of(app).office,
                client_address="192.0.2.7")
        db_session.commit()
        return made

    return submission, staff, ask


def _storage(app):
    return DocumentStorage(settings_of(app).storage_dir)


def _add(app, db_session, request, slot, data, filename):
    settings = settings_of(app)
    upload = document_requests.add_answer_file(db_session, _storage(app), request, slot, data, filename,
                                               uploads=settings.uploads, virus_scan=settings.virus_scan)
    db_session.commit()
    return upload


def test_a_request_is_recorded_mailed_in_the_applicants_language_and_kept_in_the_conversation(
        app, db_session, asked):
    submission, staff, ask = asked
    made = ask()
    request = made.request
    assert request.slots == ["passport", "registration"] and request.deadline == TODAY + timedelta(days=14)
    assert request.delivery == "mail" and request.state == "open" and request.requested_by_id == staff.id
    assert request.token_hash == document_requests.token_hash(made.token)
    assert made.token not in request.token_hash, "only the token's hash is stored"
    assert submission.status == "awaiting_documents"
    mail = db_session.scalars(select(OutboundMail)).one()
    assert mail.language == "uk" and mail.recipient == "o.shevchenko@example.org"
    assert f"/uk/answer/{made.token}" in mail.body_text and f"/uk/answer/{made.token}" in mail.body_html
    assert "Bitte die Seite mit dem Visum." in mail.body_text
    [message] = thread(db_session, submission)
    assert message.author == "office" and message.channel == "email" and message.staff_user_id == staff.id
    assert message.body.startswith(f"Bitte bis {(TODAY + timedelta(days=14)):%d.%m.%Y} nachreichen:")
    assert "Reisepass" in message.body, "the caseworker reads the documents in German"
    assert message.sent_text == mail.body_text.replace(made.token, "…"), "the applicant's copy as it was sent"
    assert made.token not in message.sent_text, "the answer link's token stays out of the conversation"
    audit = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "request_documents")).one()
    assert audit.detail["slots"] == ["passport", "registration"] and audit.client_address == "192.0.2.7"


@pytest.mark.parametrize(("slots", "message", "deadline", "code"), [
    ([], "  ", None, "nothing_requested"),
    (["passport", "diploma"], "", None, "unknown_document"),
    (["passport"], "x" * 2001, None, "note_too_long"),
    (["passport"], "", TODAY, "deadline_invalid"),
    (["passport"], "", TODAY - timedelta(days=1), "deadline_invalid"),
    (["passport"], "", TODAY + timedelta(days=366), "deadline_invalid"),
])
def test_a_request_that_cannot_be_answered_is_refused_and_nothing_is_recorded(
        db_session, asked, slots, message, deadline, code):
    submission, _staff, ask = asked
    with pytest.raises(actions.ActionRefused) as refused:
        ask(slots, message, deadline)
    assert refused.value.code == code
    db_session.rollback()
    assert db_session.scalars(select(DocumentRequest)).all() == []
    assert db_session.scalars(select(OutboundMail)).all() == []
    assert db_session.get(Submission, submission.id).status == "received"


def test_without_an_address_on_record_the_request_is_recorded_as_sent_by_post(db_session, asked):
    submission, _staff, ask = asked
    submission.applicant_email = ""
    db_session.commit()
    request = ask().request
    assert request.delivery == "post"
    assert db_session.scalars(select(OutboundMail)).all() == [], "no mail to nobody"
    [message] = thread(db_session, submission)
    assert message.channel == "post" and "/uk/answer/…" in message.sent_text
    assert "e-mail" not in message.sent_text.lower(), "the letter's wording: nothing to reply to"


def test_the_answer_link_works_until_answered_withdrawn_or_long_past_its_deadline(app, db_session, asked, make_staff):
    submission, staff, ask = asked
    made = ask()
    assert document_requests.request_from_token(db_session, made.token, TODAY) == made.request
    wrong = made.token[:-1] + ("x" if made.token[-1] != "x" else "y")
    assert document_requests.request_from_token(db_session, wrong, TODAY) is None
    assert document_requests.request_from_token(db_session, "", TODAY) is None
    late = made.request.deadline + timedelta(days=document_requests.LINK_DAYS_AFTER_DEADLINE)
    assert document_requests.request_from_token(db_session, made.token, late) == made.request
    assert document_requests.request_from_token(db_session, made.token, late + timedelta(days=1)) is None
    actions.close(db_session, submission, staff, "Erledigt.")
    db_session.commit()
    assert made.request.state == "withdrawn", "a finished submission leaves no request open"
    assert document_requests.request_from_token(db_session, made.token, TODAY) is None


def test_an_answer_files_its_documents_in_the_submission_and_case_file_and_marks_it_received(
        app, db_session, asked, case_files):
    submission, staff, ask = asked
    case_file = db_session.scalars(select(CaseFile).where(CaseFile.site_id == submission.site_id)).first()
    submission.case_file_id = case_file.id  # linked by the intake, not confirmed yet: still open
    db_session.commit()
    request = ask().request
    before = set(db_session.scalars(select(Document.id)))
    _add(app, db_session, request, "passport", samples.pdf_bytes(2, "Паспорт громадянина України"), "паспорт.pdf")
    _add(app, db_session, request, "registration", samples.jpeg_bytes(), "IMG_20261207_101500.jpg")
    assert len(request.uploads) == 2
    with app.test_request_context():
        message = document_requests.send_answer(db_session, _storage(app), request,
                                                "Добрий день! Надсилаю паспорт і довідку.", language="uk",
                                                client_address="198.51.100.4")
    db_session.commit()
    new = db_session.scalars(select(Document).where(Document.id.not_in(before))).all()
    shown = [d for d in new if d.derived_from_id is None or d.media_type == "application/pdf"]
    assert {d.kind for d in new} == {"passport", "registration"}
    assert all(d.submission_id == submission.id and d.case_file_id == case_file.id for d in new)
    assert shown, "the case file shows the PDFs"
    assert request.state == "answered" and request.answered_at is not None and request.uploads == []
    assert submission.status == "in_progress" and submission.answer_received_at is not None
    assert message.author == "applicant" and message.document_count == 2
    assert message.transliteration == "Dobryi den! Nadsylaiu pasport i dovidku."
    assert db_session.scalars(select(AuditEvent).where(AuditEvent.action == "answer_request")).one().staff_user_id \
        is None
    # The caseworker acts on it: "documents received" is cleared.
    actions.mark_in_progress(db_session, submission, db_session.get(StaffUser, staff.id), "Wird geprüft.")
    db_session.commit()
    assert submission.answer_received_at is None


def test_a_second_open_request_keeps_the_submission_awaiting_documents(app, db_session, asked):
    submission, _staff, ask = asked
    first = ask(["passport"]).request
    ask(["registration"])
    with app.test_request_context():
        document_requests.send_answer(db_session, _storage(app), first, "Der Pass kommt morgen.", language="uk")
    db_session.commit()
    assert submission.status == "awaiting_documents" and submission.answer_received_at is not None
    assert [m.author for m in thread(db_session, submission)] == ["office", "office", "applicant"]
    assert db_session.scalars(select(SubmissionMessage).where(SubmissionMessage.author == "applicant")).one() \
        .transliteration == "", "Latin text needs no reading aid"


def test_answer_files_are_limited_per_slot_to_requested_slots_and_an_empty_answer_is_refused(
        app, db_session, asked):
    _submission, _staff, ask = asked
    request = ask(["photo"]).request
    with pytest.raises(document_requests.AnswerRefused) as refused:
        _add(app, db_session, request, "passport", samples.pdf_bytes(1), "pass.pdf")
    assert refused.value.code == "unknown_document"
    _add(app, db_session, request, "photo", samples.jpeg_bytes(), "foto.jpg")
    with pytest.raises(document_requests.AnswerRefused) as refused:
        _add(app, db_session, request, "photo", samples.jpeg_bytes(), "foto2.jpg")
    assert refused.value.code == "too_many_files" and refused.value.details == {"max_files": 1}
    assert document_requests.remove_answer_file(request, request.uploads[0].id)
    db_session.commit()
    with app.test_request_context():
        with pytest.raises(document_requests.AnswerRefused) as refused:
            document_requests.send_answer(db_session, _storage(app), request, "   ", language="uk")
        assert refused.value.code == "empty"
        with pytest.raises(document_requests.AnswerRefused) as refused:
            document_requests.send_answer(db_session, _storage(app), request, "x" * 4001, language="uk")
        assert refused.value.code == "too_long"
    assert request.state == "open"


def test_filing_the_submission_in_a_case_file_withdraws_its_open_requests(app, db_session, asked, case_files):
    submission, staff, ask = asked
    made = ask()
    case_file = db_session.scalars(select(CaseFile).where(CaseFile.site_id == submission.site_id)).first()
    actions.attach(db_session, submission, case_file, staff)
    db_session.commit()
    assert submission.status == "attached" and made.request.state == "withdrawn"
    assert document_requests.request_from_token(db_session, made.token, TODAY) is None


def test_the_caseworker_who_asked_hears_of_the_answer_by_mail_when_the_office_wants_it(app, db_session, asked):
    submission, staff, ask = asked
    quiet, told = ask(["passport"]).request, ask(["registration"]).request
    with app.test_request_context():
        document_requests.send_answer(db_session, _storage(app), quiet, "Der Pass folgt.", language="uk")
        document_requests.send_answer(db_session, _storage(app), told, "Добрий день!", language="uk",
                                      notify=settings_of(app).office)
    db_session.commit()
    [notice] = db_session.scalars(select(OutboundMail).where(OutboundMail.recipient == staff.email)).all()
    assert notice.language == "de" and submission.reference in notice.subject
    assert f"/backoffice/submissions/{submission.reference}" in notice.body_text
    assert "Шевченко" not in notice.body_text and "Добрий" not in notice.body_text, "names and words stay inside"
    # Nobody to tell: an account switched off, or a request made through the API.
    staff.is_active_account = False
    third = ask(["photo"]).request
    with app.test_request_context():
        document_requests.send_answer(db_session, _storage(app), third, "Foto folgt.", language="uk",
                                      notify=settings_of(app).office)
    db_session.commit()
    assert len(db_session.scalars(select(OutboundMail).where(OutboundMail.recipient == staff.email)).all()) == 1
