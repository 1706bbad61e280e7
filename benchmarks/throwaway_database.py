"""A database of a benchmark run's own: a SQLite file in a temporary folder, or a schema on a
PostgreSQL server (dropped afterwards), so that runs never meet each other or real data."""
from __future__ import annotations

import re
import shutil
import tempfile
import uuid
from collections.abc import Callable


def throwaway_database(url: str | None, prefix: str = "bench") -> tuple[str, Callable[[], None]]:
    """The URL to use and a function that removes the database again."""
    if not url:
        folder = tempfile.mkdtemp(prefix=f"portal-{prefix}-")
        return f"sqlite:///{folder}/bench.sqlite3", lambda: shutil.rmtree(folder, ignore_errors=True)
    import sqlalchemy as sa

    url = re.sub(r"^postgresql://", "postgresql+psycopg://", url)
    schema = f"{prefix.replace('-', '_')}_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))

    def drop():
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}options=-csearch_path%3D{schema}", drop
