"""The audit trail pages: admins filter by staff, action, object, days and address, page through
newest first, and download the filtered list as CSV (itself audited). Entries are append-only."""
from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from portal.models import AuditEvent, StaffUser
from portal.models.audit import AuditTrailIsAppendOnly
from tests.support.case_files import FILE
from tests.support.helpers import sign_in, staff_in_english


def _at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=timezone.utc)


@pytest.fixture
def trail(db_session, make_staff):
    """Events of two caseworkers over three days, from two networks."""
    anna = make_staff("caseworker", "WZ", email="anna@abh-test.example")
    ben = make_staff("caseworker", "DIL", email="ben@abh-test.example")
    rows = [
        # (staff, action, object type, object id, when, address)
        (anna, "view", "case_file", FILE, _at(2, 8), "10.1.0.5"),
        (anna, "download", "case_file", FILE, _at(2, 9), "10.1.0.5"),
        (ben, "view", "case_file", "DIL-2016-00321", _at(3, 10), "10.2.0.7"),
        (ben, "view", "submission", "ABH-2026-000001-7", _at(3, 10), "10.2.0.7"),  # same moment: by id
        (anna, "change", "case_file", FILE, _at(4, 22, 30), "10.1.0.55"),  # 23:30 in Wetzlar, 4 March
        (None, "retention_delete", "case_file", "", _at(4, 23, 30), ""),  # 00:30 on 5 March, office time
    ]
    events = []
    for staff, action, object_type, object_id, at, address in rows:
        event = AuditEvent(staff_user_id=staff.id if staff else None, action=action, object_type=object_type,
                           object_id=object_id, at=at, client_address=address, detail={"n": len(events)})
        db_session.add(event)
        db_session.flush()
        events.append(event.id)
    db_session.commit()
    return {"anna": anna, "ben": ben, "ids": events}


def _admin(client, db_session, make_staff):
    admin = staff_in_english(make_staff, db_session, "admin", "WZ")
    sign_in(client, admin.email)
    return admin


def _listed(client, url: str) -> list[int]:
    response = client.get(url)
    assert response.status_code == 200, url
    return [int(i) for i in re.findall(r'<tr id="audit-(\d+)">', response.get_data(as_text=True))]


def test_only_admins_and_the_data_protection_officer_open_the_audit_trail(client, make_staff, db_session):
    sign_in(client, make_staff("team_lead").email)
    assert client.get("/backoffice/audit").status_code == 403
    assert client.get("/backoffice/audit.csv").status_code == 403


def test_data_protection_officer_filters_the_trail_but_sees_no_case_file(client, make_staff, db_session, trail,
                                                                           case_files):
    ids = trail["ids"]
    officer = staff_in_english(make_staff, db_session, "dpo", "WZ")
    sign_in(client, officer.email)
    assert _listed(client, f"/backoffice/audit?object_type=case_file&object_id={FILE}") == [ids[4], ids[1], ids[0]]
    page = client.get("/backoffice/").get_data(as_text=True)
    assert "/backoffice/audit" in page and "/backoffice/queue" not in page  # the menu fits the role
    # Reading the trail is not reading the files it names.
    assert client.get(f"/backoffice/casefiles/{FILE}").status_code == 403
    assert client.get("/backoffice/queue").status_code == 403
    assert client.get("/backoffice/lookup?q=Shevchenko").status_code == 403


def test_newest_first_and_every_filter(client, make_staff, db_session, trail):
    ids, anna, ben = trail["ids"], trail["anna"], trail["ben"]
    _admin(client, db_session, make_staff)
    newest_first = [ids[5], ids[4], ids[3], ids[2], ids[1], ids[0]]
    everything = _listed(client, "/backoffice/audit")
    assert everything[1:] == newest_first
    assert db_session.get(AuditEvent, everything[0]).action == "login"  # the admin's own sign-in, just now
    assert _listed(client, f"/backoffice/audit?staff={anna.id}") == [ids[4], ids[1], ids[0]]
    assert _listed(client, "/backoffice/audit?action=view") == [ids[3], ids[2], ids[0]]
    assert _listed(client, f"/backoffice/audit?object_type=case_file&object_id={FILE}") == [ids[4], ids[1], ids[0]]
    assert _listed(client, "/backoffice/audit?object_type=submission") == [ids[3]]
    # Days are the office's days: 22:30 UTC on 4 March is still 4 March, 23:30 UTC is 5 March.
    assert _listed(client, "/backoffice/audit?from=2026-03-03&to=2026-03-04") == [ids[4], ids[3], ids[2]]
    assert _listed(client, "/backoffice/audit?from=2026-03-05&to=2026-03-05") == [ids[5]]
    assert _listed(client, "/backoffice/audit?address=10.1.0.5") == [ids[1], ids[0]]
    assert _listed(client, "/backoffice/audit?address=10.1.") == [ids[4], ids[1], ids[0]]
    assert _listed(client, f"/backoffice/audit?staff={ben.id}&action=view&object_type=case_file") == [ids[2]]
    # A day that is not a date is named and left out, not a server error.
    response = client.get("/backoffice/audit?from=yesterday")
    assert response.status_code == 200 and "Enter the days as dates." in response.get_data(as_text=True)


