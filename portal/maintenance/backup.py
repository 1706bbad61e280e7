"""Backups: the database and the stored documents in one tar file, and back into an empty instance.

Consistency: the rows are read from one snapshot (PostgreSQL: a serializable, read-only,
deferrable transaction, as pg_dump takes; SQLite: a copy made with SQLite's online backup API).
Documents are written before the commit that refers to them and are never changed, so every file
a snapshot row refers to exists when the files are copied afterwards; the backup checks that and
fails rather than write a backup with a row whose file is missing.

The format is plain and readable without this code: `manifest.json` (format, schema revision,
row counts, digests), `tables/<table>.jsonl` (one JSON object per row) and `documents/<sha256>`.
"""
from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import sqlite3
import tarfile
import tempfile
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

from sqlalchemy import (
    Date, DateTime, Engine, LargeBinary, MetaData, Numeric, Table, Time, create_engine, func, inspect, select, text,
)
from sqlalchemy.orm import Session

from portal.documents.references import referenced_digests
from portal.documents.storage import DocumentStorage
from portal.models._types import utcnow

FORMAT = "portal-backup/1"
_BATCH = 2000


class BackupError(RuntimeError):
    """The backup cannot be written or restored; the message says why."""


@dataclass
class BackupReport:
    path: Path
    revision: str
    rows: dict[str, int] = field(default_factory=dict)
    documents: int = 0
    document_bytes: int = 0


def _tables(conn) -> list[Table]:
    """The tables as the database has them (the schema of the backup's own revision), parents
    before children, so that a restore meets every foreign key."""
    meta = MetaData()
    meta.reflect(bind=conn)
    return [table for table in meta.sorted_tables if table.name != "alembic_version"]


def _revision(conn) -> str | None:
    if not inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _encode(value):
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, Decimal):
        return str(value)
    return value


def _decoder(column):
    kind = column.type
    if isinstance(kind, DateTime):
        return datetime.fromisoformat
    if isinstance(kind, Date):
        return date.fromisoformat
    if isinstance(kind, Time):
        return time.fromisoformat
    if isinstance(kind, LargeBinary):
        return base64.b64decode
    if isinstance(kind, Numeric) and kind.asdecimal:
        return Decimal
    return None


@contextmanager
def _snapshot(engine: Engine):
    """A connection that sees one consistent state of the whole database."""
    if engine.dialect.name == "sqlite":
        with tempfile.TemporaryDirectory(prefix="portal-backup-") as scratch:
            copy_path = Path(scratch) / "snapshot.sqlite3"
            raw = engine.raw_connection()
            try:
                target = sqlite3.connect(copy_path)
                try:
                    raw.driver_connection.backup(target)
                finally:
                    target.close()
            finally:
                raw.close()
            copy = create_engine(f"sqlite:///{copy_path}")
            try:
                with copy.connect() as conn:
                    yield conn
            finally:
                copy.dispose()
        return
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="SERIALIZABLE", postgresql_readonly=True,
                                      postgresql_deferrable=True)
        with conn.begin():
            yield conn


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(utcnow().timestamp())
    tar.addfile(info, io.BytesIO(data))


def _dump_table(conn, table: Table, tar: tarfile.TarFile, scratch: Path) -> int:
    # Rows go to a scratch file first: a tar member needs its size before its bytes.
    path = scratch / f"{table.name}.jsonl"
    count = 0
    order = list(table.primary_key.columns) or list(table.columns)
    with path.open("w", encoding="utf-8") as out:
        result = conn.execution_options(stream_results=True, yield_per=_BATCH).execute(
            select(table).order_by(*order))
        for row in result.mappings():
            out.write(json.dumps({k: _encode(v) for k, v in row.items()}, ensure_ascii=False))
            out.write("\n")
            count += 1
    tar.add(path, arcname=f"tables/{table.name}.jsonl")
    path.unlink()
    return count


