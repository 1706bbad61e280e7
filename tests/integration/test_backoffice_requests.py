"""Requests for documents in the back office: the form (deadline, the warning before a request
without an e-mail address goes on paper), the letter printed for a request sent by post (its QR
code opens the answer page with a fresh token), the conversation on the submission page, and the
queue's "documents received" and "answer overdue" filters and badges. Two sites: a caseworker of
Dillenburg sees none of Wetzlar's."""
from __future__ import annotations

import html
import re
from datetime import date, timedelta
from urllib.parse import urlsplit

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from portal.casework import requests as document_requests
from portal.casework.conversation import add_applicant_message, latin_reading
from portal.config import settings_of
from portal.domain.office_time import local_date
from portal.models import (
    AuditEvent, DocumentRequest, MessageChannel, OutboundMail, Submission, SubmissionMessage,
)
from portal.models._types import utcnow
from tests.support.helpers import csrf_token_from, sign_in

REFERENCE = re.compile(r">(ABH-\d{4}-\d{6}-\d)<")


def _today() -> date:
    return local_date(utcnow())


def _german(app, message: str, **values) -> str:
    """A back-office text as staff read it (the catalogue's German, or the English id until it
    is translated), escaped as the page has it."""
    from flask_babel import force_locale, gettext

    with app.test_request_context("/backoffice/"), force_locale("de"):
        return str(escape(gettext(message, **values)))


def _page(client, reference: str) -> str:
    response = client.get(f"/backoffice/submissions/{reference}")
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def _ask(client, reference: str, **form):
    token = csrf_token_from(_page(client, reference))
    return client.post(f"/backoffice/submissions/{reference}/request-documents", data={"csrf_token": token, **form})


def _print(client, reference: str, request_id: int):
    token = csrf_token_from(_page(client, reference))
    return client.post(f"/backoffice/submissions/{reference}/requests/{request_id}/letter",
                       data={"csrf_token": token})


def _requests(db_session, submission: Submission) -> list[DocumentRequest]:
    db_session.expire_all()
    return list(db_session.scalars(select(DocumentRequest).where(DocumentRequest.submission_id == submission.id)
                                   .order_by(DocumentRequest.id)))


def _outbound(db_session) -> int:
    return db_session.scalar(select(func.count()).select_from(OutboundMail))


def _qr_codes(pdf: bytes) -> list[str]:
    import pypdfium2
    import zxingcpp

    return [code.text for page in pypdfium2.PdfDocument(pdf)
            for code in zxingcpp.read_barcodes(page.render(scale=2).to_pil(), formats=zxingcpp.BarcodeFormat.QRCode)]


@pytest.fixture
def wetzlar(db_session, make_submission, make_staff):
    """A Ukrainian applicant's application for temporary protection at Wetzlar, and a caseworker
    of Wetzlar signed in on `client`."""
    submission = make_submission(service_code="temporary-protection").submission
    return submission, make_staff("caseworker", "WZ")


@pytest.fixture
def by_post(db_session, wetzlar):
    """The same application, given without an e-mail address (on paper, say)."""
    submission, caseworker = wetzlar
    submission.applicant_email = ""
    db_session.commit()
    return submission, caseworker


# -- the form ------------------------------------------------------------------------------------

def test_the_form_offers_the_default_deadline(app, client, wetzlar):
    submission, caseworker = wetzlar
    sign_in(client, caseworker.email)
    page = _page(client, submission.reference)
    days = settings_of(app).requests.deadline_days
    field = re.search(r'<input[^>]*name="deadline"[^>]*>', page, re.S).group(0)
    assert 'type="date"' in field
    assert f'value="{(_today() + timedelta(days=days)).isoformat()}"' in field
    assert f'min="{(_today() + timedelta(days=1)).isoformat()}"' in field
    assert f'max="{(_today() + timedelta(days=365)).isoformat()}"' in field
    # An address is on record: the request goes by mail, no warning.
    assert 'id="request-by-post"' not in page and _german(app, "Send the request") in page


