"""The status of a submission changes in one place, Submission.change_status, by a table of the
changes the office makes: received, then in progress or awaiting documents, then filed
(attached), rejected or closed, and nothing after that."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from portal.models import StaffUser, Submission, SubmissionStatus
from portal.models.submission import OPEN_STATUSES, TRANSITIONS, StatusChangeRefused

S = SubmissionStatus
FINAL = (S.ATTACHED, S.REJECTED, S.CLOSED)
AT = datetime(2026, 3, 9, 8, 30, tzinfo=timezone.utc)


def _submission(status: SubmissionStatus | None) -> Submission:
    submission = Submission(reference="ABH-2026-000042-6")
    if status is not None:
        submission.status = status
    return submission


def test_the_table_names_every_status():
    assert set(TRANSITIONS) == {None, *SubmissionStatus}


@pytest.mark.parametrize(("current", "wanted"), [
    (None, S.RECEIVED),  # the intake
    (S.RECEIVED, S.IN_PROGRESS),  # the first claim
    (S.RECEIVED, S.RECEIVED),  # a message received before anyone worked on it
    (S.IN_PROGRESS, S.IN_PROGRESS),  # a message received while someone works on it
    (S.IN_PROGRESS, S.AWAITING_DOCUMENTS),
    (S.AWAITING_DOCUMENTS, S.AWAITING_DOCUMENTS),  # asked once more
    (S.AWAITING_DOCUMENTS, S.IN_PROGRESS),  # the documents came
    *[(open_status, final) for open_status in OPEN_STATUSES for final in FINAL],
])
def test_the_changes_the_office_makes_are_allowed_and_leave_a_history_entry(current, wanted):
    submission = _submission(current)
    before = len(submission.history)
    staff = StaffUser(id=7, email="o.petrenko@abh-test.example", full_name="Olena Petrenko")
    change = submission.change_status(wanted, at=AT, staff=staff, note="Ваш паспорт отримано.")
    assert submission.status == wanted
    assert len(submission.history) == before + 1 and submission.history[-1] is change
    assert (change.status, change.at, change.staff_user_id, change.note) == (wanted, AT, 7, "Ваш паспорт отримано.")


@pytest.mark.parametrize(("current", "wanted"), [
    (None, S.IN_PROGRESS),  # nothing skips the intake
    (None, S.ATTACHED),
    (S.IN_PROGRESS, S.RECEIVED),  # work once started is not "received" again
    (S.AWAITING_DOCUMENTS, S.RECEIVED),
    *[(final, wanted) for final in FINAL for wanted in SubmissionStatus],  # final is final
])
def test_other_changes_are_refused_and_change_nothing(current, wanted):
    submission = _submission(current)
    assert not submission.may_change_to(wanted)
    with pytest.raises(StatusChangeRefused) as refused:
        submission.change_status(wanted, at=AT)
    assert refused.value.wanted == wanted.value
    assert submission.status == current and submission.history == []


def test_a_change_without_a_time_or_staff_member_is_the_system_now():
    submission = _submission(None)
    change = submission.change_status(S.RECEIVED)
    assert change.staff_user_id is None and change.note == ""
    assert abs((datetime.now(timezone.utc) - change.at).total_seconds()) < 60


@pytest.mark.parametrize("status", list(SubmissionStatus))
def test_open_means_still_being_worked_on(status):
    assert _submission(status).is_open == (status in OPEN_STATUSES)
    # Exactly the open ones can still be finished (the queue, claims and filing rely on this).
    assert _submission(status).may_change_to(S.CLOSED) == (status in OPEN_STATUSES)
