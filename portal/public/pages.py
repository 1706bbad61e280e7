"""Content pages, search, content media, and the menu and notices every public page shows."""
from __future__ import annotations

from flask import abort, current_app, g, render_template, request, send_file, session
from flask_babel import get_locale
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from portal.config import DEFAULT_LANGUAGE, LANGUAGES, current_settings
from portal.content import reading
from portal.content.notices import shows_on, where_from_endpoint
from portal.content.rendering import render_markdown
from portal.content.search import search as search_content
from portal.extensions import db, get_storage
from portal.forms.catalogue import BY_CODE
from portal.models._types import utcnow
from portal.models.content import ContentKind, ContentMedia
from portal.public import bp, root_bp
from portal.public.page_cache import cached_page


def _language() -> str:
    lang = g.get("lang") or str(get_locale() or DEFAULT_LANGUAGE)
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def now():
    """The moment content is judged at; tests may fix it (Settings.content_now)."""
    fixed = current_settings().content_now
    return fixed() if callable(fixed) else (fixed or utcnow())


@bp.app_template_global()
def markdown(text: str, language: str | None = None):
    """Editors' Markdown as HTML; in a language other than German, German terms marked lang="de"."""
    from portal.i18n import german_terms

    html = render_markdown(text)
    return german_terms(html, language) if language and language != DEFAULT_LANGUAGE else html


def _cached(name: str, load):
    """Once per request; an error page after a database failure shows none rather than failing."""
    if name not in g:
        try:
            setattr(g, name, load())
        except SQLAlchemyError:
            db.session.rollback()
            setattr(g, name, [])
    return g.get(name)


def _kept(name: str, read):
    """`read(session, language, moment)`, kept in this process for one generation of the public
    content and until its next moment (as the cached pages are): the menu and the notices are the
    same on every page made, and most pages at a slot release are made (the day, "just taken",
    the details). Read in a session of its own, so that the request's commit or rollback leaves
    the kept rows as they are."""
    from sqlalchemy.orm import Session

    from portal.public.page_cache import EXTENSION

    language, moment = _language(), now()
    cache = current_app.extensions.get(EXTENSION)
    if cache is None or not cache.enabled:
        return read(db.session, language, moment)
    try:
        generation = cache.store.generation()
    except Exception:  # noqa: BLE001 - Redis away: read as ever
        return read(db.session, language, moment)
    until = cache.clock.until(db.session, generation, moment)
    seconds = cache.seconds if until is None else max(1.0, min(cache.seconds, (until - moment).total_seconds()))

    def fresh():
        with Session(db.engine) as session:
            return read(session, language, moment)

    return cache.fact(f"{name}:{generation}:{until.isoformat() if until else '-'}:{language}", seconds, fresh)


@bp.app_template_global()
def content_menu() -> list[reading.Shown]:
    return _cached("_content_menu", lambda: _kept("menu", reading.menu))


SEEN_NOTICES = "seen_notices"
_SEEN_KEEP = 20


def _notice_key(shown: reading.Shown) -> str:
    # A new version of a notice is news again: it opens once more.
    return f"{shown.item.id}.{shown.version.number}"


@bp.app_template_global()
def public_notices() -> list[reading.Shown]:
    """The notices for the page being shown, in the visitor's language (German otherwise). Each is
    open the first time this browser sees it and collapsed to its title afterwards (WCAG 1.4.10:
    on a phone, banners must not fill the first screen of every page); the keys live in the
    signed session cookie, nothing on the server."""
    if request.blueprint != "public":
        return []
    where = where_from_endpoint(request.endpoint, request.view_args)
    found = _cached("_content_notices", lambda: _kept("notices", reading.notices))
    shown = [item for item in found if shows_on(item.item, where)]
    if "_notices_seen_before" not in g:
        g._notices_seen_before = set(session.get(SEEN_NOTICES, []))
        new = [_notice_key(item) for item in shown if _notice_key(item) not in g._notices_seen_before]
        if new:
            session[SEEN_NOTICES] = (list(session.get(SEEN_NOTICES, [])) + new)[-_SEEN_KEEP:]
    return shown


@bp.app_template_global()
def notice_seen(shown: reading.Shown) -> bool:
    """Seen on an earlier page: shown collapsed."""
    return _notice_key(shown) in g.get("_notices_seen_before", set())


@bp.get("/pages/<slug>")
@cached_page
def content_page(slug: str):
    shown = reading.page(db.session, slug, g.lang, now())
    if shown is None:
        abort(404)
    return render_template("public/pages/page.html", shown=shown,
                           german_by_nature=slug in reading.GERMAN_BY_NATURE)


@bp.get("/search")
def search():
    query = request.args.get("q", "").strip()[:200]
    hits = search_content(db.session, query, g.lang, now()) if query else []
    results = []
    for hit in hits:
        item = hit.item
        service_code = item.slug if item.kind == ContentKind.SERVICE else (item.service.code if item.service else None)
        entry = BY_CODE.get(service_code) if service_code else None
        if entry is not None and not getattr(entry, "offered_to_applicants", True):
            entry = None
        results.append({"hit": hit, "service": entry})
    return render_template("public/pages/search.html", query=query, results=results,
                           german_by_nature=reading.GERMAN_BY_NATURE)


@root_bp.get("/media/<token>")
def content_media(token: str):
    """An image or leaflet of the content. The token is unguessable; the type was sniffed and
    checked when it was uploaded, and is sent as such with nosniff."""
    media = db.session.scalar(select(ContentMedia).where(ContentMedia.token == token))
    if media is None:
        abort(404)
    response = send_file(get_storage().open(media.sha256), mimetype=media.media_type, download_name=media.filename,
                         as_attachment=False, max_age=3600)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