def write_backup(engine: Engine, storage: DocumentStorage, out_path: str | Path) -> BackupReport:
    out_path = Path(out_path)
    if out_path.exists():
        raise BackupError(f"{out_path} exists already; a backup never overwrites one")
    partial = out_path.with_name(out_path.name + ".partial")
    mode = "w:gz" if out_path.name.endswith((".tar.gz", ".tgz")) else "w"
    try:
        with tempfile.TemporaryDirectory(prefix="portal-backup-") as scratch, \
                tarfile.open(partial, mode) as tar, _snapshot(engine) as conn:
            report = BackupReport(out_path, _revision(conn))
            for table in _tables(conn):
                report.rows[table.name] = _dump_table(conn, table, tar, Path(scratch))
            with Session(bind=conn) as session:
                digests = sorted({digest for digest, _ in referenced_digests(session)})
            for digest in digests:
                if not storage.exists(digest):
                    raise BackupError(f"a row refers to the stored file {digest}, which is missing; "
                                      "run `flask --app portal check`")
                tar.add(storage.path(digest), arcname=f"documents/{digest}")
                report.documents += 1
                report.document_bytes += storage.size(digest)
            manifest = {"format": FORMAT, "created_at": utcnow().isoformat(), "revision": report.revision,
                        "dialect": engine.dialect.name, "rows": report.rows, "documents": digests}
            _add_bytes(tar, "manifest.json", json.dumps(manifest, indent=1).encode())
        with open(partial, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(partial, out_path)  # a backup file is whole, or not there
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return report


@dataclass
class RestoreReport:
    revision: str
    rows: dict[str, int] = field(default_factory=dict)
    documents: int = 0


def _read_manifest(tar: tarfile.TarFile) -> dict:
    try:
        manifest = json.load(tar.extractfile("manifest.json"))
    except (KeyError, ValueError) as exc:
        raise BackupError("this is not a portal backup (no readable manifest.json)") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unknown backup format {manifest.get('format')!r}")
    return manifest


def _ensure_empty(conn) -> None:
    for table in _tables(conn):
        if conn.execute(select(func.count()).select_from(table)).scalar_one():
            raise BackupError(f"the target database is not empty (table {table.name} has rows); "
                              "a restore goes into an empty instance only")


def _restore_documents(tar: tarfile.TarFile, storage: DocumentStorage, digests: list[str]) -> int:
    for digest in digests:
        member = tar.extractfile(f"documents/{digest}")
        if member is None:
            raise BackupError(f"the backup lacks the document {digest}")
        data = member.read()
        if hashlib.sha256(data).hexdigest() != digest:
            raise BackupError(f"the document {digest} in the backup is damaged")
        storage.put(data)
    return len(digests)


def _insert_rows(conn, tar: tarfile.TarFile, table: Table) -> int:
    try:
        member = tar.extractfile(f"tables/{table.name}.jsonl")
    except KeyError:
        member = None
    if member is None:
        raise BackupError(f"the backup lacks the table {table.name}")
    decoders = {c.name: d for c in table.columns if (d := _decoder(c)) is not None}
    count, batch = 0, []
    for line in io.TextIOWrapper(member, encoding="utf-8"):
        row = json.loads(line)
        for name, decode in decoders.items():
            if row.get(name) is not None:
                row[name] = decode(row[name])
        batch.append(row)
        if len(batch) >= _BATCH:
            conn.execute(table.insert(), batch)
            count, batch = count + len(batch), []
    if batch:
        conn.execute(table.insert(), batch)
        count += len(batch)
    return count


def _reset_sequences(conn, table: Table) -> None:
    """PostgreSQL hands out ids from sequences, which the inserted ids did not move."""
    for column in table.primary_key.columns:
        try:
            numeric = column.type.python_type is int
        except NotImplementedError:
            numeric = False
        if numeric:
            sequence = conn.execute(text("SELECT pg_get_serial_sequence(:t, :c)"),
                                    {"t": table.name, "c": column.name}).scalar()
            if sequence:
                highest = conn.execute(select(func.max(column))).scalar() or 0
                conn.execute(text("SELECT setval(CAST(:sequence AS regclass), :next, false)"),
                             {"sequence": sequence, "next": highest + 1})


def restore_backup(engine: Engine, storage: DocumentStorage, in_path: str | Path,
                   create_schema: Callable[[str], None]) -> RestoreReport:
    """Into an empty instance. create_schema(revision) builds the schema of the backup's revision
    when the database has none yet; afterwards the caller upgrades to the current one."""
    try:
        tar = tarfile.open(in_path, "r:*")
    except (OSError, tarfile.TarError) as exc:
        raise BackupError(f"cannot read {in_path}: {exc}") from exc
    with tar:
        manifest = _read_manifest(tar)
        with engine.connect() as conn:
            revision = _revision(conn)
        if revision is None:
            create_schema(manifest["revision"])
            with engine.connect() as conn:
                revision = _revision(conn)
        with engine.begin() as conn:
            if revision != manifest["revision"]:
                raise BackupError(f"the backup has schema revision {manifest['revision']}, this instance "
                                  f"{revision}: restore with the version of the portal that wrote it")
            _ensure_empty(conn)
        report = RestoreReport(revision)
        # Files first: the rows that refer to them come in afterwards, in one transaction.
        report.documents = _restore_documents(tar, storage, manifest["documents"])
        with engine.begin() as conn:
            for table in _tables(conn):
                report.rows[table.name] = _insert_rows(conn, tar, table)
                if report.rows[table.name] != manifest["rows"].get(table.name):
                    raise BackupError(f"table {table.name}: {report.rows[table.name]} rows read, "
                                      f"the manifest says {manifest['rows'].get(table.name)}")
                if engine.dialect.name == "postgresql":
                    _reset_sequences(conn, table)
    return report
