"""Cached public pages: the same page for every visitor, made once per generation of the public
content, with what is the visitor's own (the form token, the notices seen) put in when sent."""
from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import event, select

from portal.models import Service
from tests.support.app_factory import override_settings
from tests.support.helpers import csrf_token_from

UTC = timezone.utc


@contextmanager
def statements(app):
    """Counts the SQL statements the app sends meanwhile."""
    from portal.extensions import db

    with app.app_context():
        engine = db.engine
    sent = []

    def count(*_args):
        sent.append(1)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _notice(db_session, slug, title, now, **window):
    from portal.content.editing import create_item
    from portal.content.seed import _publish_seeded

    item = create_item(db_session, kind="notice", slug=slug, texts={"title": title, "body": "Bitte beachten."},
                       staff=None, now=now)
    item.placement = "all"
    for name, value in window.items():
        setattr(item, name, value)
    _publish_seeded(item.translation("de"), now)
    db_session.commit()
    return item


def _page(db_session, slug, body, now):
    from portal.content.editing import create_item
    from portal.content.seed import _publish_seeded

    item = create_item(db_session, kind="page", slug=slug, texts={"title": "Gebühren", "body": body},
                       staff=None, now=now)
    _publish_seeded(item.translation("de"), now)
    db_session.commit()
    return item


def test_the_second_visitor_gets_the_page_without_a_single_query(app, sites):
    first = app.test_client().get("/de/")
    with statements(app) as sent:
        second = app.test_client().get("/de/")
    assert first.status_code == second.status_code == 200
    assert sent == []
    assert second.get_data() == first.get_data()


def test_a_published_change_shows_at_once(app, client, db_session, sites):
    from portal.models._types import utcnow

    item = _page(db_session, "fees", "Die Gebühr beträgt 100 Euro.", utcnow())
    assert "100 Euro" in client.get("/de/pages/fees").get_data(as_text=True)
    version = item.translation("de").latest
    version.body = "Die Gebühr beträgt 50 Euro."
    db_session.commit()
    page = client.get("/de/pages/fees").get_data(as_text=True)
    assert "50 Euro" in page and "100 Euro" not in page


def test_a_service_switched_off_leaves_the_cached_lists(app, client, db_session, sites):
    assert "/de/services/permit-extension/" in client.get("/de/services/").get_data(as_text=True)
    db_session.scalar(select(Service).where(Service.code == "permit-extension")).is_active = False
    db_session.commit()
    assert "/de/services/permit-extension/" not in client.get("/de/services/").get_data(as_text=True)
    assert client.get("/de/services/permit-extension/").status_code == 404


def test_a_notice_starts_and_ends_on_time_without_a_write(app, client, db_session, sites, monkeypatch):
    start = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
    _notice(db_session, "strike", "Warnstreik am Montag", start - timedelta(days=1),
            starts_at=start, ends_at=start + timedelta(hours=10))
    override_settings(monkeypatch, app, content_now=start - timedelta(minutes=1))
    assert "Warnstreik" not in client.get("/de/").get_data(as_text=True)
    override_settings(monkeypatch, app, content_now=start)
    assert "Warnstreik" in client.get("/de/").get_data(as_text=True)
    override_settings(monkeypatch, app, content_now=start + timedelta(hours=10))
    assert "Warnstreik" not in client.get("/de/").get_data(as_text=True)
    # The clock set back (a test, or a server's time corrected): the page follows it.
    override_settings(monkeypatch, app, content_now=start + timedelta(hours=1))
    assert "Warnstreik" in client.get("/de/").get_data(as_text=True)


def test_each_visitor_gets_a_form_token_of_their_own(app, sites):
    pages, tokens = [], []
    for _ in range(2):
        visitor = app.test_client()
        page = visitor.get("/de/services/permit-extension/").get_data(as_text=True)
        token = csrf_token_from(page)
        pages.append(page)
        tokens.append(token)
        assert "Placeholder" not in page
        started = visitor.post("/de/services/permit-extension/start", data={"csrf_token": token})
        assert started.status_code == 302, started.get_data(as_text=True)[:500]
    assert tokens[0] != tokens[1]
    assert pages[0].replace(tokens[0], "") == pages[1].replace(tokens[1], "")


def test_a_cached_page_token_is_refused_in_another_visitors_session(app, sites):
    first, second = app.test_client(), app.test_client()
    first.get("/de/services/permit-extension/")  # makes the cached page
    token = csrf_token_from(first.get("/de/services/permit-extension/").get_data(as_text=True))
    second.get("/de/services/permit-extension/")  # a session of its own
    assert second.post("/de/services/permit-extension/start", data={"csrf_token": token}).status_code == 400
    assert first.post("/de/services/permit-extension/start", data={"csrf_token": token}).status_code == 302


