"""`flask check` finds what a crash or a hand edit left inconsistent; `flask backup` and `flask
restore` round-trip the database and the documents into an empty instance."""
from __future__ import annotations

import io
import json
import os
import re
import tarfile
import time
import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy import select, update

from portal.config import settings_of
from portal.documents.storage import DocumentStorage
from portal.models import AuditEvent, CaseFile, CaseFileNote, Document, OutboundMail, Submission, SubmissionStatus
from tests.support import samples
from tests.support.app_factory import app_for, override_settings


@pytest.fixture
def storage(app, tmp_path, monkeypatch):
    """A storage of this test's own: the session-wide one holds other tests' files."""
    override_settings(monkeypatch, app, storage_dir=tmp_path / "storage")
    return DocumentStorage(tmp_path / "storage")


@pytest.fixture
def office_data(db_session, case_files, make_submission, storage):
    """A case file with a note, a submission with a PDF, a mail with an attachment, audit events."""
    submission = make_submission().submission
    case_file = db_session.scalar(select(CaseFile).where(CaseFile.file_number == "WZ-2022-00017"))
    db_session.add(CaseFileNote(case_file_id=case_file.id, text="Rückruf am 3. März: Пасспорт kommt per Post"))
    receipt = storage.put(samples.pdf_bytes(1))
    db_session.add(OutboundMail(recipient="o.shevchenko@example.org", subject="Eingang", body_text="…",
                                attachments=[{"sha256": receipt, "filename": "receipt.pdf",
                                              "media_type": "application/pdf"}]))
    db_session.add(AuditEvent(action="view", object_type="case_file", object_id=case_file.file_number,
                              client_address="10.1.0.5", detail={"note": "Ansicht"}))
    db_session.commit()
    return {"submission": submission.reference, "receipt": receipt}


def _cli(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


# ---- check ---------------------------------------------------------------------------------

def test_a_consistent_instance_passes(app, office_data):
    result = _cli(app, "check")
    assert result.exit_code == 0, result.output
    assert "consistent" in result.output and "checked 3 file references" in result.output


def test_missing_file_orphans_and_broken_rows_are_reported(app, db_session, office_data, storage):
    document = db_session.scalar(select(Document).limit(1))
    storage.path(document.sha256).unlink()  # a row without its file
    old_orphan = storage.put(b"%PDF-1.4 left behind by a crash between write and commit")
    an_hour_ago = time.time() - 3600
    os.utime(storage.path(old_orphan), (an_hour_ago, an_hour_ago))
    young_orphan = storage.put(b"an upload whose transaction is still open")
    db_session.execute(update(Submission).values(status=SubmissionStatus.ATTACHED, case_file_id=None))
    db_session.commit()

    result = _cli(app, "check", "--json")
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["counts"] == {"missing_file": 1, "orphan_file": 1, "attached_without_case_file": 1}
    details = " ".join(f["detail"] for f in report["findings"])
    assert document.sha256 in details and old_orphan in details and office_data["submission"] in details
    assert report["in_flight"] == [young_orphan]


def test_damaged_file_found_only_when_content_is_verified(app, db_session, office_data, storage):
    path = storage.path(office_data["receipt"])
    path.write_bytes(path.read_bytes() + b"flipped")
    assert _cli(app, "check").exit_code == 0  # names and presence only: fast
    result = _cli(app, "check", "--verify-content", "--json")
    assert result.exit_code == 1
    assert json.loads(result.output)["counts"] == {"damaged_file": 1}


def test_remove_orphans_keeps_referenced_and_young_files(app, office_data, storage):
    orphan = storage.put(b"orphan")
    young = storage.put(b"young orphan")
    os.utime(storage.path(orphan), (time.time() - 7200,) * 2)
    result = _cli(app, "check", "--remove-orphans")
    assert result.exit_code == 0, result.output  # the only finding was removed
    assert not storage.exists(orphan) and storage.exists(young) and storage.exists(office_data["receipt"])
    assert _cli(app, "check").exit_code == 0


def test_every_digest_column_is_classified(app):
    """A new column holding a digest must say whether it points at a stored file (retention,
    check and backup read the list)."""
    from portal.documents.references import NOT_STORED, stored_file_columns
    from portal.extensions import db

    listed = {f"{c.class_.__tablename__}.{c.key}" for c in stored_file_columns()} | set(NOT_STORED)
    digest_columns = {f"{t.name}.{c.name}" for t in db.metadata.sorted_tables for c in t.columns
                      if c.name.endswith("sha256")}
    assert digest_columns <= listed, f"classify in portal/documents/references.py: {digest_columns - listed}"


# ---- backup and restore --------------------------------------------------------------------

@pytest.fixture
def empty_instance(database_url, tmp_path):
    """A second installation: its own empty database (no schema yet) and storage."""
    admin = None
    if database_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'restored.sqlite3'}"
    else:
        server = re.sub(r"^postgresql://", "postgresql+psycopg://", os.environ["PORTAL_TEST_DATABASE_URL"])
        schema = f"portal_restore_{uuid.uuid4().hex[:10]}"
        admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        url = f"{server}?options=-csearch_path%3D{schema}"
    restored = app_for({"PORTAL_ENV": "testing", "PORTAL_DATABASE_URL": url,
                        "PORTAL_STORAGE_DIR": str(tmp_path / "restored-storage"), "PORTAL_SECRET_KEY": "r" * 40})
    yield restored
    from portal.extensions import db

    with restored.app_context():
        db.engine.dispose()
    if admin is not None:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _all_rows(app) -> dict[str, list[dict]]:
    from portal.extensions import db

    with app.app_context(), db.engine.connect() as conn:
        meta = sa.MetaData()
        meta.reflect(bind=conn)
        return {t.name: [dict(r) for r in conn.execute(select(t).order_by(*t.primary_key.columns)).mappings()]
                for t in meta.sorted_tables}


