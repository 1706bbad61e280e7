"""Retention: which case files are due, and `flask retention list|delete` removing everything
personal of them, leaving one audit event without names or file numbers."""
from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from portal.casefiles.retention import (
    UnknownRetentionRule,
    effective_retention_until,
    mark_moved_away,
    retention_until_for,
)
from portal.models import (
    AuditEvent,
    Booking,
    BookingStatus,
    CaseFile,
    CaseFileAlias,
    CaseFileNameKey,
    CaseFileNote,
    CaseFileStatus,
    Document,
    OutboundMail,
    Slot,
    Submission,
    SubmissionStatusChange,
)
from portal.models._types import utcnow
from tests.support import samples
from tests.support.case_files import add_document, file_id, storage_of

AS_OF = "2024-07-01"


def _invoke(app, args, input=None):
    return app.test_cli_runner().invoke(args=args, input=input)


def _count(session, model, *where) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where))


def test_the_standard_rule_is_ten_years_after_moving_away():
    assert retention_until_for("standard", date(2014, 6, 30)) == date(2024, 6, 30)
    assert retention_until_for("standard", date(2016, 2, 29)) == date(2026, 2, 28)
    assert retention_until_for("standard", None) is None
    with pytest.raises(UnknownRetentionRule):
        retention_until_for("forever-and-a-day", date(2020, 1, 1))

    case_file = CaseFile(file_number="X", surname="X", retention_rule="standard")
    assert effective_retention_until(case_file) is None  # still living in the district: kept
    assert mark_moved_away(case_file, date(2020, 5, 4)) == date(2030, 5, 4)
    assert case_file.status == CaseFileStatus.MOVED_AWAY and case_file.moved_away_on == date(2020, 5, 4)
    case_file.retention_until = date(2027, 1, 1)  # set explicitly: wins over the rule
    assert effective_retention_until(case_file) == date(2027, 1, 1)
    unknown = CaseFile(file_number="Y", surname="Y", retention_rule="special", moved_away_on=date(2000, 1, 1))
    assert effective_retention_until(unknown) is None  # an unknown rule never deletes


@pytest.fixture
def retention_files(app, db_session, case_files, make_submission):
    """Шевченко moved away in 2014 (due in mid-2024) and has documents, notes, a submission with a
    booking and a mail; Al-Hassan is kept until 2030 explicitly; Yılmaz still lives here."""
    shevchenko, al_hassan, yilmaz = (db_session.merge(f) for f in case_files)
    shevchenko.moved_away_on = date(2014, 6, 30)
    shevchenko.status = CaseFileStatus.MOVED_AWAY
    al_hassan.retention_until = date(2030, 1, 1)
    db_session.add_all([CaseFileNameKey(case_file_id=shevchenko.id, kind="surname", key="shevchenko"),
                        CaseFileNote(case_file_id=shevchenko.id, text="Rückruf wegen Pass, Олександр")])
    db_session.commit()

    shared = samples.pdf_bytes(1, "Merkblatt für alle")
    own = add_document(app, db_session, shevchenko.id, content=samples.pdf_bytes(2, "Шевченко Akte"),
                       document_date=date(2013, 1, 1), title="Akte.pdf")
    photo = add_document(app, db_session, shevchenko.id, content=samples.jpeg_bytes(with_gps=False),
                         media_type="image/jpeg", title="Pass.jpg")
    converted = add_document(app, db_session, shevchenko.id, content=samples.pdf_bytes(1, "Pass"), title="Pass.jpg",
                             derived_from=photo)
    add_document(app, db_session, shevchenko.id, content=shared, title="Merkblatt.pdf")
    add_document(app, db_session, yilmaz.id, content=shared, title="Merkblatt.pdf")

    submission = db_session.merge(make_submission().submission)
    submission.case_file_id = shevchenko.id
    submission.status = "closed"  # finished: an open one would hold the file back
    submission.receipt_sha256 = storage_of(app).put(samples.pdf_bytes(1, "Quittung"))
    starts = utcnow() + timedelta(days=3)
    slot = Slot(site_id=submission.site_id, service_id=submission.service_id, starts_at=starts,
                ends_at=starts + timedelta(minutes=20), capacity=2, taken=1, public_taken=1)
    db_session.add(slot)
    db_session.flush()
    db_session.add_all([
        Booking(reference="TER-RETENTION", token_hash="0" * 64, slot_id=slot.id, status=BookingStatus.CONFIRMED,
                surname="Шевченко", given_names="Олександр", submission_id=submission.id),
        OutboundMail(recipient="o.shevchenko@example.org", subject="Eingangsbestätigung", body_text="Шевченко",
                     submission_id=submission.id,
                     attachments=[{"sha256": submission.receipt_sha256, "filename": "quittung.pdf",
                                   "media_type": "application/pdf"}]),
    ])
    db_session.commit()
    submission_docs = list(db_session.scalars(select(Document.sha256).where(Document.submission_id == submission.id)))
    return {"own": own, "photo": photo, "converted": converted, "shared": shared, "slot_id": slot.id,
            "submission_id": submission.id, "reference": submission.reference, "receipt": submission.receipt_sha256,
            "submission_docs": submission_docs}