def _headers(response) -> dict:
    """The headers but the request id (new on every request) and the values signed at this
    second (the session cookie): of those, the name and attributes."""
    kept = {}
    for name, value in response.headers.items():
        if name == "X-Request-ID":
            continue
        if name == "Set-Cookie":
            cookie, _, attributes = value.partition(";")
            value = f"{cookie.split('=')[0]};{re.sub(r'Expires=[^;]+', '', attributes)}"
        kept.setdefault(name, []).append(value)
    return kept


@pytest.mark.parametrize("path", ["/de/", "/ar/services/permit-extension/", "/tr/appointments/"])
def test_a_page_from_the_cache_has_the_headers_of_the_page_made(app, sites, path):
    made = app.test_client().get(path)
    kept = app.test_client().get(path)
    assert made.status_code == kept.status_code == 200
    assert _headers(kept) == _headers(made)
    assert {"Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy",
            "Vary"} <= set(_headers(kept))
    assert "portal_lang=" in kept.headers["Set-Cookie"]


def test_a_notice_seen_once_is_collapsed_on_the_cached_page_too(app, client, db_session, sites):
    from portal.models._types import utcnow

    _notice(db_session, "closed-friday", "Freitag geschlossen", utcnow())
    opened = r'id="notice-closed-friday">\s*<details class="content-notice__details" open>'
    collapsed = r'id="notice-closed-friday">\s*<details class="content-notice__details">'
    assert re.search(opened, app.test_client().get("/de/").get_data(as_text=True))  # makes the cached page
    assert re.search(opened, client.get("/de/").get_data(as_text=True))  # from the cache, first sight
    assert re.search(collapsed, client.get("/de/").get_data(as_text=True))
    assert re.search(collapsed, client.get("/de/services/").get_data(as_text=True))


def test_pages_with_a_query_or_a_message_are_made_as_ever(app, client, sites):
    store = app.extensions["portal_page_cache"].store
    client.get("/de/?from=newsletter")
    assert store._memory._entries == {}
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "Ihre Sitzung ist abgelaufen.")]
    page = client.get("/de/").get_data(as_text=True)
    assert "Ihre Sitzung ist abgelaufen." in page
    assert store._memory._entries == {}
    assert "Ihre Sitzung ist abgelaufen." not in client.get("/de/").get_data(as_text=True)
    assert len(store._memory._entries) == 1


def test_no_cache_when_switched_off(app, client, sites, monkeypatch):
    monkeypatch.setattr(app.extensions["portal_page_cache"], "enabled", False)
    client.get("/de/")
    assert app.extensions["portal_page_cache"].store._memory._entries == {}


@pytest.mark.parametrize("path", ["/de/", "/uk/services/", "/ar/services/permit-extension/", "/tr/appointments/"])
def test_cached_pages_are_the_pages_made_without_the_cache(app, sites, monkeypatch, path):
    cached = app.test_client().get(path).get_data(as_text=True)
    again = app.test_client().get(path).get_data(as_text=True)
    monkeypatch.setattr(app.extensions["portal_page_cache"], "enabled", False)
    made = app.test_client().get(path).get_data(as_text=True)

    def without_token(page):
        return re.sub(r'name="csrf_token" value="[^"]+"', "", page)

    assert without_token(cached) == without_token(again) == without_token(made)


def test_content_items_unrelated_to_the_public_leave_the_generation(app, db_session, sites, make_submission):
    store = app.extensions["portal_page_cache"].store
    before = store.generation()
    make_submission(language="uk")
    assert store.generation() == before
    from portal.models._types import utcnow

    _page(db_session, "fees", "Gebühren.", utcnow())
    assert store.generation() > before


# -- the month calendar: kept for one generation of the free times --------------------------------

def _calendar(client):
    return client.get("/de/appointments/card-collection/WZ/").get_data(as_text=True)


def test_the_calendar_loses_a_day_as_soon_as_its_last_time_is_held(app, db_session, sites, bookable):
    from tests.support.booking_journey import day_of, hold

    first, second = bookable
    day_link = f"/de/appointments/card-collection/WZ/{day_of(first)}"
    assert day_link in _calendar(app.test_client())
    with statements(app) as sent:
        assert day_link in _calendar(app.test_client())
    assert len(sent) <= 2  # at most the site and its booking rules (the days bookable now); no slot
    for slot in (first, first, second, second):  # two places each, each hold from another browser
        assert hold(app.test_client(), slot, lang="de").status_code == 302
    assert day_link not in _calendar(app.test_client())


