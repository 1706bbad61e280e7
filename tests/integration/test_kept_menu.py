"""The menu and the notices of pages made for each visitor (a day's times, "just taken", the
details) are read once per generation of the public content in a process, not on every page."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime, timezone

from sqlalchemy import event

from tests.support.booking_journey import day_of


@contextmanager
def content_reads(app):
    """The statements that read content items, meanwhile."""
    from portal.extensions import db

    with app.app_context():
        engine = db.engine
    seen = []

    def note(_conn, _cursor, statement, *_args):
        if "FROM content_item" in statement:
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


def test_a_day_page_reads_the_menu_and_notices_once_and_shows_a_new_notice_at_once(app, db_session, sites,
                                                                                     bookable):
    from tests.integration.test_page_cache import _notice

    day = f"/de/appointments/card-collection/WZ/{day_of(bookable[0])}"
    assert app.test_client().get(day).status_code == 200
    with content_reads(app) as seen:
        assert app.test_client().get(day).status_code == 200
    assert seen == []
    _notice(db_session, "closed-friday", "Freitag geschlossen", datetime.now(timezone.utc))
    assert "Freitag geschlossen" in app.test_client().get(day).get_data(as_text=True)