def test_backup_round_trips_into_an_empty_instance(app, office_data, storage, empty_instance, tmp_path):
    backup = tmp_path / "office.tar.gz"
    result = _cli(app, "backup", str(backup))
    assert result.exit_code == 0, result.output
    with tarfile.open(backup) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
    assert manifest["rows"]["case_file"] == 3 and len(manifest["documents"]) == 3

    result = _cli(empty_instance, "restore", str(backup))
    assert result.exit_code == 0, result.output
    assert _all_rows(empty_instance) == _all_rows(app)
    restored_storage = DocumentStorage(settings_of(empty_instance).storage_dir)
    for digest in manifest["documents"]:
        assert restored_storage.read(digest) == storage.read(digest)
    assert _cli(empty_instance, "check").exit_code == 0

    # The restored instance keeps working: new rows get fresh ids (PostgreSQL sequences moved on).
    from portal.extensions import db

    with empty_instance.app_context():
        db.session.add(CaseFileNote(case_file_id=db.session.scalar(select(CaseFile.id).limit(1)), text="neu"))
        db.session.commit()
    # Restoring twice is refused: the target is no longer empty.
    again = _cli(empty_instance, "restore", str(backup))
    assert again.exit_code != 0 and "not empty" in again.output


def test_backup_refuses_when_a_file_is_missing(app, db_session, office_data, storage, tmp_path):
    storage.path(office_data["receipt"]).unlink()
    backup = tmp_path / "office.tar"
    result = _cli(app, "backup", str(backup))
    assert result.exit_code != 0 and office_data["receipt"] in result.output
    assert not backup.exists() and not list(tmp_path.glob("office.tar*"))  # no half backup


def test_restore_refuses_a_damaged_backup(app, office_data, empty_instance, tmp_path):
    backup = tmp_path / "office.tar"
    assert _cli(app, "backup", str(backup)).exit_code == 0
    damaged = tmp_path / "damaged.tar"
    with tarfile.open(backup) as source, tarfile.open(damaged, "w") as target:
        for member in source.getmembers():
            data = source.extractfile(member).read()
            if member.name == f"documents/{office_data['receipt']}":
                data = data.replace(b"%PDF", b"%PDX")
            member.size = len(data)
            target.addfile(member, io.BytesIO(data))
    result = _cli(empty_instance, "restore", str(damaged))
    assert result.exit_code != 0 and "damaged" in result.output
    assert _cli(empty_instance, "restore", str(tmp_path / "office.tar")).exit_code == 0  # nothing half-done