@pytest.mark.parametrize("deadline", ["past", "today", "beyond_a_year", "31.12.2026"])
def test_a_deadline_in_the_past_or_over_a_year_ahead_is_refused(app, client, db_session, wetzlar, deadline):
    submission, caseworker = wetzlar
    sign_in(client, caseworker.email)
    given = {"past": (_today() - timedelta(days=1)).isoformat(), "today": _today().isoformat(),
             "beyond_a_year": (_today() + timedelta(days=366)).isoformat()}.get(deadline, deadline)
    mails = _outbound(db_session)
    response = _ask(client, submission.reference, slot=["passport"], deadline=given)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert _german(app, "Choose a deadline after today and within a year.") in page
    assert _requests(db_session, submission) == [] and _outbound(db_session) == mails
    assert db_session.get(Submission, submission.id).status == "received"


def test_the_last_day_within_a_year_is_taken(client, db_session, wetzlar):
    submission, caseworker = wetzlar
    sign_in(client, caseworker.email)
    latest = _today() + timedelta(days=365)
    assert _ask(client, submission.reference, slot=["passport"], deadline=latest.isoformat()).status_code == 302
    [asked] = _requests(db_session, submission)
    assert asked.deadline == latest and asked.delivery == "mail"


def test_an_unknown_document_is_refused(app, client, db_session, wetzlar):
    submission, caseworker = wetzlar
    sign_in(client, caseworker.email)
    response = _ask(client, submission.reference, slot=["passport", "diploma"])
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert _german(app, "This document is not one of the service's documents.") in page
    assert _requests(db_session, submission) == []


# -- without an e-mail address: by post, and the letter ----------------------------------------

def test_without_an_address_the_caseworker_is_warned_and_the_request_goes_by_post(app, client, db_session,
                                                                                   by_post):
    submission, caseworker = by_post
    sign_in(client, caseworker.email)
    page = _page(client, submission.reference)
    warning = re.search(r'<div class="kern-alert kern-alert--warning" id="request-by-post">.*?</div>\s*</div>',
                        page, re.S)
    assert warning, "the warning is in the form, before the request is sent"
    form = page[page.index('action="/backoffice/submissions/'):page.index("</form>", page.index('id="request-by-post"'))]
    assert 'id="request-by-post"' in form and _german(app, "Send the request") not in form
    assert _german(app, "Record and print as letter") in form

    mails = _outbound(db_session)
    deadline = _today() + timedelta(days=21)
    response = _ask(client, submission.reference, slot=["passport", "photo"], message="Bitte gut lesbar.",
                    deadline=deadline.isoformat())
    assert response.status_code == 302
    [asked] = _requests(db_session, submission)
    assert asked.delivery == "post" and asked.state == "open" and asked.deadline == deadline
    assert asked.requested_by_id == caseworker.id
    assert _outbound(db_session) == mails, "no mail without an address"
    [message] = db_session.scalars(select(SubmissionMessage)).all()
    assert message.channel == "post" and message.author == "office"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    printing = f'action="/backoffice/submissions/{submission.reference}/requests/{asked.id}/letter"'
    assert printing in page
    print_form = page[page.index(printing):page.index("</form>", page.index(printing))]
    assert 'name="csrf_token"' in print_form and _german(app, "Print the letter") in print_form


def test_the_printed_letter_opens_the_answer_page_with_a_fresh_token(app, client, db_session, by_post):
    submission, caseworker = by_post
    sign_in(client, caseworker.email)
    _ask(client, submission.reference, slot=["passport"])
    [asked] = _requests(db_session, submission)
    recorded_hash = asked.token_hash

    response = _print(client, submission.reference, asked.id)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment")
    [url] = _qr_codes(response.get_data())
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == settings_of(app).office.url("")
    match = re.fullmatch(r"/uk/answer/([A-Za-z0-9_-]{20,})", parts.path)
    assert match, url
    token = match.group(1)
    [asked] = _requests(db_session, submission)
    assert asked.token_hash == document_requests.token_hash(token) != recorded_hash
    with app.app_context():
        assert document_requests.request_from_token(db_session, token, _today()).id == asked.id
    opened = _answer_page(app, parts.path)
    if opened is not None:
        assert opened.status_code == 200 and opened.request.path == f"/uk/status/{submission.reference}"
    event = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "print_request_letter")).one()
    assert event.object_id == submission.reference and event.detail == {"request": asked.id}
    assert event.staff_user_id == caseworker.id

    # Printed again: a new token; the first letter's code opens nothing any more.
    [again] = _qr_codes(_print(client, submission.reference, asked.id).get_data())
    second = urlsplit(again).path.rsplit("/", 1)[1]
    assert second != token
    assert document_requests.request_from_token(db_session, token, _today()) is None
    assert document_requests.request_from_token(db_session, second, _today()).id == asked.id
    stale = _answer_page(app, parts.path)
    assert stale is None or stale.status_code == 404, "the first letter's code opens nothing"


