"""Flask extensions, created unbound; create_app() binds them."""
import sqlite3

from flask import current_app, request
from flask_babel import Babel
from flask_limiter import ExemptionScope
from flask_limiter import Limiter as _Limiter
from flask_limiter.util import get_qualified_name, get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import Engine, MetaData, event
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names so that Alembic migrations are identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """SQLite leaves foreign keys unchecked unless asked; WAL lets readers work during a write."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
_FULLY_EXEMPT = ExemptionScope.APPLICATION | ExemptionScope.DEFAULT | ExemptionScope.META
_UNLIMITED_ENDPOINTS = "portal.unlimited_endpoints"


class Limiter(_Limiter):
    """Flask-Limiter, whose check before every request is skipped where it can find no limit: a
    view exempt from application, default and meta limits, with no limit of its own or of its
    blueprint (the cached public pages, /healthz). Asked once per endpoint of each app; working
    that out again on every request cost a third of what /healthz costs."""

    def _check_request_limit(self, callable_name: str | None = None, in_middleware: bool = True) -> None:
        if not (in_middleware and callable_name is None and self._nothing_to_check()):
            super()._check_request_limit(callable_name, in_middleware)

    def _nothing_to_check(self) -> bool:
        endpoint = request.endpoint
        manager = self.limit_manager
        # A limited helper called while serving this endpoint (a hint), or limits kept in memory
        # while the storage is away, apply even to exempt views: then the full check.
        if not endpoint or manager.has_hints(endpoint) or self._in_memory_fallback_enabled:
            return False
        app = current_app._get_current_object()
        known = app.extensions.setdefault(_UNLIMITED_ENDPOINTS, {})
        found = known.get(endpoint)
        if found is None:
            blueprint = request.blueprint
            view = app.view_functions.get(endpoint)
            name = get_qualified_name(view) if view is not None else ""
            defaults, decorated = manager.resolve_limits(app, endpoint, blueprint, name, in_middleware=False)
            found = known[endpoint] = (manager.exemption_scope(app, endpoint, blueprint) & _FULLY_EXEMPT == _FULLY_EXEMPT
                                       and not defaults and not decorated)
        return found


limiter = Limiter(key_func=get_remote_address, default_limits=[])


def get_storage():
    """The document storage of the current app (PORTAL_STORAGE_DIR): views, commands and worker
    jobs hand it to the domain functions that store or read files."""
    from portal.config import current_settings
    from portal.documents.storage import DocumentStorage

    return DocumentStorage(current_settings().storage_dir)
