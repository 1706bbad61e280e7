"""The back office's hot queries use their indexes on PostgreSQL: the phone desk, the matching,
the queue (first and a later page) and a case file's timeline are run for real on a few thousand
case files of the benchmark's data (benchmarks/backoffice_data.py: the demo's names in three
scripts, partial dates of birth, name keys as the portal makes them), VACUUM ANALYZE-d as a live
database is; every statement they send is EXPLAINed, and none may read a big table (case files,
documents, submissions, name keys) from end to end. A dropped or unusable index shows here as a
sequential scan long before an office has the data to feel it."""
from __future__ import annotations

import random
from datetime import datetime, timezone

import pytest
from sqlalchemy import event, select

from tests.support.helpers import TEST_SECRET_KEY

BIG_TABLES = {"case_file", "document", "submission", "case_file_name_key"}
CASEWORKER = "sachbearbeitung.wetzlar@abh-demo.example"  # a demo account of one site

pytestmark = pytest.mark.postgres_only


def _sequential_scans(plan: dict) -> list[str]:
    found = []
    if plan.get("Node Type") == "Seq Scan" and plan.get("Relation Name") in BIG_TABLES:
        found.append(plan["Relation Name"])
    for child in plan.get("Plans", []):
        found += _sequential_scans(child)
    return found


class Statements:
    """The SELECTs sent on an engine while recording, with their parameters."""

    def __init__(self, engine):
        self.engine, self.sent = engine, []

    def _record(self, conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            self.sent.append((statement, parameters))

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._record)


@pytest.fixture
def office(app, db_session):
    """4,000 case files with their keys, 40,000 documents (2,000 in one file), 4,000 open
    submissions; the planner's statistics as autovacuum would leave them."""
    from benchmarks.backoffice_data import generate, settle

    if db_session.get_bind().dialect.name != "postgresql":
        pytest.skip("query plans are PostgreSQL's")
    people, big_file = generate(db_session, TEST_SECRET_KEY, case_files=4_000, documents=40_000,
                                submissions=4_000, rng=random.Random(5))
    settle(db_session)
    return people, big_file


def _run_the_back_office(session, people, big_file) -> None:
    from portal.casefiles.timeline import find_case_file, submissions_of, timeline_page
    from portal.casework import access
    from portal.casework import queue as inbound
    from portal.casework.lookup import lookup
    from portal.config import QueueRules
    from portal.matching.candidates import find_candidates
    from portal.models import StaffUser

    viewer = session.scalar(select(StaffUser).where(StaffUser.email == CASEWORKER))
    for person in people[:: len(people) // 5][:5]:
        typed = f"{person.surname} {person.given_names} {person.date_of_birth.german()}"
        lookup(session, typed, viewer)
        find_candidates(session, surname=person.surname, given_names=person.given_names,
                        date_of_birth=person.date_of_birth)
    rules, now = QueueRules(target_days=10, claim_timeout_minutes=60), datetime.now(timezone.utc)
    wanted = inbound.QueueFilter(visible=access.submission_condition(viewer))
    page, after = None, None
    for _ in range(3):  # the first page and two after it, by their cursors
        page = inbound.queue_page(session, wanted, inbound.SORT_OLDEST, after, me_id=viewer.id, me_is_lead=False,
                                  now=now, rules=rules, size=50)
        after = inbound.Cursor.parse(inbound.SORT_OLDEST, page.next_cursor)
    case_file = find_case_file(session, big_file)
    timeline_page(session, case_file, submissions_of(session, case_file))


def test_the_back_office_reads_no_big_table_from_end_to_end(office, db_session):
    people, big_file = office
    engine = db_session.get_bind()
    with Statements(engine) as statements:
        _run_the_back_office(db_session, people, big_file)
    assert statements.sent, "nothing was recorded"
    scanned = []
    with engine.connect() as conn:
        cursor = conn.connection.driver_connection.cursor()
        for statement, parameters in statements.sent:
            cursor.execute(f"EXPLAIN (FORMAT JSON) {statement}", parameters)
            tables = _sequential_scans(cursor.fetchone()[0][0]["Plan"])
            if tables:
                scanned.append(f"{', '.join(sorted(set(tables)))}: {' '.join(statement.split())[:300]}")
    assert not scanned, "sequential scans of big tables:\n" + "\n".join(dict.fromkeys(scanned))
