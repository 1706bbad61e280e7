"""At most one acknowledgement per sender and hour, also when several processes take in mail
from the same sender at the same moment (the decision is a conditional UPDATE in the database)."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from portal.intake.email.replies import take_reply_slot
from portal.models._types import utcnow
from tests.support.helpers import in_parallel


def test_parallel_transactions_take_the_slot_once(app, db_session):
    from portal.extensions import db

    with app.app_context():
        engine = db.engine
    now = utcnow()

    def attempt(index: int) -> bool:
        with Session(engine) as session:
            taken = take_reply_slot(session, "o.shevchenko@example.org", now)
            session.commit()
            return taken

    assert sorted(in_parallel(8, attempt)) == [False] * 7 + [True]
    # Another address is independent; the same address is free again after an hour.
    with Session(engine) as session:
        assert take_reply_slot(session, "ayse@example.com.tr", now)
        assert not take_reply_slot(session, "o.shevchenko@example.org", now + timedelta(minutes=59))
        assert take_reply_slot(session, "o.shevchenko@example.org", now + timedelta(minutes=61))
        session.commit()
