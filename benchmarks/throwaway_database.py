"""A database of a benchmark run's own: a SQLite file in a temporary folder, or a schema on a
PostgreSQL server (dropped afterwards), so that runs never meet each other or real data."""
from __future__ import annotations

import re
import shutil
import tempfile
import uuid
from collections.abc import Callable


def throwaway_database(url: str | None, prefix: str = "bench",
                       kept_schema: str | None = None) -> tuple[str, Callable[[], None]]:
    """The URL to use and a function that removes the database again. With `kept_schema` (on
    PostgreSQL) the schema of that name is made if missing and kept afterwards, so that a large
    generated data set serves several runs while a query is being worked on."""
    if not url:
        folder = tempfile.mkdtemp(prefix=f"portal-{prefix}-")
        return f"sqlite:///{folder}/bench.sqlite3", lambda: shutil.rmtree(folder, ignore_errors=True)
    import sqlalchemy as sa

    url = re.sub(r"^postgresql://", "postgresql+psycopg://", url)
    schema = kept_schema or f"{prefix.replace('-', '_')}_{uuid.uuid4().hex[:8]}"
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", schema):
        raise ValueError(f"not a plain schema name: {schema!r}")
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA {"IF NOT EXISTS " if kept_schema else ""}"{schema}"'))

    def drop():
        if kept_schema:
            admin.dispose()
            return
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}options=-csearch_path%3D{schema}", drop
