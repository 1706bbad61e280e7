"""Cached public pages: the start page, the service list and pages, content pages and the
appointment entry page are the same for every visitor in a language, yet cost a dozen queries
and a template each. They are kept, per language and path, for one generation of the public
content (portal.caching.generation) and at most `PORTAL_PAGE_CACHE_SECONDS`.

What differs per visitor is put in when a cached page is sent: the form token (a placeholder in
the cached page) and which notices this browser has seen (part of the key, and the session
change the page made is made again). A request with a query string or a message to show
(flash) is rendered as ever; so are pages that are not 200.
"""
from __future__ import annotations

import functools
import hashlib
import json
import logging
import threading
import weakref
from functools import wraps

from flask import Flask, Response, current_app, g, request, session
from flask_wtf.csrf import generate_csrf

from portal.caching.generation import ContentClock, watch
from portal.caching.store import MemoryEntries, PageStore
from portal.signing import form_token

EXTENSION = "portal_page_cache"
# Stands in for the visitor's form token in a cached page; letters only, so escaping leaves it as is.
_TOKEN_HOLE = "PortalFormTokenPlaceholderQx7Vb2"  # noqa: S105 - a marker, not a secret
_HOLE = _TOKEN_HOLE.encode()
_CACHING = "_page_cache_rendering"
AVAILABILITY_SECONDS = 60
# While one thread makes a page anew (a new generation), the others of the process send the page
# it replaces, if it is at most this old, instead of all making it at once (at a slot release,
# the day's last time taken makes a new generation of the calendar while hundreds of requests wait).
STALE_SECONDS = 10
_LOCK_STRIPES = 64
log = logging.getLogger(__name__)
# Every app's cache in this process (one in a server process; tests make many). A commit may
# come from a session outside any app context (a test's, a script's): all of them move on.
_caches: weakref.WeakSet = weakref.WeakSet()
_watching = False


class PageCache:
    def __init__(self, url: str, seconds: int):
        self.store = PageStore(url)
        self.seconds = seconds
        self.clock = ContentClock()
        self.enabled = seconds > 0
        self.latest = MemoryEntries(2000)  # the last page made per path and visitor variant
        self._making = [threading.Lock() for _ in range(_LOCK_STRIPES)]
        self._facts = MemoryEntries(256)

    def fact(self, key: str, seconds: float, find):
        """What `find()` gives, kept for `seconds` under `key` (None too)."""
        kept = self._facts.get(key)
        if kept is None:
            kept = (find(),)
            self._facts.set(key, kept, seconds)
        return kept[0]

    def stored(self, key: str) -> bytes | None:
        try:
            return self.store.get(key)
        except Exception:  # noqa: BLE001 - Redis away: the page is made as ever
            return None

    def making(self, slot: str) -> threading.Lock:
        return self._making[hash(slot) % _LOCK_STRIPES]

    def changed(self, topics) -> None:
        for topic in topics:
            try:
                self.store.next_generation(topic)
            except Exception as exc:  # noqa: BLE001 - Redis away: pages expire by themselves
                log.warning("page cache: the %s generation could not be moved on (%s)", topic, type(exc).__name__)


def init_app(app: Flask, url: str, seconds: int) -> None:
    from sqlalchemy.orm import Session

    global _watching
    cache = PageCache(url, seconds)
    app.extensions[EXTENSION] = cache
    _caches.add(cache)
    if not _watching:  # one listener on every session of the process
        _watching = True
        watch(Session, _changed)

    # After Flask-WTF's: a page rendered for the cache gets the placeholder instead of a token.
    app.jinja_env.globals["csrf_token"] = _form_token
    app.context_processor(lambda: {"csrf_token": _form_token})


def _changed(topics) -> None:
    for cache in list(_caches):
        cache.changed(topics)


def forget_all_pages() -> None:
    """After writes the watch cannot see (SQL outside an ORM session: the tests' clean-up): no
    page made before is sent again, not even while the new one is made."""
    from portal.caching.generation import TOPICS

    for cache in list(_caches):
        cache.latest.clear()
    _changed(TOPICS)


@wraps(generate_csrf)  # replaces Flask-WTF's global on purpose (tests/unit/test_template_names.py)
def _form_token(*_args, **_kwargs) -> str:
    if g.get(_CACHING):
        return _TOKEN_HOLE
    return generate_csrf(*_args, **_kwargs) if _args or _kwargs else form_token()


def _cacheable() -> bool:
    return (request.method in ("GET", "HEAD") and not request.query_string
            and "_flashes" not in session)