def _answer_page(app, path: str):
    """The letter's link opened by the applicant (a browser of their own), redirects followed;
    None while the portal has no answer page (the token's hash is checked apart)."""
    from werkzeug.exceptions import NotFound

    try:
        app.url_map.bind("localhost").match(path, method="GET")
    except NotFound:
        return None
    return app.test_client().get(path, follow_redirects=True)


def test_a_request_sent_by_mail_is_not_printed(app, client, db_session, wetzlar):
    submission, caseworker = wetzlar
    sign_in(client, caseworker.email)
    _ask(client, submission.reference, slot=["passport"])
    [asked] = _requests(db_session, submission)
    assert asked.delivery == "mail"
    page = _page(client, submission.reference)
    assert f"/requests/{asked.id}/letter" not in page, "its answer link is in the mail"
    recorded_hash = asked.token_hash
    assert _print(client, submission.reference, asked.id).status_code == 404
    assert _requests(db_session, submission)[0].token_hash == recorded_hash


def test_a_request_of_another_submission_or_no_longer_open_is_not_printed(app, client, db_session, by_post,
                                                                          make_submission):
    submission, caseworker = by_post
    other = make_submission(surname="Коваленко", given_names="Марія").submission
    sign_in(client, caseworker.email)
    _ask(client, submission.reference, slot=["passport"])
    [asked] = _requests(db_session, submission)
    assert _print(client, other.reference, asked.id).status_code == 404
    assert _print(client, submission.reference, asked.id + 1000).status_code == 404
    token = csrf_token_from(_page(client, submission.reference))
    client.post(f"/backoffice/submissions/{submission.reference}/close", data={"csrf_token": token})
    [asked] = _requests(db_session, submission)
    assert asked.state == "withdrawn"
    response = _print(client, submission.reference, asked.id)
    assert response.status_code == 302 and response.mimetype != "application/pdf"
    assert not db_session.scalars(select(AuditEvent).where(AuditEvent.action == "print_request_letter")).all()


def test_a_caseworker_of_the_other_site_cannot_print_or_read_the_conversation(app, client, db_session, by_post,
                                                                             make_staff):
    submission, caseworker = by_post
    sign_in(client, caseworker.email)
    _ask(client, submission.reference, slot=["passport"], message="Seite mit dem Visum")
    [asked] = _requests(db_session, submission)
    recorded_hash = asked.token_hash

    dillenburg = app.test_client()
    sign_in(dillenburg, make_staff("caseworker", "DIL").email)
    token = csrf_token_from(dillenburg.get("/backoffice/").get_data(as_text=True))
    refused = dillenburg.post(f"/backoffice/submissions/{submission.reference}/requests/{asked.id}/letter",
                              data={"csrf_token": token})
    assert refused.status_code == 403 and refused.mimetype != "application/pdf"
    page = dillenburg.get(f"/backoffice/submissions/{submission.reference}")
    assert page.status_code == 403 and "Seite mit dem Visum" not in page.get_data(as_text=True)
    assert _requests(db_session, submission)[0].token_hash == recorded_hash
    denied = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "denied")).all()
    assert {(e.object_type, e.object_id) for e in denied} == {("submission", submission.reference)}
    assert len(denied) == 2


# -- the conversation ----------------------------------------------------------------------------

