"""The published forms of the app's database, for portal.forms.registry: read once per change of
the "forms" generation (moved on by every commit to form_version, in every process through Redis,
as the page cache's generations are), and kept on the app. Without Redis another process's
publication is not seen by the generation: the forms are read again after KEPT_SECONDS anyway."""
from __future__ import annotations

import time

from flask import Flask, current_app, has_app_context

from portal.caching.generation import FORMS
from portal.forms import registry

_EXTENSION = "portal_published_forms"
KEPT_SECONDS = 30


def _generation() -> int | None:
    from portal.public.page_cache import EXTENSION

    cache = current_app.extensions.get(EXTENSION)
    if cache is None:
        return None
    try:
        return cache.store.generation(FORMS)
    except Exception:  # noqa: BLE001 - Redis away: read the database every time until it is back
        return None


def published_forms() -> registry.PublishedForms | None:
    if not has_app_context() or "sqlalchemy" not in current_app.extensions:
        return None
    from portal.extensions import db
    from portal.forms.definitions import store

    generation, now = _generation(), time.monotonic()
    kept = current_app.extensions.get(_EXTENSION)
    if kept is not None and generation is not None and kept[0] == generation and now - kept[2] < KEPT_SECONDS:
        return kept[1]
    made = registry.published_forms(store.published_definitions(db.session),
                                    lambda code, number: store.definition_of(db.session, code, number))
    current_app.extensions[_EXTENSION] = (generation, made, now)
    return made


def init_app(app: Flask) -> None:
    registry.install_source(published_forms)
