"""The service catalogue: what the office offers, what to bring, where to start."""
from __future__ import annotations

from flask import abort, g, render_template
from sqlalchemy import select

from portal.extensions import db
from portal.forms.catalogue import PUBLIC_BY_CODE, PUBLIC_CATALOGUE
from portal.models import Service
from portal.public import bp
from portal.public.page_cache import cached_page


@bp.app_template_global()
def service_card(entry) -> tuple[str, str, str]:
    """Title, summary and audience on a service card: from the office's published description in
    the visitor's language when there is one (its audience is Markdown for the service page, so
    the card leaves it out), else the built-in texts."""
    if "service_cards" not in g:
        from portal.content import reading
        from portal.public.pages import now

        g.service_cards = {code: shown for code, shown in
                           reading.service_descriptions(db.session, g.lang, now()).items() if not shown.fallback}
    shown = g.service_cards.get(entry.code)
    if shown is None:
        return str(entry.title), str(entry.summary), str(entry.audience)
    return shown.version.title, shown.version.summary, ""


def _active_codes() -> set[str]:
    return set(db.session.scalars(select(Service.code).where(Service.is_active)))


@bp.get("/services/")
@cached_page
def services():
    active = _active_codes()
    return render_template("public/services.html", services=[e for e in PUBLIC_CATALOGUE if e.code in active])


@bp.get("/services/<code>/")
@cached_page
def service(code: str):
    entry = PUBLIC_BY_CODE.get(code)
    if entry is None or code not in _active_codes():
        abort(404)
    from portal.content import reading
    from portal.public.pages import now

    moment = now()
    described = reading.service_description(db.session, code, g.lang, moment)
    # The built-in texts stay when the visitor's language has no published description; a
    # German one is then offered below them, marked as German.
    german = described if described is not None and described.fallback else None
    described = None if german is not None else described
    return render_template("public/service.html", service=entry, described=described, german=german,
                           faq=reading.faq(db.session, code, g.lang, moment))
