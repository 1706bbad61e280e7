"""The e-service portal: create_app() wires configuration, extensions, blueprints and CLI."""
from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask

from portal import config

__all__ = ["create_app"]

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def create_app(overrides: dict | None = None) -> Flask:
    """The app, its settings read from the environment (portal.config); `overrides`: Flask keys
    (TESTING) set on top of those derived from the settings."""
    app = Flask(__name__, instance_relative_config=True)
    settings = config.load_settings(app.instance_path)
    config.init_app(app, settings)
    if overrides:
        app.config.update(overrides)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    from portal import cli, i18n, security, signing
    from portal.extensions import csrf, db, limiter, migrate
    from portal.observability import requests as observed_requests

    observed_requests.init_app(app)  # first: logging, and the request id every later hook logs with
    if settings.is_production and settings.ratelimit_storage_url.startswith("memory"):
        logging.getLogger(__name__).warning(
            "rate limits are kept in process memory; set PORTAL_RATELIMIT_STORAGE_URL "
            "to a Redis URL when more than one process serves the portal"
        )
    db.init_app(app)
    # Batch mode lets SQLite alter tables; compare_type makes drift checks see type changes.
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    signing.init_app(app)  # the session cookie and form token, signed as Flask and Flask-WTF do
    limiter.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    from portal.public import page_cache

    page_cache.init_app(app, settings.page_cache_url, settings.page_cache_seconds)  # after csrf: its form token
    from portal.public import form_source

    form_source.init_app(app)  # the forms' versions per generation, as the page cache keeps pages
    from portal import assets

    assets.init_app(app)  # static files under digest names, compressed, cached for a year

    from portal import models  # noqa: F401  (register tables with the metadata)
    from portal.backoffice import bp as backoffice_bp
    from portal.backoffice import guard as backoffice_guard
    from portal.errors import register_error_pages
    from portal.public import bp as public_bp
    from portal.public import root_bp

    if settings.proxy_count:
        # Behind reverse proxies the client address (rate limits, audit trail, booking limits)
        # and the scheme come from their headers; trusting more hops than there are would let
        # a client choose its own address.
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = settings.proxy_count
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    app.register_blueprint(root_bp)
    app.register_blueprint(public_bp)
    app.register_blueprint(backoffice_bp)
    from portal.api import bp as api_bp

    app.register_blueprint(api_bp)  # /api/v1: the JSON API for the specialist application
    backoffice_guard.init_app(app)  # staff sign-in
    if settings.dev_mailbox_dir is not None and not settings.is_production:
        # The demo's mailbox (scripts/serve-demo): never in production (load_settings refuses it).
        from portal.dev import bp as dev_bp

        app.register_blueprint(dev_bp)
    register_error_pages(app)
    cli.register(app)
    if _serving() and not app.testing:
        from portal.warm import warm_up

        warm_up(app)  # before the first request: modules, templates, the PDF engine
    return app


def _serving() -> bool:
    """Made for `flask run` (gunicorn calls portal.warm.warm_up from wsgi.py itself)."""
    import click

    context = click.get_current_context(silent=True)
    return context is not None and context.info_name == "run"
