"""Who a message comes from decides what it may join: a reference (ABH-…) adds a message to a
submission only from the applicant's own address; from anyone else it is a new submission that
the caseworker may add there with one click, and the sender cannot tell whether the reference
exists. The acknowledgement goes to the address part of From, never to one hidden in the
display name."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.intake.references import format_reference
from portal.models import AuditEvent, Document, InboundMail, OutboundMail, ReplyLimit, Submission, SubmissionStatus
from portal.models._types import utcnow
from tests.support import mail_corpus as corpus
from tests.support.helpers import csrf_token_from, sign_in

STRANGER = "Petro Kovalenko <p.kovalenko@example.net>"


@pytest.fixture
def waiting(make_submission, db_session):
    """A web submission of Wetzlar waiting for documents (applicant o.shevchenko@example.org)."""
    submission = make_submission().submission
    submission.status = SubmissionStatus.AWAITING_DOCUMENTS
    db_session.commit()
    return submission


def _documents(session, submission) -> list[Document]:
    return session.scalars(select(Document).where(Document.submission_id == submission.id)
                           .order_by(Document.id)).all()


def _acks(session) -> list[OutboundMail]:
    return session.scalars(select(OutboundMail).order_by(OutboundMail.id)).all()


def _answer_again(session, address: str) -> None:
    """As if the sender's last acknowledgement was more than an hour ago."""
    limit = session.get(ReplyLimit, address)
    limit.last_sent_at = limit.last_sent_at - timedelta(minutes=61)
    session.commit()


# -- joining -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("sender", [
    corpus.SENDER,
    "Oleksandr Shevchenko <O.Shevchenko@EXAMPLE.ORG>",  # case does not count
])
def test_the_applicant_joins_their_own_submission(db_session, take, waiting, sender):
    mail = take(corpus.with_attachments(subject=f"Re: {waiting.reference}", sender=sender))
    assert mail.submission_id == waiting.id and "named_reference" not in mail.details
    db_session.refresh(waiting)
    assert waiting.status == SubmissionStatus.IN_PROGRESS and len(_documents(db_session, waiting)) == 2


def test_the_applicant_with_an_idn_domain_in_its_ascii_form_joins(db_session, take, waiting):
    waiting.applicant_email = "juergen.mueller@bücher.example"
    db_session.commit()
    mail = take(corpus.plain(f"Unterlagen zu {waiting.reference}, {corpus.TEXTS['de']}",
                             sender="Jürgen Müller <Juergen.Mueller@xn--bcher-kva.example>"))
    assert mail.submission_id == waiting.id


@pytest.mark.parametrize("sender", [
    STRANGER,
    "Oleksandr <o.shevchenko+abh@example.org>",  # plus-addressing is not folded (see addresses.py)
])
def test_another_sender_gets_a_new_submission_that_names_the_reference(db_session, take, waiting, sender):
    before = [d.id for d in _documents(db_session, waiting)]
    mail = take(corpus.with_attachments(subject=f"Re: Unterlagen {waiting.reference}", sender=sender,
                                        message_id="<stranger@example.net>"))
    db_session.refresh(waiting)
    assert mail.status == "processed" and mail.submission_id != waiting.id
    assert mail.details["named_reference"] == {"reference": waiting.reference}
    assert waiting.status == SubmissionStatus.AWAITING_DOCUMENTS and len(waiting.history) == 1
    assert [d.id for d in _documents(db_session, waiting)] == before
    new = mail.submission
    assert new.site_id is None and new.case_file_id is None and len(_documents(db_session, new)) == 1


def test_another_sender_naming_a_finished_submission_is_not_put_into_its_case_file(db_session, take,
                                                                                  make_submission, case_files):
    finished = make_submission().submission
    finished.status, finished.case_file_id = SubmissionStatus.CLOSED, case_files[0].id
    db_session.commit()
    mail = take(corpus.plain(f"Frage zu {finished.reference}: wann ist mein Termin? Vielen Dank.",
                             sender=STRANGER, message_id="<late-stranger@example.net>"))
    assert mail.submission.case_file_id is None and mail.submission.site_id is None
    assert mail.details["named_reference"] == {"reference": finished.reference}


def test_the_acknowledgement_does_not_tell_whether_the_reference_exists(app, db_session, take, waiting,
                                                                        make_submission, case_files):
    """The same stranger names: an open submission of someone else, a finished one, a reference
    with a valid check digit that does not exist, and none. The four answers are the same mail
    but for the new reference and status code each new submission gets."""
    finished = make_submission().submission
    finished.status, finished.case_file_id = SubmissionStatus.CLOSED, case_files[0].id
    db_session.commit()
    missing = format_reference(utcnow().year, 987654)
    assert db_session.scalar(select(Submission).where(Submission.reference == missing)) is None
    named = [waiting.reference, finished.reference, missing, None]
    normalised = []
    for number, reference in enumerate(named):
        about = f" {reference}" if reference else ""
        mail = take(corpus.with_attachments(f"Guten Tag, hier die Unterlagen{about}. {corpus.TEXTS['de']}",
                                            subject=f"Unterlagen{about}", sender=STRANGER,
                                            message_id=f"<probe-{number}@example.net>"))
        [ack] = [a for a in _acks(db_session) if a.submission_id == mail.submission_id]
        assert mail.submission.reference not in named
        code = re.search(r"code=([A-Z0-9-]+)", ack.body_text).group(1)
        normalised.append({field: getattr(ack, field).replace(mail.submission.reference, "<REF>")
                           .replace(code, "<CODE>") for field in ("recipient", "subject", "body_text", "body_html",
                                                                 "language")})
        _answer_again(db_session, "p.kovalenko@example.net")
    assert len(_acks(db_session)) == 4
    assert normalised[0] == normalised[1] == normalised[2] == normalised[3]
    assert "<CODE>" in normalised[0]["body_text"] and waiting.reference not in normalised[0]["body_text"]