def test_list_names_the_files_due_by_number_only(app, retention_files):
    result = _invoke(app, ["retention", "list", "--as-of", AS_OF])
    assert result.exit_code == 0, result.output
    assert "WZ-2022-00017" in result.output and "2024-06-30" in result.output
    assert "DIL-2016-00321" not in result.output and "WZ-2011-00412" not in result.output
    assert "1 case files due" in result.output
    assert "Шевченко" not in result.output and "Shevchenko" not in result.output
    # The day before it is not due yet; with the explicit date, Al-Hassan's file is due in 2030.
    assert "WZ-2022-00017" not in _invoke(app, ["retention", "list", "--as-of", "2024-06-29"]).output
    later = _invoke(app, ["retention", "list", "--as-of", "2030-01-01"]).output
    assert "DIL-2016-00321" in later and "WZ-2011-00412" not in later


def test_delete_asks_first_and_does_nothing_when_refused(app, db_session, retention_files):
    result = _invoke(app, ["retention", "delete", "--as-of", AS_OF], input="n\n")
    assert result.exit_code != 0 and "WZ-2022-00017" in result.output
    assert _count(db_session, CaseFile) == 3
    assert _count(db_session, AuditEvent) == 0


def test_delete_removes_everything_personal_and_logs_counts_only(app, db_session, retention_files):
    data = retention_files
    storage = storage_of(app)
    gone = {data["own"].sha256, data["photo"].sha256, data["converted"].sha256, data["receipt"],
            *data["submission_docs"]}
    assert all(storage.exists(digest) for digest in gone)

    result = _invoke(app, ["retention", "delete", "--as-of", AS_OF, "--yes"])
    assert result.exit_code == 0, result.output
    db_session.expire_all()

    assert db_session.scalar(select(CaseFile).where(CaseFile.file_number == "WZ-2022-00017")) is None
    assert _count(db_session, CaseFileAlias, CaseFileAlias.surname == "Shevchenko") == 0
    assert _count(db_session, CaseFileNameKey, CaseFileNameKey.key == "shevchenko") == 0
    assert _count(db_session, CaseFileNote) == 0
    assert _count(db_session, Submission) == 0 and _count(db_session, SubmissionStatusChange) == 0
    assert _count(db_session, Booking) == 0 and _count(db_session, OutboundMail) == 0
    # The other files and the document they share with the deleted one stay.
    assert {f for f in db_session.scalars(select(CaseFile.file_number))} == {"DIL-2016-00321", "WZ-2011-00412"}
    assert _count(db_session, CaseFileAlias) == 1  # Al-Hassan's
    remaining = list(db_session.scalars(select(Document)))
    assert len(remaining) == 1 and remaining[0].case_file_id == file_id(db_session, "WZ-2011-00412")
    shared_digest = remaining[0].sha256
    assert storage.exists(shared_digest)
    assert not [digest for digest in gone if storage.exists(digest)]
    # The booking ahead gave its place back.
    assert db_session.get(Slot, data["slot_id"]).taken == 0

    events = list(db_session.scalars(select(AuditEvent)))
    assert len(events) == 1
    event = events[0]
    assert event.action == "retention_delete" and event.staff_user_id is None and event.object_id == ""
    assert event.detail["as_of"] == AS_OF
    assert (event.detail["case_files"], event.detail["submissions"], event.detail["notes"]) == (1, 1, 1)
    assert event.detail["documents"] == 4 + len(data["submission_docs"]) and event.detail["bookings"] == 1
    assert event.detail["stored_files"] == len(gone)
    logged = json.dumps(event.detail, ensure_ascii=False)
    for personal in ("Шевченко", "Shevchenko", "Олександр", "WZ-2022-00017", data["reference"], "example.org"):
        assert personal not in logged
    assert set(event.detail) - {"as_of"} <= {"case_files", "aliases", "name_keys", "notes", "submissions",
                                             "status_changes", "documents", "bookings", "inbound_mails",
                                             "outbound_mails", "drafts", "stored_files", "held_back"}
    assert "case_files: 1" in result.output


def test_a_run_with_nothing_due_deletes_nothing(app, db_session, retention_files):
    result = _invoke(app, ["retention", "delete", "--as-of", "2020-01-01", "--yes"])
    assert result.exit_code == 0 and "no case files due" in result.output
    assert _count(db_session, CaseFile) == 3
    event = db_session.scalar(select(AuditEvent))
    assert event.action == "retention_delete" and event.detail["case_files"] == 0


def test_the_deleted_file_is_gone_from_the_back_office(app, client, make_staff, db_session, retention_files):
    from tests.support.helpers import sign_in

    assert _invoke(app, ["retention", "delete", "--as-of", AS_OF, "--yes"]).exit_code == 0
    sign_in(client, make_staff().email)
    assert client.get("/backoffice/casefiles/WZ-2022-00017").status_code == 404
    assert client.get(f"/backoffice/submissions/{retention_files['reference']}").status_code == 404


def test_a_file_with_an_open_submission_is_held_back(app, db_session, retention_files):
    submission = db_session.get(Submission, retention_files["submission_id"])
    submission.status = "in_progress"  # the person wrote again: the file is alive
    db_session.commit()
    listed = _invoke(app, ["retention", "list", "--as-of", AS_OF]).output
    assert "0 case files due" in listed and "1 more held back" in listed and "WZ-2022-00017" in listed
    result = _invoke(app, ["retention", "delete", "--as-of", AS_OF, "--yes"])
    assert result.exit_code == 0, result.output
    assert _count(db_session, CaseFile) == 3 and _count(db_session, Submission) == 1
    event = db_session.scalar(select(AuditEvent))
    assert (event.detail["case_files"], event.detail["held_back"]) == (0, 1)
