"""Reference numbers under parallel submissions: unique, and on PostgreSQL drawn in a transaction
of their own, so one submission's long transaction (receipt, files, a scan import) does not hold
up the next applicant's number."""
from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from portal.intake.references import next_reference, parse_reference
from tests.support.helpers import in_parallel


def _engine(app):
    from portal.extensions import db

    with app.app_context():
        return db.engine


def test_parallel_submissions_get_different_valid_numbers(app, db_session):
    engine = _engine(app)

    def draw(_index: int) -> str:
        with Session(engine) as session:
            reference = next_reference(session, 2026)
            session.commit()
            return reference

    references = in_parallel(8, draw)
    assert len(set(references)) == 8
    assert all(parse_reference(r) == r for r in references)


@pytest.mark.postgres_only
def test_an_open_submission_transaction_does_not_hold_the_counter(app, db_session):
    if db_session.bind.dialect.name == "sqlite":
        pytest.skip("SQLite has a single writer: the number is drawn inside the submission's transaction")
    engine = _engine(app)
    with Session(engine) as slow, Session(engine) as next_one:
        first = next_reference(slow, 2026)  # a submission still rendering its receipt
        next_one.execute(text("SET LOCAL lock_timeout = '2s'"))
        second = next_reference(next_one, 2026)  # would wait for `slow` if the lock were shared
        assert second != first
        slow.rollback()  # the first submission fails after all: its number is not given again
        third = next_reference(next_one, 2026)
        assert third not in (first, second)
