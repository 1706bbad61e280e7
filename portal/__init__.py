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
    if settings.is_production and settings.ratelimit_storage_url.startswith("memory"):
        logging.getLogger(__name__).warning(
            "rate limits are kept in process memory; set PORTAL_RATELIMIT_STORAGE_URL "
            "to a Redis URL when more than one process serves the portal"
        )

    from portal import cli, i18n, security
    from portal.extensions import csrf, db, limiter, migrate

    db.init_app(app)
    # Batch mode lets SQLite alter tables; compare_type makes drift checks see type changes.
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    limiter.init_app(app)
    i18n.init_app(app)
    security.init_app(app)

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
    backoffice_guard.init_app(app)  # staff sign-in
    register_error_pages(app)
    cli.register(app)
    return app
