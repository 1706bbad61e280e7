"""The application's history in plain words (portal.casework.applicant_history) and on the
status page: requests with their documents and deadline, answers, appointments, the end."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from portal.public.history import applicant_history
from portal.casework.requests import ask_for_documents
from portal.config import settings_of
from portal.domain.office_time import aware
from portal.models import Booking, BookingStatus, Service, SubmissionStatus
from tests.support import booking_setup
from tests.support import mail_corpus as corpus

TODAY = date(2026, 12, 7)
DEADLINE = TODAY + timedelta(days=14)
HOSTILE = '<script>alert("x")</script> & <img src=x onerror=alert(1)>'


@pytest.fixture
def requested(app, db_session, make_submission):
    """An Arabic applicant's permit extension, with a request for passport and income by DEADLINE."""
    def _requested(language="ar", message="Bitte bald."):
        result = make_submission(language=language)
        submission = result.submission
        submission.service = db_session.scalar(select(Service).where(Service.code == "permit-extension"))
        with app.app_context():
            ask_for_documents(db_session, submission, None, ["passport", "income"], message, deadline=DEADLINE,
                              today=TODAY, office=settings_of(app).office)
        db_session.commit()
        return result

    return _requested


def _labels(app, submission):
    from portal.casework.actions import requested_labels

    with app.test_request_context("/en/"):
        return requested_labels(submission, ["passport", "income"])


def _history(app, db_session, submission, language="en"):
    with app.test_request_context(f"/{language}/"):
        return [(step.kind, str(step.title), step) for step in applicant_history(db_session, submission)]


def test_a_request_with_two_documents_and_its_deadline(app, db_session, requested):
    submission = requested().submission
    steps = _history(app, db_session, submission)
    assert [kind for kind, _, _ in steps] == ["received", "documents_requested"]
    step = steps[-1][2]
    assert steps[-1][1] == "Documents requested" and step.deadline == DEADLINE
    # The labels in the applicant's language, as the mail named them.
    assert step.documents == _labels(app, submission) and len(step.documents) == 2
    assert step.documents[0] == "جواز السفر أو بطاقة الهوية"  # Arabic on an English page
    assert step.note == "Bitte bald." and str(step.meaning) and str(step.next)


def test_a_reply_mail_is_documents_received_and_a_booking_an_appointment(app, db_session, requested, take, sites):
    submission = requested().submission
    take(corpus.with_attachments(subject=f"Re: {submission.reference}", message_id="<answer@example.org>"))
    slot = booking_setup.future_slot(db_session, sites["WZ"])
    db_session.add(Booking(reference="T-HIST-1", token_hash="0" * 64, slot=slot, status=BookingStatus.CONFIRMED,
                           surname="Test", submission_id=submission.id,
                           confirmed_at=datetime.now(timezone.utc) + timedelta(seconds=5)))
    # A booking not confirmed is no appointment.
    db_session.add(Booking(reference="T-HIST-2", token_hash="1" * 64, slot=slot, status=BookingStatus.CANCELLED,
                           surname="Test", submission_id=submission.id))
    db_session.commit()
    db_session.refresh(submission)
    steps = _history(app, db_session, submission)
    assert [kind for kind, _, _ in steps] == ["received", "documents_requested", "documents_received",
                                              "in_progress", "appointment_booked"]
    received = steps[2][2]
    assert steps[2][1] == "Documents received" and received.document_count == 1
    assert str(received.meaning) == "We have received your message and 1 document."
    booked = steps[-1][2]
    assert steps[-1][1] == "Appointment booked" and booked.appointment_at == aware(slot.starts_at)
    assert booked.appointment_place == sites["WZ"].name


@pytest.mark.parametrize("status, kind, title", [
    (SubmissionStatus.CLOSED, "finished", "Finished"), (SubmissionStatus.REJECTED, "rejected", "Rejected"),
    (SubmissionStatus.ATTACHED, "filed", "Added to your case file"),
])
def test_the_end_of_the_application(app, db_session, make_submission, status, kind, title):
    submission = make_submission().submission
    submission.change_status(status, note="Grund: fehlt")
    db_session.commit()
    steps = _history(app, db_session, submission)
    assert [k for k, _, _ in steps] == ["received", kind] and steps[-1][1] == title
    assert steps[-1][2].note == "Grund: fehlt"


def test_a_status_set_again_is_no_step_of_its_own(app, db_session, make_submission):
    submission = make_submission().submission
    submission.change_status(SubmissionStatus.IN_PROGRESS)
    submission.change_status(SubmissionStatus.IN_PROGRESS, note="noted")
    db_session.commit()
    assert [k for k, _, _ in _history(app, db_session, submission)] == ["received", "in_progress"]