def test_the_conversation_shows_both_sides_in_order_escaped(app, client, db_session, wetzlar):
    submission, caseworker = wetzlar
    sign_in(client, caseworker.email)
    _ask(client, submission.reference, slot=["passport"], message="Bitte die Seite mit dem Visum.")
    [asked] = _requests(db_session, submission)
    written = "Добрий день! Надсилаю паспорт. <script>alert('x')</script>"
    with app.app_context():
        add_applicant_message(db_session, submission, written, language="uk", channel=MessageChannel.WEB,
                              request=asked, document_count=2)
    db_session.commit()
    latin = latin_reading(written)
    assert latin.startswith("Dobryi den! Nadsylaiu pasport.") and "<script>alert('x')</script>" in latin

    page = _page(client, submission.reference)
    assert "<script>alert(" not in page
    section = page[page.index('id="conversation-heading"'):]
    section = section[:section.index("</section>")]
    messages = re.findall(r'<li class="conversation-message conversation-message--(\w+)" id="message-(\d+)"'
                          r' data-author="\w+" data-channel="(\w+)"', section)
    assert [(author, channel) for author, _id, channel in messages] == [("office", "email"), ("applicant", "web")]
    office, applicant = (section[section.index(f'id="message-{ident}"'):] for _a, ident, _c in messages)
    applicant = applicant[:applicant.index("</li>")]
    office = office[:office.index("</li>")]
    # The office: who, the German text, and the applicant's copy as sent (Ukrainian) folded away.
    assert caseworker.full_name in office and "Bitte die Seite mit dem Visum." in office
    assert "Reisepass" in office, "the requested documents in German"
    assert re.search(r'<details class="conversation-message__sent">\s*<summary>', office)
    sent = db_session.scalars(select(SubmissionMessage).where(SubmissionMessage.author == "office")).one().sent_text
    line = next(line for line in sent.splitlines() if submission.reference in line)
    assert str(escape(line)) in office.split("<details", 1)[1]
    assert '<p class="conversation-text" lang="uk" dir="auto">' in office
    # The applicant: as written (its own direction, isolated), the Latin reading beside it, escaped.
    assert (f'<p class="conversation-text conversation-text--written" lang="uk" dir="auto"><bdi>{escape(written)}'
            f'</bdi></p>') in applicant
    assert str(escape(latin)) in applicant and 'lang="und-Latn"' in applicant
    assert _german(app, "Applicant") in applicant and caseworker.full_name not in applicant
    assert re.search(r'class="conversation-message__documents">[^<]*\b2\b', applicant)
    # The open request, its deadline, not overdue, sent by mail (no letter to print).
    start = section.index(f'id="request-{asked.id}"')
    request_item = section[section.rindex("<li", 0, start):section.index("</li>\n", start)]
    assert 'data-delivery="mail"' in request_item and "conversation-request__overdue" not in request_item
    assert "/letter" not in request_item and "Reisepass" in request_item


def test_an_overdue_request_says_so_on_the_submission_page(app, client, db_session, wetzlar):
    submission, caseworker = wetzlar
    asked = _asked_earlier(app, db_session, submission, caseworker, days_ago=20, deadline_days=14)
    sign_in(client, caseworker.email)
    page = _page(client, submission.reference)
    start = page.index(f'id="request-{asked.id}"')
    item = page[page.rindex("<li", 0, start):page.index("</li>", start)]
    assert "conversation-request--overdue" in item and "conversation-request__overdue" in item


def test_hostile_text_in_the_message_field_is_shown_as_text(app, client, db_session, by_post):
    submission, caseworker = by_post
    sign_in(client, caseworker.email)
    hostile = '"><img src=x onerror=alert(1)> {{ 7*7 }} <script>document.cookie</script>'
    assert _ask(client, submission.reference, message=hostile).status_code == 302
    [asked] = _requests(db_session, submission)
    assert asked.message == hostile
    page = _page(client, submission.reference)
    assert "<img src=x" not in page and "<script>document" not in page
    shown = str(escape(hostile))
    assert "{{ 7*7 }}" in shown and page.count(shown) >= 2  # in the conversation and the history, as written


# -- the queue -----------------------------------------------------------------------------------

def _asked_earlier(app, db_session, submission, staff, *, days_ago: int, deadline_days: int) -> DocumentRequest:
    """A request made `days_ago` days ago with a deadline `deadline_days` after that day."""
    then = _today() - timedelta(days=days_ago)
    with app.test_request_context():
        made = document_requests.ask_for_documents(db_session, submission, staff, ["passport"], "",
                                                   deadline=then + timedelta(days=deadline_days), today=then,
                                                   office=settings_of(app).office)
    db_session.commit()
    return made.request


