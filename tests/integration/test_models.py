"""Rules the database itself keeps, on SQLite and PostgreSQL alike."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.domain.dates import PartialDate
from portal.models import AuditEvent, CaseFile, Service, Slot, StaffUser
from portal.models.audit import AuditTrailIsAppendOnly


def test_partial_birth_dates_round_trip(db_session, case_files):
    db_session.expire_all()
    shevchenko = db_session.scalar(select(CaseFile).where(CaseFile.file_number == "WZ-2022-00017"))
    assert shevchenko.date_of_birth == PartialDate(1987, 3)
    assert shevchenko.date_of_birth.german() == "00.03.1987"
    assert shevchenko.surname == "Шевченко" and shevchenko.aliases[0].surname == "Shevchenko"
    born_1990 = db_session.scalars(select(CaseFile).where(CaseFile.dob_year == 1990)).all()
    assert [c.file_number for c in born_1990] == ["DIL-2016-00321"]
    assert born_1990[0].aliases[0].surname == "الحسن"


def test_file_numbers_are_unique(db_session, case_files, sites):
    db_session.add(CaseFile(file_number="WZ-2022-00017", surname="Other", site=sites["WZ"]))
    with pytest.raises(IntegrityError):
        db_session.commit()


def test_unknown_status_is_refused_by_the_database(db_session, sites):
    db_session.add(CaseFile(file_number="WZ-1", surname="X", site=sites["WZ"], status="lost"))
    with pytest.raises(IntegrityError):
        db_session.commit()


def test_unknown_role_is_refused_by_the_database(db_session, make_staff):
    user = make_staff()
    user.role = "superuser"
    with pytest.raises(IntegrityError):
        db_session.commit()


def test_a_slot_cannot_hold_more_than_its_capacity(db_session, sites):
    service = db_session.scalar(select(Service).where(Service.code == "card-collection"))
    start = datetime(2026, 12, 3, 9, 0, tzinfo=timezone.utc)
    slot = Slot(site=sites["WZ"], service=service, starts_at=start, ends_at=start + timedelta(minutes=10),
                capacity=2, taken=2)
    db_session.add(slot)
    db_session.commit()
    slot.taken = 3
    with pytest.raises(IntegrityError):
        db_session.commit()
    db_session.rollback()
    db_session.add(Slot(site=sites["WZ"], service=service, starts_at=start,
                        ends_at=start + timedelta(minutes=10), capacity=1))
    with pytest.raises(IntegrityError):
        db_session.commit()


def test_audit_events_cannot_be_changed_or_deleted(db_session, make_staff):
    user = make_staff()
    event = AuditEvent(action="view", staff_user_id=user.id, object_type="case_file", object_id="1")
    db_session.add(event)
    db_session.commit()
    event.action = "nothing happened"
    with pytest.raises(AuditTrailIsAppendOnly):
        db_session.commit()
    db_session.rollback()
    db_session.delete(event)
    with pytest.raises(AuditTrailIsAppendOnly):
        db_session.commit()
    db_session.rollback()
    assert db_session.scalar(select(AuditEvent.action)) == "view"
    assert db_session.get(StaffUser, user.id) is not None