def test_keyset_paging_keeps_the_filter(client, make_staff, db_session, trail, monkeypatch):
    from portal.backoffice import audit_views

    monkeypatch.setattr(audit_views, "PAGE_SIZE", 2)
    ids = trail["ids"]
    _admin(client, db_session, make_staff)
    seen, url = [], "/backoffice/audit?object_type=case_file"
    while url:
        body = client.get(url).get_data(as_text=True)
        seen += [int(i) for i in re.findall(r'<tr id="audit-(\d+)">', body)]
        match = re.search(r'href="(/backoffice/audit\?[^"]*before=[^"]+)"', body)
        url = match.group(1).replace("&amp;", "&") if match else None
        if url:
            assert "object_type=case_file" in url
    assert seen == [ids[5], ids[4], ids[2], ids[1], ids[0]]


def test_csv_of_the_filtered_list_is_itself_audited(client, make_staff, db_session, trail):
    ids, anna = trail["ids"], trail["anna"]
    db_session.add(AuditEvent(staff_user_id=anna.id, action="view", object_type="case_file",
                              object_id="=HYPERLINK(\"http://evil\")", at=_at(2, 7), client_address="10.1.0.5"))
    db_session.commit()
    admin = _admin(client, db_session, make_staff)
    response = client.get(f"/backoffice/audit.csv?staff={anna.id}&action=view")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert rows[0][:4] == ["Time", "Staff member", "E-mail address", "Action"]
    assert [row[3] for row in rows[1:]] == ["view", "view"]
    assert rows[1][0].startswith("2026-03-02T09:00:00+01:00")  # office time
    assert rows[1][1:3] == [anna.full_name, "anna@abh-test.example"] and rows[1][5] == FILE
    assert rows[2][5] == "'=HYPERLINK(\"http://evil\")"  # no formula for the spreadsheet
    download = db_session.scalar(select(AuditEvent).where(AuditEvent.object_type == "audit_log"))
    assert download.action == "download" and download.staff_user_id == admin.id
    assert download.detail["filter"] == {"staff_id": str(anna.id), "action": "view"}
    # The whole trail, without a filter: heading, the trail, the extra view, the admin's sign-in,
    # the first download and this one.
    everything = client.get("/backoffice/audit.csv").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(everything.lstrip("\ufeff")), delimiter=";"))
    assert len(rows) == 1 + len(ids) + 1 + 1 + 2
    assert [row[3] for row in rows[1:4]] == ["download", "download", "login"]


def test_a_case_file_view_is_found_in_the_trail(client, make_staff, db_session, case_files):
    caseworker = make_staff("caseworker", "WZ")
    sign_in(client, caseworker.email)
    assert client.get(f"/backoffice/casefiles/{FILE}").status_code == 200
    client.post("/backoffice/logout", data={})
    admin_client = client.application.test_client()
    _admin(admin_client, db_session, make_staff)
    body = admin_client.get(f"/backoffice/audit?object_type=case_file&object_id={FILE}").get_data(as_text=True)
    rows = re.findall(r'<tr id="audit-\d+">(.*?)</tr>', body, re.S)
    assert len(rows) == 1 and caseworker.full_name in rows[0] and 'data-action="view"' in rows[0] \
        and "127.0.0.1" in rows[0]


def test_audit_events_cannot_be_changed_or_deleted(db_session, trail):
    event = db_session.get(AuditEvent, trail["ids"][0])
    event.action = "nothing to see"
    with pytest.raises(AuditTrailIsAppendOnly):
        db_session.commit()
    db_session.rollback()
    db_session.delete(db_session.get(AuditEvent, trail["ids"][0]))
    with pytest.raises(AuditTrailIsAppendOnly):
        db_session.commit()
    db_session.rollback()
    assert db_session.get(StaffUser, trail["anna"].id) is not None