def _key(cache: PageCache, availability: bool, varied: str) -> tuple[str, str, float] | None:
    """The page's key, its slot (path and visitor variant, whatever the generation), and how long
    an entry made now may live; None when the store is away."""
    from portal.extensions import db
    from portal.public.pages import SEEN_NOTICES, now

    try:
        generation = cache.store.generation()
        free_times = f"{cache.store.generation('availability')}:{varied}" if availability else "-"
    except Exception:  # noqa: BLE001 - Redis away: render as ever
        return None
    until = cache.clock.until(db.session, generation, now())
    seen = ",".join(sorted(session.get(SEEN_NOTICES, [])))
    variant = hashlib.sha256(seen.encode()).hexdigest()[:16] if seen else "-"
    epoch = until.isoformat() if until else "-"
    seconds = cache.seconds if until is None else max(1.0, min(cache.seconds, (until - now()).total_seconds()))
    if availability:  # a slot passes its time unnoticed by any write: a minute at most
        seconds = min(seconds, AVAILABILITY_SECONDS)
    slot = f"{request.path}:{variant}"
    return f"{generation}:{epoch}:{free_times}:{slot}", slot, seconds


def cached_page(view=None, *, availability=None):
    """For a public view whose page is the same for every visitor in its language. No rate limit
    applies to these pages; exempt, they are spared the limiter's lookup on every request.

    `availability`: the page shows free appointment times. It is then kept for one generation of
    the free times too (a day's last time taken, a cancellation or release of a time moves it on), and
    `availability(**view_args)` gives what else it depends on (the bookable days at this moment,
    which open at a set time), or None for a page not to keep (an unknown service: its 404)."""
    if view is None:
        return lambda view: cached_page(view, availability=availability)
    from portal.extensions import limiter

    @wraps(view)
    def wrapper(*args, **kwargs):
        cache: PageCache | None = current_app.extensions.get(EXTENSION)
        if cache is None or not cache.enabled or not _cacheable():
            return view(*args, **kwargs)
        varied = ""
        if availability is not None:
            varied = availability(**kwargs)
            if varied is None:
                return view(*args, **kwargs)
        found = _key(cache, availability is not None, varied)
        if found is None:
            return view(*args, **kwargs)
        key, slot, seconds = found
        hit = cache.stored(key)
        if hit is not None:
            return _send(hit)
        making = cache.making(slot)
        if not making.acquire(blocking=False):  # another thread is making it
            stale = cache.latest.get(slot)
            if stale is not None:
                return _send(stale)
            with making:  # nothing to send meanwhile: wait for it
                pass
            hit = cache.stored(key)
            if hit is not None:
                return _send(hit)
            making.acquire()
        try:
            return _make(view, args, kwargs, cache, key, slot, seconds)
        finally:
            making.release()

    return limiter.exempt(wrapper)


def _make(view, args, kwargs, cache: PageCache, key: str, slot: str, seconds: float):
    setattr(g, _CACHING, True)
    try:
        response = current_app.make_response(view(*args, **kwargs))
    finally:
        setattr(g, _CACHING, False)
    if response.status_code != 200 or response.direct_passthrough or response.mimetype != "text/html":
        return response
    from portal.public.pages import SEEN_NOTICES

    body = response.get_data()
    entry = json.dumps({"seen": session.get(SEEN_NOTICES)}).encode() + b"\n" + body
    try:
        cache.store.set(key, entry, seconds)
    except Exception as exc:  # noqa: BLE001 - Redis away: the page was sent all the same
        current_app.logger.warning("page cache: could not keep %s (%s)", request.path, type(exc).__name__)
    cache.latest.set(slot, entry, STALE_SECONDS)
    response.set_data(_punched(body))
    return response


def _send(entry: bytes) -> Response:
    from portal.public.pages import SEEN_NOTICES

    seen, body, holed = _opened(entry)
    if seen is not None and session.get(SEEN_NOTICES) != seen:
        session[SEEN_NOTICES] = list(seen)  # as rendering the page would have left it
    return Response(body.replace(_HOLE, form_token().encode()) if holed else body, mimetype="text/html")


@functools.lru_cache(maxsize=128)
def _opened(entry: bytes) -> tuple[list | None, bytes, bool]:
    """An entry taken apart once, not for every visitor it is sent to: the notices seen, the
    page, and whether it has a form token to put in."""
    head, _, body = entry.partition(b"\n")
    return json.loads(head)["seen"], body, _HOLE in body


def _punched(body: bytes) -> bytes:
    return body.replace(_HOLE, form_token().encode()) if _HOLE in body else body