# -- the display name never gives the address -------------------------------------------------------
@pytest.mark.parametrize("from_field", [
    f"{corpus.b_word('Eve' + chr(13) + chr(10) + 'Bcc: ' + corpus.VICTIM)} <{corpus.EVE}>",
    f'{corpus.b_word(chr(34) + "Eve" + chr(13) + chr(10) + "Bcc: " + corpus.VICTIM + chr(34))} <{corpus.EVE}>',
    f"{corpus.q_word('Eve' + chr(13) + chr(10) + 'Bcc: ' + corpus.VICTIM)} <{corpus.EVE}>",
    f"{corpus.b_word('Eve' + chr(13) + chr(10) + '<' + corpus.VICTIM + '>')} <{corpus.EVE}>",
])
def test_the_acknowledgement_goes_to_the_address_part(db_session, take, from_field):
    mail = take(corpus.injected_display_name(from_field, address_part=""))
    assert mail.sender == corpus.EVE and mail.submission.applicant_email == corpus.EVE
    assert [a.recipient for a in _acks(db_session)] == [corpus.EVE]


# -- the caseworker adds it ------------------------------------------------------------------------
def _page(client, reference: str) -> str:
    return client.get(f"/backoffice/submissions/{reference}").get_data(as_text=True)


def test_the_caseworker_sees_the_note_in_german_and_adds_the_mail(app, client, db_session, take, waiting,
                                                                 make_staff):
    mail = take(corpus.with_attachments(subject=f"Re: {waiting.reference}", sender=STRANGER,
                                        message_id="<relative@example.net>"))
    made = mail.submission
    caseworker = make_staff("caseworker", "WZ")  # reads the back office in German
    sign_in(client, caseworker.email)
    page = _page(client, made.reference)
    assert f'id="mail-{mail.id}-named"' in page and f'id="mail-{mail.id}-add-to-named"' in page
    assert f"Nennt {waiting.reference}, kommt aber von einem anderen Absender" in page
    url = f"/backoffice/mail/{mail.id}/add-to-named"
    assert client.post(url, data={}).status_code == 400  # CSRF
    response = client.post(url, data={"csrf_token": csrf_token_from(page)})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/submissions/{waiting.reference}")

    db_session.expire_all()
    mail, waiting, made = (db_session.get(InboundMail, mail.id), db_session.get(Submission, waiting.id),
                           db_session.get(Submission, made.id))
    assert mail.submission_id == waiting.id and mail.details["named_reference"]["outcome"] == "joined"
    assert sorted(d.source for d in _documents(db_session, waiting)) == ["email", "web"]
    assert _documents(db_session, made) == []
    assert waiting.status == SubmissionStatus.IN_PROGRESS and waiting.history[-1].staff_user_id == caseworker.id
    assert made.status == SubmissionStatus.CLOSED and made.history[-1].note  # in the sender's language
    [event] = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "add_named_mail")).all()
    assert (event.staff_user_id, event.object_id, event.detail["from"]) == (caseworker.id, waiting.reference,
                                                                              made.reference)
    page = _page(client, waiting.reference)
    assert f'id="mail-{mail.id}-named"' in page and f'id="mail-{mail.id}-add-to-named"' not in page
    # Once is enough.
    assert client.post(url, data={"csrf_token": csrf_token_from(page)}).status_code == 302
    assert db_session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "add_named_mail")) == 1


def test_a_caseworker_of_the_other_site_may_not_add_it(client, db_session, take, waiting, make_staff):
    mail = take(corpus.with_attachments(subject=f"Re: {waiting.reference}", sender=STRANGER,
                                        message_id="<other-site@example.net>"))
    sign_in(client, make_staff("caseworker", "DIL").email)
    page = _page(client, mail.submission.reference)  # unassigned: every caseworker triages it
    response = client.post(f"/backoffice/mail/{mail.id}/add-to-named", data={"csrf_token": csrf_token_from(page)})
    assert response.status_code == 403
    db_session.expire_all()
    assert db_session.get(InboundMail, mail.id).submission_id != waiting.id
    assert db_session.scalar(select(AuditEvent).where(AuditEvent.action == "denied",
                                                      AuditEvent.object_id == waiting.reference)) is not None


def test_a_finished_named_submission_gives_its_case_file(client, db_session, take, make_submission, case_files,
                                                         make_staff):
    finished = make_submission().submission
    finished.status, finished.case_file_id = SubmissionStatus.CLOSED, case_files[0].id
    db_session.commit()
    mail = take(corpus.plain(f"Noch eine Frage zu {finished.reference}, {corpus.TEXTS['de']}", sender=STRANGER,
                             message_id="<late-relative@example.net>"))
    sign_in(client, make_staff("team_lead", "WZ").email)
    page = _page(client, mail.submission.reference)
    client.post(f"/backoffice/mail/{mail.id}/add-to-named", data={"csrf_token": csrf_token_from(page)})
    db_session.expire_all()
    made = db_session.get(Submission, mail.submission_id)
    assert made.case_file_id == case_files[0].id and made.status == SubmissionStatus.RECEIVED
    assert db_session.get(InboundMail, mail.id).details["named_reference"]["outcome"] == "linked"
