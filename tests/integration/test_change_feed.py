"""The change feed (GET /api/v1/events): every new and changed submission once, in an order that
never lets a late commit slip behind a cursor; on PostgreSQL under concurrent submissions."""
from __future__ import annotations

import random
import threading
import time

import pytest
from sqlalchemy.orm import Session

from portal import change_feed
from portal.domain.dates import PartialDate
from portal.intake import Applicant, IntakeDraft, receive
from portal.models import Channel
from tests.support.api import bearer, make_client


def _settle(app, timeout: float = 60.0) -> None:
    """Wait until every change written so far is past the feed's line: on a PostgreSQL server
    that others use too, their long transactions hold the line back a while (the feed lags, it
    never skips; portal.change_feed)."""
    from sqlalchemy import text

    engine = _engine(app)
    if engine.dialect.name != "postgresql":
        return
    with engine.connect() as conn:
        newest = conn.scalar(text("SELECT coalesce(max(txid), 0) FROM submission_change"))
        conn.rollback()
        deadline = time.monotonic() + timeout
        while conn.scalar(text("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")) <= newest:
            conn.rollback()
            assert time.monotonic() < deadline, "a transaction elsewhere held the feed back for a minute"
            time.sleep(0.05)


def _events(client, token, cursor=None):
    _settle(client.application)
    url = "/api/v1/events" + (f"?after={cursor}" if cursor else "")
    body = client.get(url, headers=bearer(token)).get_json()
    return [(e["kind"], e["submission"]["reference"]) for e in body["events"]], body["next_cursor"]


def test_new_and_changed_submissions_come_once_each(app, client, db_session, make_submission, make_staff, sites):
    from portal.casework import actions
    from portal.casework.queue import claim

    token = make_client(db_session)
    first = make_submission().submission
    events, cursor = _events(client, token)
    assert events == [("received", first.reference)]
    assert _events(client, token, cursor) == ([], cursor)  # nothing new: the same cursor back
    second = make_submission(surname="Al-Hassan", given_names="Mohammad", language="ar").submission
    staff = make_staff("caseworker", "WZ")
    rules = app.extensions["portal.settings"].queue
    claim(db_session, first.id, staff.id, now=first.received_at, rules=rules)  # starts the work: in progress
    db_session.commit()
    events, cursor = _events(client, token, cursor)
    assert events == [("received", second.reference), ("status", first.reference)]
    claim(db_session, first.id, staff.id, now=first.received_at, rules=rules)  # a renewed claim is no change
    db_session.commit()
    assert _events(client, token, cursor) == ([], cursor)
    actions.close(db_session, first, staff, "Erledigt")
    db_session.commit()
    events, cursor = _events(client, token, cursor)
    assert events == [("status", first.reference)]
    assert _events(client, token, cursor)[0] == []


def _draft(surname: str) -> IntakeDraft:
    return IntakeDraft(channel=Channel.WEB, service_code="general-enquiry", language="de",
                       values={"surname": surname, "given_names": "Lea", "subject": "Frage", "message": "Test"},
                       applicant=Applicant(surname, "Lea", PartialDate(1990, 5, 1), ""), site_code="WZ")


def _engine(app):
    from portal.extensions import db

    with app.app_context():
        return db.engine


def _read_all(engine, position, until: set, timeout: float = 60.0):
    """Read the feed until every reference in `until` came (or time ran out)."""
    seen, deadline = [], time.monotonic() + timeout
    while True:
        with Session(engine) as session:
            page = change_feed.read(session, position, limit=500)
            seen += [(change.id, submission.reference) for change, submission in page.changes]
            position = page.position
        if until <= {reference for _id, reference in seen} or time.monotonic() > deadline:
            return seen, position
        time.sleep(0.05)


@pytest.mark.postgres_only
def test_a_late_commit_does_not_slip_behind_the_cursor(app, db_session, sites):
    if db_session.bind.dialect.name == "sqlite":
        pytest.skip("SQLite has one writer at a time: ids are given out in commit order")
    from portal.config import settings_of
    from portal.documents.storage import DocumentStorage

    engine, settings = _engine(app), settings_of(app)
    storage = DocumentStorage(settings.storage_dir)
    with Session(engine) as slow, Session(engine) as quick:
        early = receive(slow, storage, _draft("Früh"), matching=settings.matching).submission
        slow.flush()  # its change row has the lower id, but its transaction is still running
        late = receive(quick, storage, _draft("Spät"), matching=settings.matching).submission
        quick.commit()
        with Session(engine) as reader:
            page = change_feed.read(reader, change_feed.START)
        # Reading by id alone would hand out the later row and a cursor past the earlier one.
        assert late.reference not in [s.reference for _c, s in page.changes]
        slow.commit()
        early_reference, late_reference = early.reference, late.reference
    seen, _position = _read_all(engine, page.position, {early_reference, late_reference})
    assert [reference for _id, reference in seen] == [early_reference, late_reference]


@pytest.mark.postgres_only
def test_the_feed_has_no_gaps_under_concurrent_submissions(app, db_session, sites):
    if db_session.bind.dialect.name == "sqlite":
        pytest.skip("SQLite has one writer at a time: ids are given out in commit order")
    from portal.config import settings_of
    from portal.documents.storage import DocumentStorage

    engine, settings = _engine(app), settings_of(app)
    storage = DocumentStorage(settings.storage_dir)
    made, errors, done = [], [], threading.Event()
    lock = threading.Lock()

    def submit(worker: int):
        rng = random.Random(worker)
        try:
            for number in range(6):
                with Session(engine) as session:
                    result = receive(session, storage, _draft(f"Person{worker}x{number}"), matching=settings.matching)
                    session.flush()
                    time.sleep(rng.uniform(0, 0.05))  # commits land in another order than the ids
                    session.commit()
                    with lock:
                        made.append(result.submission.reference)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    delivered: list[tuple[int, str]] = []

    def read():
        position = change_feed.START
        while not done.is_set():
            with Session(engine) as session:
                page = change_feed.read(session, position, limit=7)
                delivered.extend((c.id, s.reference) for c, s in page.changes)
                position = page.position
            time.sleep(0.01)
        reader_position.append(position)

    reader_position: list = []
    reader = threading.Thread(target=read)
    reader.start()
    workers = [threading.Thread(target=submit, args=(n,)) for n in range(8)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    done.set()
    reader.join()
    assert not errors
    rest, _ = _read_all(engine, reader_position[0], set(made) - {r for _i, r in delivered})
    delivered += rest
    references = [reference for _id, reference in delivered]
    assert sorted(references) == sorted(made), "every submission once, none missing"
    assert len(set(id_ for id_, _r in delivered)) == len(delivered), "no row twice"
