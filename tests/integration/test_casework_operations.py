"""The caseworker's operations on a submission, called as the domain functions they are (no
HTTP): claim and release, reject, close, ask for documents, file in a case file or open a new
one. Each changes the status only as the table allows (Submission.change_status), writes the
history the applicant reads and its own audit entry; a refused one changes nothing."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from portal.casefiles.notes import NOTE_MAX_LENGTH, add_note
from portal.casefiles.operations import attach_submission
from portal.casework import actions
from portal.casework import requests as document_requests
from portal.casework import queue as inbound
from portal.domain.office_time import aware
from portal.intake.email.understanding import note_received
from portal.models import AuditEvent, CaseFile, CaseFileNote, OutboundMail, Submission
from portal.models.submission import StatusChangeRefused
from tests.support.app_factory import default_settings

RULES = default_settings().queue


@pytest.fixture
def anna(make_staff):
    return make_staff("caseworker", "WZ")


def _ask(session, submission, staff, slots, message=""):
    today = date(2026, 12, 7)
    return document_requests.ask_for_documents(session, submission, staff, slots, message,
                                               deadline=today + timedelta(days=14), today=today,
                                               office=default_settings().office)


def _history(submission: Submission) -> list[tuple[str, int | None]]:
    return [(change.status, change.staff_user_id) for change in submission.history]


def _audit(db_session, action: str) -> list[AuditEvent]:
    return list(db_session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def _fresh(db_session, submission: Submission) -> Submission:
    db_session.expire_all()
    return db_session.get(Submission, submission.id)


# -- claims --------------------------------------------------------------------------------------

def test_the_first_claim_starts_the_work_and_each_claim_is_audited(db_session, make_submission, anna):
    item = make_submission().submission
    assert _history(item) == [("received", None)], "the intake writes the first entry"
    now = datetime.now(timezone.utc)
    result = inbound.claim(db_session, item.id, anna.id, now=now, rules=RULES, client_address="10.1.0.5")
    db_session.commit()
    assert result.started and not result.renewed
    item = _fresh(db_session, item)
    assert item.status == "in_progress" and item.assignee_id == anna.id
    assert _history(item) == [("received", None), ("in_progress", anna.id)] and aware(item.history[-1].at) == now
    [event] = _audit(db_session, "claim")
    assert (event.staff_user_id, event.object_type, event.object_id, event.client_address) == \
        (anna.id, "submission", item.reference, "10.1.0.5")
    assert event.detail == {"renewed": False, "started": True, "took_over_from": None}

    # Claimed again by the same caseworker: the time starts again, the work had started already.
    again = inbound.claim(db_session, item.id, anna.id, now=now, rules=RULES)
    db_session.commit()
    assert again.renewed and not again.started
    assert len(_fresh(db_session, item).history) == 2
    assert _audit(db_session, "claim")[-1].detail == {"renewed": True, "started": False, "took_over_from": None}


def test_release_is_audited_with_whose_claim_it_was(db_session, make_submission, make_staff, anna):
    lead = make_staff("team_lead", "WZ")
    item = make_submission().submission
    inbound.claim(db_session, item.id, anna.id, now=datetime.now(timezone.utc), rules=RULES)
    db_session.commit()
    with pytest.raises(inbound.ClaimError):
        inbound.release(db_session, item.id, lead.id, may_release_others=False)
    db_session.rollback()
    assert _audit(db_session, "release") == []
    assert inbound.release(db_session, item.id, lead.id, may_release_others=True, client_address="10.1.0.9") == anna.id
    db_session.commit()
    assert _fresh(db_session, item).assignee_id is None
    [event] = _audit(db_session, "release")
    assert (event.staff_user_id, event.object_id, event.detail) == (lead.id, item.reference, {"holder": anna.id})


def test_a_finished_submission_is_not_claimed_and_nothing_is_written(db_session, make_submission, anna):
    item = make_submission().submission
    actions.close(db_session, item, anna, "Hat sich erledigt.")
    db_session.commit()
    with pytest.raises(inbound.ClaimError) as refused:
        inbound.claim(db_session, item.id, anna.id, now=datetime.now(timezone.utc), rules=RULES)
    assert refused.value.code == "not_open"
    db_session.rollback()
    item = _fresh(db_session, item)
    assert item.status == "closed" and item.assignee_id is None and _audit(db_session, "claim") == []


# -- reject, close, ask for documents --------------------------------------------------------------

def test_reject_needs_a_reason_and_a_rejected_submission_stays_as_it_is(db_session, make_submission, anna):
    item = make_submission().submission
    with pytest.raises(actions.ActionRefused) as refused:
        actions.reject(db_session, item, anna, "   ")
    assert refused.value.code == "reason_missing" and item.status == "received"
    actions.reject(db_session, item, anna, " Kein Wohnsitz im Lahn-Dill-Kreis. ", client_address="10.1.0.5")
    db_session.commit()
    item = _fresh(db_session, item)
    assert item.status == "rejected" and item.history[-1].note == "Kein Wohnsitz im Lahn-Dill-Kreis."
    [event] = _audit(db_session, "reject")
    assert (event.staff_user_id, event.object_id, event.detail) == (anna.id, item.reference, {"status": "rejected"})

    for refused_action in (lambda: actions.close(db_session, item, anna),
                           lambda: actions.reject(db_session, item, anna, "Noch einmal."),
                           lambda: _ask(db_session, item, anna, ["attachment"])):
        with pytest.raises(actions.ActionRefused) as refused:
            refused_action()
        assert refused.value.code == "not_open"
    db_session.rollback()
    item = _fresh(db_session, item)
    assert [status for status, _ in _history(item)] == ["received", "rejected"]
    assert _audit(db_session, "close") == [] and _audit(db_session, "request_documents") == []


def test_close_keeps_the_note_within_its_limit(db_session, make_submission, anna):
    item = make_submission().submission
    with pytest.raises(actions.ActionRefused) as refused:
        actions.close(db_session, item, anna, "ж" * (actions.MAX_NOTE + 1))
    assert refused.value.code == "note_too_long" and item.status == "received" and len(item.history) == 1
    actions.close(db_session, item, anna, "ж" * actions.MAX_NOTE)
    db_session.commit()
    item = _fresh(db_session, item)
    assert item.status == "closed" and _history(item)[-1] == ("closed", anna.id)
    assert _audit(db_session, "close")[0].detail == {"status": "closed"}


def test_asking_for_documents_mails_the_applicant_and_their_answer_puts_it_back_to_work(
        app, db_session, make_submission, anna):
    item = make_submission(language="uk").submission
    with app.app_context():
        with pytest.raises(actions.ActionRefused) as refused:
            _ask(db_session, item, anna, [], "  ")
        assert refused.value.code == "nothing_requested"
        _ask(db_session, item, anna, ["attachment"], "Бракує сторінки паспорта.")
        # Asked once more while waiting: one more entry, the status stays.
        _ask(db_session, item, anna, [], "Und das Meldeformular.")
        db_session.commit()
    item = _fresh(db_session, item)
    assert [status for status, _ in _history(item)] == ["received", "awaiting_documents", "awaiting_documents"]
    mails = db_session.scalars(select(OutboundMail).where(OutboundMail.submission_id == item.id)).all()
    assert len(mails) == 2 and {m.language for m in mails} == {"uk"} and mails[0].recipient == item.applicant_email
    assert [e.detail["slots"] for e in _audit(db_session, "request_documents")] == [["attachment"], []]

    with app.app_context():
        note_received(item, 1, datetime.now(timezone.utc))  # the applicant's mail with the page
    assert item.status == "in_progress" and item.history[-1].status == "in_progress"
    assert item.history[-1].staff_user_id is None and item.history[-1].note


# -- filing in a case file -------------------------------------------------------------------------

def test_only_an_open_submission_is_filed(db_session, make_submission, case_files, anna):
    item = make_submission().submission
    shevchenko = case_files[0]
    actions.attach(db_session, item, shevchenko, anna, client_address="10.1.0.5")
    db_session.commit()
    item = _fresh(db_session, item)
    assert item.status == "attached" and item.case_file_id == shevchenko.id
    assert _history(item)[-1] == ("attached", anna.id)
    [event] = _audit(db_session, "attach")
    assert event.object_id == item.reference and event.detail["case_file"] == shevchenko.file_number

    # Filed is final: not filed again, here or elsewhere.
    for target in (shevchenko, case_files[2]):
        with pytest.raises(actions.ActionRefused) as refused:
            actions.attach(db_session, item, target, anna)
        assert refused.value.code == "not_attachable"
    rejected = make_submission(surname="Yılmaz", given_names="Ayşe").submission
    actions.reject(db_session, rejected, anna, "Falsche Behörde.")
    db_session.commit()
    with pytest.raises(actions.ActionRefused):
        actions.attach(db_session, rejected, case_files[2], anna)
    # Below the caseworker's action, the status table refuses it too.
    with pytest.raises(StatusChangeRefused):
        attach_submission(db_session, rejected, case_files[2], anna)
    db_session.rollback()
    assert _fresh(db_session, rejected).status == "rejected" and rejected.case_file_id is None
    assert len(_audit(db_session, "attach")) == 1


def test_a_new_case_file_is_opened_only_for_an_open_submission_not_linked_to_one(
        db_session, make_submission, case_files, sites, anna):
    linked = make_submission().submission
    linked.case_file_id = case_files[0].id  # an e-mail named this file: confirm it or file elsewhere
    db_session.commit()
    with pytest.raises(actions.ActionRefused) as refused:
        actions.open_case_file(db_session, linked, sites["WZ"], anna)
    assert refused.value.code == "not_attachable"
    closed = make_submission(surname="Коваленко", given_names="Ірина").submission
    actions.close(db_session, closed, anna)
    with pytest.raises(actions.ActionRefused):
        actions.open_case_file(db_session, closed, sites["WZ"], anna)
    db_session.rollback()
    files = db_session.scalar(select(CaseFile.id).order_by(CaseFile.id.desc()).limit(1))

    fresh = make_submission(surname="Коваленко", given_names="Ірина").submission
    opened = actions.open_case_file(db_session, fresh, sites["WZ"], anna, client_address="10.1.0.5")
    db_session.commit()
    assert opened.id > files and opened.surname == "Коваленко"
    fresh = _fresh(db_session, fresh)
    assert fresh.status == "attached" and fresh.case_file_id == opened.id
    assert [e.object_id for e in _audit(db_session, "create")] == [opened.file_number]
    assert [e.object_id for e in _audit(db_session, "attach")] == [fresh.reference]


# -- notes in a case file --------------------------------------------------------------------------

def test_a_note_in_a_case_file_is_audited_by_its_length_only(db_session, case_files, anna):
    shevchenko = case_files[0]
    note = add_note(db_session, shevchenko, anna, "  Termin zur Vorsprache vereinbart.  ", client_address="10.1.0.5")
    db_session.commit()
    assert note.text == "Termin zur Vorsprache vereinbart."
    [event] = _audit(db_session, "change")
    assert (event.staff_user_id, event.object_type, event.object_id) == (anna.id, "case_file", shevchenko.file_number)
    assert event.detail == {"note_id": note.id, "length": len(note.text)}
    with pytest.raises(ValueError):
        add_note(db_session, shevchenko, anna, "x" * (NOTE_MAX_LENGTH + 1))
    db_session.rollback()
    assert db_session.scalar(select(CaseFileNote.id).where(CaseFileNote.id != note.id)) is None