def test_awaiting_documents_without_a_request_is_still_a_step(app, db_session, make_submission):
    submission = make_submission().submission
    submission.change_status(SubmissionStatus.AWAITING_DOCUMENTS, note="Pass fehlt")
    db_session.commit()
    steps = _history(app, db_session, submission)
    assert [k for k, _, _ in steps] == ["received", "documents_requested"]
    assert steps[-1][2].documents == [] and steps[-1][2].deadline is None and steps[-1][2].note == "Pass fehlt"


def _open_status_page(client, language, result):
    reference = result.submission.reference
    response = client.get(f"/{language}/status/open?reference={reference}&code={result.status_code}")
    assert response.status_code == 302
    return client.get(f"/{language}/status/{reference}")


def test_the_status_page_shows_the_history_right_to_left_with_notes_escaped(app, client, db_session, requested):
    result = requested(language="ar", message=HOSTILE)
    result.submission.change_status(SubmissionStatus.REJECTED, note=HOSTILE)
    db_session.commit()
    response = _open_status_page(client, "ar", result)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'dir="rtl"' in html
    assert html.count('id="status-history"') == 1 and html.count('class="status-history"') == 1
    for kind in ("received", "documents_requested", "rejected"):
        assert f'data-kind="{kind}"' in html
    assert html.index('data-kind="received"') < html.index('data-kind="documents_requested"') \
        < html.index('data-kind="rejected"')
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html or "&lt;script&gt;alert(&quot;x&quot;)" in html
    # The documents requested, in the applicant's language, and the deadline.
    for label in _labels(app, result.submission):
        assert label in html
    assert 'class="kern-body status-history__deadline"' in html
    # What it means / what happens next stays.
    assert 'id="status-meaning"' in html and 'id="status-next"' in html


def test_the_status_page_in_english_says_it_in_plain_words(app, client, db_session, requested):
    result = requested(language="en")
    html = _open_status_page(client, "en", result).get_data(as_text=True)
    assert "Documents requested" in html and "December 21, 2026" in html
    assert "We need more documents from you before we can continue." in html


def test_an_answer_sent_online_comes_before_the_status_it_brings(app, db_session, requested):
    from portal.casework.requests import open_requests, send_answer
    from portal.documents.storage import DocumentStorage

    submission = requested().submission
    [request] = open_requests(db_session, submission)
    with app.app_context():
        send_answer(db_session, DocumentStorage(settings_of(app).storage_dir), request, "Der Pass folgt.",
                    language="ar")
    db_session.commit()
    steps = _history(app, db_session, submission)
    assert [k for k, _, _ in steps] == ["received", "documents_requested", "documents_received", "in_progress"]
    assert steps[2][1] == "Message received" and steps[2][2].document_count == 0


def test_the_applicants_own_words_and_an_invitation_are_on_their_page(app, client, db_session, requested, sites):
    """The conversation on the applicant's side: their answer as written (escaped), the office's
    invitation to book with the last day its link works."""
    from portal.casework.invitations import INVITATION_DAYS
    from portal.casework.requests import open_requests, send_answer
    from portal.documents.storage import DocumentStorage
    from portal.models import AppointmentInvitation

    result = requested(language="uk")
    submission = result.submission
    [request] = open_requests(db_session, submission)
    words = "Паспорт у посольстві, надішлю наступного тижня. " + HOSTILE
    with app.app_context():
        send_answer(db_session, DocumentStorage(settings_of(app).storage_dir), request, words, language="uk")
    invited_at = datetime(2026, 12, 8, 9, 0, tzinfo=timezone.utc)
    db_session.add(AppointmentInvitation(submission_id=submission.id, service_id=submission.service_id,
                                         site_id=submission.site_id, token_hash="a" * 64, created_at=invited_at,
                                         expires_at=invited_at + timedelta(days=INVITATION_DAYS)))
    db_session.commit()
    steps = _history(app, db_session, submission)
    assert [k for k, _, _ in steps][-1] == "appointment_invited"
    assert steps[-1][1] == "Invited to book an appointment" and steps[-1][2].deadline == date(2026, 12, 29)
    answer = next(step for kind, _, step in steps if kind == "documents_received")
    assert answer.text == words
    html = _open_status_page(client, "uk", result).get_data(as_text=True)
    assert "Паспорт у посольстві, надішлю наступного тижня." in html
    assert 'class="kern-body conversation-text status-history__text" dir="auto"' in html
    assert "<script>alert" not in html and 'data-kind="appointment_invited"' in html