def test_a_cancelled_booking_shows_its_time_again(app, client, db_session, sites, bookable):
    from tests.support.booking_journey import book, day_of

    first, second = bookable
    for slot in (second, second):
        db_session.get(type(slot), slot.id).taken = slot.capacity
    db_session.commit()
    manage = book(client, db_session, bookable).split("?")[0]
    day_link = f"/de/appointments/card-collection/WZ/{day_of(first)}"
    others = app.test_client()
    page = _calendar(others)
    if day_link in page:  # the first slot had two places: take the other one as well
        db_session.get(type(first), first.id).taken = first.capacity
        db_session.commit()
    assert day_link not in _calendar(others)
    token = csrf_token_from(client.get(manage + "/cancel").get_data(as_text=True))
    assert client.post(manage + "/cancel", data={"csrf_token": token, "confirm": "yes"}).status_code == 302
    assert day_link in _calendar(others)


def test_the_newest_day_opens_at_the_release_time_on_a_cached_calendar(app, db_session, sites, bookable,
                                                                          monkeypatch):
    """The bookable days are part of the key (asked once a second): the page made a second before
    the release is not the page shown a second after it."""
    from portal.appointments import booking as booking_rules
    from portal.models._types import utcnow
    from portal.public import appointments as views

    first, _ = bookable
    moment = utcnow()
    monkeypatch.setattr(views, "utcnow", lambda: moment)
    monkeypatch.setattr(booking_rules, "window", lambda session, site_id, now: (first.starts_at.date(),
                                                                                first.starts_at.date() - timedelta(days=1)))
    assert "calendar-day--free" not in _calendar(app.test_client())
    monkeypatch.setattr(booking_rules, "window", lambda session, site_id, now: (first.starts_at.date(),
                                                                                first.starts_at.date() + timedelta(days=3)))
    assert "calendar-day--free" not in _calendar(app.test_client())  # within the same second
    monkeypatch.setattr(views, "utcnow", lambda: moment + timedelta(seconds=1))
    assert "calendar-day--free" in _calendar(app.test_client())


def test_one_thread_makes_a_page_while_the_others_wait_or_send_the_one_it_replaces(app, db_session, sites,
                                                                                  monkeypatch):
    import threading
    import time

    from portal.public import views

    made = []
    original = views.render_template

    def slow(*args, **kwargs):  # each page made says which it was
        made.append(1)
        number = len(made)
        time.sleep(0.4)
        return original(*args, **kwargs) + f"<!-- made {number} -->"

    monkeypatch.setattr(views, "render_template", slow)

    def two_visitors():
        pages = []

        def visit(delay):
            time.sleep(delay)
            pages.append(re.search(r"<!-- made (\d) -->", app.test_client().get("/de/").get_data(as_text=True))[1])

        threads = [threading.Thread(target=visit, args=(delay,)) for delay in (0, 0.15)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return sorted(pages)

    assert two_visitors() == ["1", "1"]  # the later one waited for the page the first one made
    assert len(made) == 1
    db_session.merge(sites["WZ"]).phone = "06441 407-0"  # a change to what the page shows: made again, once
    db_session.commit()
    assert two_visitors() == ["1", "2"]  # meanwhile the other visitor got the page it replaces
    assert len(made) == 2


# -- the rate limiter: asked only where a limit can apply ---------------------------------------

def _path_of(app, endpoint_prefix: str) -> str:
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint.startswith(endpoint_prefix) and not r.arguments)
    return rule.rule


@pytest.mark.parametrize(("where", "skipped"), [
    ("/de/", True), ("/uk/services/", True), ("/healthz", True),
    ("/de/status/open", False),  # limited lookups
    ("/de/contact", False),  # no limit, but not exempt: the application's limits would apply
    ("api.", False),  # a limit on the whole blueprint
])
def test_the_limiters_check_is_skipped_only_where_no_limit_can_apply(app, where, skipped):
    from portal.extensions import limiter

    path = where if where.startswith("/") else _path_of(app, where)
    with app.test_request_context(path):
        assert limiter._nothing_to_check() is skipped


def test_a_limited_page_is_still_limited_beside_the_cached_pages(client, sites):
    answers = []
    for _ in range(12):
        assert client.get("/de/").status_code == 200
        answers.append(client.get("/de/status/open?reference=ABH-2026-000001-0&code=x").status_code)
    assert answers[:10] == [400] * 10 and answers[10:] == [429, 429]  # 10 per minute