@pytest.fixture
def answers(app, db_session, make_submission, make_staff):
    """Wetzlar's queue: an answer received, two answers overdue, one request still within its
    deadline, one submission nobody asked anything; and Dillenburg's caseworker."""
    staff = make_staff("caseworker", "WZ")
    made = {name: make_submission(surname=surname, service_code="temporary-protection").submission
            for name, surname in (("received", "Бондаренко"), ("overdue", "Ткаченко"), ("late", "Мельник"),
                                  ("waiting", "Кравченко"), ("nothing", "Шевчук"))}
    asked = _asked_earlier(app, db_session, made["received"], staff, days_ago=5, deadline_days=14)
    with app.app_context():
        document_requests.send_answer(db_session, None, asked, "Ось паспорт.", language="uk")
    db_session.commit()
    _asked_earlier(app, db_session, made["overdue"], staff, days_ago=20, deadline_days=14)
    _asked_earlier(app, db_session, made["late"], staff, days_ago=2, deadline_days=1)  # deadline yesterday
    _asked_earlier(app, db_session, made["waiting"], staff, days_ago=0, deadline_days=1)  # deadline tomorrow
    return staff, made


def _row_of(body: str, reference: str) -> str:
    start = body.index(f">{reference}<")
    return body[body.rindex("<tr", 0, start):body.index("</tr>", start)]


def _references(client, query: str = "") -> set[str]:
    response = client.get(f"/backoffice/queue{query}")
    assert response.status_code == 200
    return set(REFERENCE.findall(response.get_data(as_text=True)))


def test_the_queue_filters_documents_received_and_answers_overdue(app, client, answers):
    staff, made = answers
    sign_in(client, staff.email)
    assert _references(client) == {s.reference for s in made.values()}
    assert _references(client, "?answer=received") == {made["received"].reference}
    assert _references(client, "?answer=overdue") == {made["overdue"].reference, made["late"].reference}
    assert _references(client, "?answer=overdue&status=awaiting_documents") == {
        made["overdue"].reference, made["late"].reference}
    assert _references(client, "?answer=bogus") == {s.reference for s in made.values()}, "ignored, like others"
    body = client.get("/backoffice/queue?answer=overdue").get_data(as_text=True)
    assert '<option value="overdue" selected>' in body.split('id="queue-answer"', 1)[1].split("</select>")[0]


def test_queue_rows_carry_the_badges(app, client, answers):
    staff, made = answers
    sign_in(client, staff.email)
    body = client.get("/backoffice/queue").get_data(as_text=True)
    received, overdue = _german(app, "Documents received"), _german(app, "Answer overdue")
    expected = {"received": (True, False), "overdue": (False, True), "late": (False, True),
                "waiting": (False, False), "nothing": (False, False)}
    for name, (has_received, has_overdue) in expected.items():
        row = _row_of(body, made[name].reference)
        assert ("queue-badge--answer-received" in row) == has_received, name
        assert ("queue-badge--answer-overdue" in row) == has_overdue, name
        assert (received in row) == has_received and (overdue in row) == has_overdue, name


def test_the_next_staff_status_change_clears_documents_received(app, client, db_session, answers):
    staff, made = answers
    sign_in(client, staff.email)
    reference = made["received"].reference
    assert _ask(client, reference, slot=["photo"]).status_code == 302  # asked again: the office acted
    db_session.expire_all()
    assert db_session.get(Submission, made["received"].id).status == "awaiting_documents"
    assert _references(client, "?answer=received") == set() and reference in _references(client)


def test_paging_through_answers_overdue_keeps_the_filter(app, client, db_session, answers, monkeypatch):
    from portal.backoffice import queue as views

    staff, made = answers
    monkeypatch.setattr(views, "PAGE_SIZE", 1)
    sign_in(client, staff.email)
    seen, url = [], "/backoffice/queue?answer=overdue&sort=newest"
    while url:
        body = client.get(url).get_data(as_text=True)
        seen += REFERENCE.findall(body)
        link = re.search(r'href="(/backoffice/queue\?after=[^"]+)"', body)
        url = html.unescape(link.group(1)) if link else None
        assert url is None or "answer=overdue" in url
        assert len(seen) < 10
    assert sorted(seen) == sorted([made["overdue"].reference, made["late"].reference])


def test_the_other_sites_caseworker_sees_none_of_it_in_the_queue(app, client, answers, make_staff):
    _staff, _made = answers
    sign_in(client, make_staff("caseworker", "DIL").email)
    assert _references(client, "?answer=overdue") == set()
    assert _references(client, "?answer=received") == set()
