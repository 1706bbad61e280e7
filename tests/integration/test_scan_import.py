"""`flask scans import DIR`: a delivery of scanned paper files into the case files, through the
intake pipeline; idempotent, resumable after a crash or a kill, with a report and back-office pages."""
from __future__ import annotations

import csv
import hashlib
import io
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.config import settings_of
from portal.domain.dates import PartialDate
from portal.models import (
    AuditEvent, CaseFile, Channel, Document, ScanBatch, ScanBatchRow, Service, Submission, SubmissionStatus,
)
from tests.support import samples
from tests.support.helpers import csrf_token_from, sign_in

BATCH = "LDK-2026-0042"
COLUMNS = ("batch_id", "file_number", "surname", "given_names", "date_of_birth", "nationality", "document_date",
           "document_type", "path", "pages", "sha256")
NEW_FILE = "WZ-2019-00555"


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _tiff(pages: int) -> bytes:
    from PIL import Image

    frames = [Image.new("1", (1240, 1754), 1)] + [Image.new("L", (1240, 1754), 180 + n) for n in range(pages - 1)]
    buffer = io.BytesIO()
    frames[0].save(buffer, "TIFF", save_all=True, append_images=frames[1:], dpi=(150, 150),
                   compression="tiff_deflate")
    return buffer.getvalue()


@dataclass
class Delivery:
    root: Path
    rows: list[dict] = field(default_factory=list)

    def add(self, path: str, data: bytes | None, *, file_number: str, document_date: str, pages: int,
            surname: str = "", given_names: str = "", date_of_birth: str = "", nationality: str = "",
            document_type: str = "Schreiben", sha256: str | None = None, batch_id: str = BATCH) -> dict:
        if data is not None:
            target = self.root / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        row = {"batch_id": batch_id, "file_number": file_number, "surname": surname, "given_names": given_names,
               "date_of_birth": date_of_birth, "nationality": nationality, "document_date": document_date,
               "document_type": document_type, "path": path, "pages": str(pages),
               "sha256": sha256 or _sha(data or b"")}
        self.rows.append(row)
        return row

    def write(self) -> Path:
        with (self.root / "index.csv").open("w", encoding="utf-8", newline="") as out:
            writer = csv.DictWriter(out, fieldnames=COLUMNS)
            writer.writeheader()
            writer.writerows(self.rows)
        return self.root


def _mixed_delivery(tmp_path: Path) -> Delivery:
    """Good rows for a known file (PDF and a 3-page TIFF) and for an unknown one (Arabic script,
    unknown birth day and month), and one bad row of every kind."""
    delivery = Delivery(tmp_path / "delivery")
    delivery.root.mkdir()
    shevchenko = {"file_number": "WZ-2022-00017", "surname": "Шевченко", "given_names": "Олександр",
                  "date_of_birth": "00.03.1987", "nationality": "UKR"}
    delivery.add("akten/wz-2022-00017/bescheid.pdf", samples.pdf_bytes(2, "Bescheid 2009"), document_date="2009-05-14",
                 pages=2, document_type="Bescheid", **shevchenko)
    delivery.add("akten/wz-2022-00017/pass.tif", _tiff(3), document_date="2011-02-01", pages=3,
                 document_type="Passkopie", **shevchenko)
    fatima = {"file_number": NEW_FILE, "surname": "الأحمد", "given_names": "فاطمة", "date_of_birth": "00.00.1985",
              "nationality": "SYR"}
    delivery.add("akten/wz-2019-00555/antrag.pdf", samples.pdf_bytes(1, "Antrag 2015"), document_date="30.06.2015",
                 pages=1, document_type="Antrag", **fatima)
    delivery.add("akten/wz-2019-00555/bescheid.pdf", samples.pdf_bytes(1, "Bescheid 2016"),
                 document_date="2016-01-10", pages=1, document_type="Bescheid", **fatima)
    # The bad ones.
    al_hassan = {"file_number": "DIL-2016-00321", "surname": "Al-Hassan", "given_names": "Mohammad",
                 "date_of_birth": "00.00.1990", "nationality": "SYR"}
    missing = samples.pdf_bytes(1, "nie geliefert")
    (tmp_path / "sent-later.pdf").write_bytes(missing)  # what a corrected delivery brings
    delivery.add("akten/dil-2016-00321/fehlt.pdf", None, sha256=_sha(missing), document_date="2012-03-01",
                 pages=1, **al_hassan)
    delivery.add("akten/dil-2016-00321/falsch.pdf", samples.pdf_bytes(1, "Prüfsumme"),
                 sha256=_sha(b"something else"), document_date="2012-03-02", pages=1, **al_hassan)
    delivery.add("akten/dil-2016-00321/kaputt.pdf", b"%PDF-1.4\n1 0 obj broken\n", document_date="2012-03-03",
                 pages=1, **al_hassan)
    delivery.add("akten/dil-2016-00321/seiten.pdf", samples.pdf_bytes(1, "Seiten"), document_date="2012-03-04",
                 pages=2, **al_hassan)
    outside = samples.pdf_bytes(1, "außerhalb")
    (tmp_path / "outside.pdf").write_bytes(outside)
    delivery.add("../outside.pdf", None, sha256=_sha(outside), document_date="2012-03-05", pages=1, **al_hassan)
    (delivery.root / "akten" / "link.pdf").symlink_to(tmp_path / "outside.pdf")
    delivery.add("akten/link.pdf", None, sha256=_sha(outside), document_date="2012-03-06", pages=1,
                 document_type="Verweis", **{**al_hassan, "file_number": "WZ-2011-00412"})
    delivery.add("akten/xy/brief.pdf", samples.pdf_bytes(1, "Unbekannter Standort"), document_date="2013-01-01",
                 pages=1, file_number="XY-2020-00001", surname="Kowalczyk", given_names="Anna",
                 date_of_birth="1980-01-01", nationality="POL")
    delivery.add("akten/dil-2016-00321/datum.pdf", samples.pdf_bytes(1, "Datum"), document_date="2012-02-30",
                 pages=1, **al_hassan)
    delivery.write()
    return delivery


EXPECTED_FAILURES = {
    "akten/dil-2016-00321/fehlt.pdf": "missing_file",
    "akten/dil-2016-00321/falsch.pdf": "checksum_mismatch",
    "akten/dil-2016-00321/kaputt.pdf": "unreadable_pdf",
    "akten/dil-2016-00321/seiten.pdf": "page_count_mismatch",
    "../outside.pdf": "path_outside",
    "akten/link.pdf": "path_outside",
    "akten/xy/brief.pdf": "unknown_site",
    "akten/dil-2016-00321/datum.pdf": "bad_date",
}


def _run(app, directory: Path, *extra: str):
    return app.test_cli_runner().invoke(args=["scans", "import", str(directory), *extra])


def _counts(db_session) -> dict:
    db_session.expire_all()
    return {name: db_session.scalar(select(func.count()).select_from(model))
            for name, model in (("documents", Document), ("submissions", Submission), ("rows", ScanBatchRow),
                                ("case_files", CaseFile), ("batches", ScanBatch))}


def _failures(db_session) -> dict:
    return {row.path: row.reason_code for row in db_session.scalars(
        select(ScanBatchRow).where(ScanBatchRow.status == "failed"))}


def test_a_delivery_lands_in_the_case_files_through_the_intake(app, db_session, case_files, tmp_path):
    delivery = _mixed_delivery(tmp_path)
    result = _run(app, delivery.root)
    assert result.exit_code == 0, result.output
    assert "rows: 12, imported: 4, already present: 0, failed: 8, case files opened: 1" in result.output
    assert f"case file {NEW_FILE} was not known; opened from the index" in result.output
    for path, code in EXPECTED_FAILURES.items():
        assert any(path in line for line in result.output.splitlines()), path
    assert "checksum mismatch" in result.output and "page count mismatch - the index says 2 pages" in result.output
    assert _failures(db_session) == EXPECTED_FAILURES

    batch = db_session.scalar(select(ScanBatch))
    assert (batch.batch_id, batch.status, batch.rows_imported, batch.rows_failed, batch.case_files_created) == (
        BATCH, "imported", 4, 8, 1)
    assert batch.finished_at is not None

    # The known file: one submission of the scan channel, attached at once, out of the queue.
    known = db_session.scalar(select(CaseFile).where(CaseFile.file_number == "WZ-2022-00017"))
    attached = db_session.scalar(select(Submission).where(Submission.idempotency_key == f"scan:{BATCH}:WZ-2022-00017"))
    assert (attached.channel, attached.status, attached.case_file_id) == ("scan", "attached", known.id)
    assert attached.service.code == "scanned-file"
    assert [change.status for change in attached.history] == ["received", "attached"]
    assert BATCH in attached.history[-1].note
    documents = db_session.scalars(select(Document).where(Document.submission_id == attached.id)
                                   .order_by(Document.id)).all()
    assert [(d.media_type, d.page_count, d.document_date, d.source, d.case_file_id) for d in documents] == [
        ("application/pdf", 2, date(2009, 5, 14), "scan", known.id),
        ("image/tiff", None, date(2011, 2, 1), "scan", known.id),
        ("application/pdf", 3, date(2011, 2, 1), "scan", known.id),
    ]
    tiff, tiff_pdf = documents[1], documents[2]
    assert tiff_pdf.derived_from_id == tiff.id and tiff.kind == "Passkopie"
    # The TIFF is kept exactly as delivered: its checksum is the provider's.
    assert tiff.sha256 == delivery.rows[1]["sha256"]

    # The unknown file: opened from the index, its submission waits in the queue, filed in it.
    opened = db_session.scalar(select(CaseFile).where(CaseFile.file_number == NEW_FILE))
    assert (opened.surname, opened.given_names, opened.date_of_birth, opened.nationality, opened.site.code) == (
        "الأحمد", "فاطمة", PartialDate(1985), "SYR", "WZ")
    waiting = db_session.scalar(select(Submission).where(Submission.idempotency_key == f"scan:{BATCH}:{NEW_FILE}"))
    assert (waiting.status, waiting.case_file_id, waiting.site.code) == ("received", opened.id, "WZ")
    assert NEW_FILE in waiting.history[0].note and BATCH in waiting.history[0].note
    assert {d.case_file_id for d in db_session.scalars(select(Document).where(Document.submission_id == waiting.id))} \
        == {opened.id}
    assert db_session.scalar(select(AuditEvent).where(AuditEvent.action == "create",
                                                      AuditEvent.object_id == NEW_FILE)).detail["from_scan_batch"] \
        == BATCH
    # Bad rows left no trace in the case files: no submission for Al-Hassan, no file XY-….
    assert db_session.scalar(select(func.count()).select_from(Submission)) == 2
    assert db_session.scalar(select(CaseFile).where(CaseFile.file_number == "XY-2020-00001")) is None
    # Every document row has its file in storage.
    from portal.documents.storage import DocumentStorage

    storage = DocumentStorage(settings_of(app).storage_dir)
    assert all(storage.exists(d.sha256) for d in db_session.scalars(select(Document)))


def test_the_queue_and_the_timeline_show_the_scans(app, client, db_session, case_files, make_staff, tmp_path):
    from tests.support.helpers import staff_in_english

    _run(app, _mixed_delivery(tmp_path).root)
    staff = staff_in_english(make_staff, db_session)
    sign_in(client, staff.email)
    waiting = db_session.scalar(select(Submission).where(Submission.idempotency_key == f"scan:{BATCH}:{NEW_FILE}"))
    attached = db_session.scalar(select(Submission).where(
        Submission.idempotency_key == f"scan:{BATCH}:WZ-2022-00017"))
    queue = client.get("/backoffice/queue").get_data(as_text=True)
    assert waiting.reference in queue and attached.reference not in queue

    page = client.get("/backoffice/casefiles/WZ-2022-00017").get_data(as_text=True)
    assert page.count('data-source="scan"') >= 2
    # By the documents' own dates: the 2011 passport copy above the 2009 notice, both in their years.
    assert 'id="year-2011"' in page and 'id="year-2009"' in page
    assert page.index("Passkopie") < page.index("Bescheid")


def test_running_it_twice_adds_nothing(app, db_session, case_files, tmp_path):
    delivery = _mixed_delivery(tmp_path)
    assert _run(app, delivery.root).exit_code == 0
    before = _counts(db_session)
    events = db_session.scalar(select(func.count()).select_from(AuditEvent))
    again = _run(app, delivery.root)
    assert again.exit_code == 0, again.output
    assert "imported: 0, already present: 4, failed: 8, case files opened: 0" in again.output
    assert _counts(db_session) == before
    assert db_session.scalar(select(func.count()).select_from(AuditEvent)) == events
    assert _failures(db_session) == EXPECTED_FAILURES


def test_a_corrected_delivery_imports_the_failed_and_the_new_rows(app, db_session, case_files, tmp_path):
    delivery = _mixed_delivery(tmp_path)
    _run(app, delivery.root)
    batch = db_session.scalar(select(ScanBatch))
    batch.status = "checked"
    db_session.commit()
    # The provider sends the missing file and one more document in a second delivery of the batch.
    second = Delivery(tmp_path / "second")
    second.root.mkdir()
    missing = next(row for row in delivery.rows if row["path"].endswith("fehlt.pdf"))
    second.add(missing["path"], (tmp_path / "sent-later.pdf").read_bytes(), document_date="2012-03-01", pages=1,
               file_number="DIL-2016-00321")
    # Rows for a file this batch opened carry the person data as well (as every row for a new file).
    second.add("nachtrag.pdf", samples.pdf_bytes(1, "Nachtrag"), document_date="2017-07-07", pages=1,
               file_number=NEW_FILE, surname="الأحمد", given_names="فاطمة", date_of_birth="1985-00-00",
               nationality="SYR")
    second.rows.append(delivery.rows[0])  # already there
    (second.root / delivery.rows[0]["path"]).parent.mkdir(parents=True)
    (second.root / delivery.rows[0]["path"]).write_bytes((delivery.root / delivery.rows[0]["path"]).read_bytes())
    result = _run(app, second.write())
    assert "imported: 2, already present: 1, failed: 0" in result.output, result.output

    db_session.expire_all()
    failures = _failures(db_session)
    assert "akten/dil-2016-00321/fehlt.pdf" not in failures and len(failures) == 7
    batch = db_session.scalar(select(ScanBatch))
    assert (batch.rows_imported, batch.rows_failed, batch.status) == (6, 7, "imported")  # to be checked again
    al_hassan = db_session.scalar(select(Submission).where(
        Submission.idempotency_key == f"scan:{BATCH}:DIL-2016-00321"))
    assert al_hassan.status == "attached"
    # The later document for the new file joins its waiting submission, filed in the file.
    waiting = db_session.scalar(select(Submission).where(Submission.idempotency_key == f"scan:{BATCH}:{NEW_FILE}"))
    assert [d.title for d in db_session.scalars(select(Document).where(Document.submission_id == waiting.id)
                                                .order_by(Document.id))] == ["Antrag", "Bescheid", "Schreiben"]
    assert waiting.status == "received"


def test_the_scanned_file_service_is_made_when_missing_and_never_offered(app, client, db_session, case_files,
                                                                         tmp_path):
    db_session.execute(Service.__table__.delete().where(Service.code == "scanned-file"))
    db_session.commit()
    assert _run(app, _mixed_delivery(tmp_path).root).exit_code == 0
    service = db_session.scalar(select(Service).where(Service.code == "scanned-file"))
    assert (service.name_de, service.has_online_form, service.needs_appointment, service.is_active) == (
        "Gescannte Papierakte", False, False, True)
    assert "scanned-file" not in client.get("/de/services/").get_data(as_text=True)
    assert "scanned-file" not in client.get("/en/").get_data(as_text=True)
    assert client.get("/de/services/scanned-file/").status_code == 404
    assert client.get("/de/services/general-enquiry/").status_code == 200


# -- crashes ---------------------------------------------------------------------------------------

def _many_files_delivery(tmp_path: Path, db_session, sites, rows: int, files: int) -> Delivery:
    """`rows` single-page PDFs over `files` case files: the first half known, the rest new."""
    for number in range(files // 2):
        db_session.add(CaseFile(file_number=f"WZ-2020-{number:05d}", surname="Коваленко", given_names="Ірина",
                                date_of_birth=PartialDate(1990, 1), nationality="UKR", site=sites["WZ"]))
    db_session.commit()
    delivery = Delivery(tmp_path / "many")
    delivery.root.mkdir()
    for index in range(rows):
        number = index % files
        file_number = f"WZ-2020-{number:05d}" if number < files // 2 else f"DIL-2021-{number:05d}"
        delivery.add(f"{number:03d}/{index:05d}.pdf", samples.pdf_bytes(1, f"Seite {index}"), file_number=file_number,
                     document_date=f"20{10 + index % 10}-0{1 + index % 9}-1{index % 9}", pages=1,
                     surname="Коваленко", given_names="Ірина", date_of_birth="1990-01-00", nationality="UKR")
    delivery.write()
    return delivery


def _assert_complete(app, db_session, rows: int, files: int):
    from portal.documents.storage import DocumentStorage

    db_session.expire_all()
    storage = DocumentStorage(settings_of(app).storage_dir)
    documents = db_session.scalars(select(Document).where(Document.source == Channel.SCAN)).all()
    assert len(documents) == rows
    assert len({(d.submission_id, d.sha256) for d in documents}) == rows  # every row once
    assert all(storage.exists(d.sha256) for d in documents)  # no row without its stored file
    assert db_session.scalar(select(func.count()).select_from(ScanBatchRow).where(
        ScanBatchRow.status == "imported")) == rows
    submissions = db_session.scalars(select(Submission).where(Submission.channel == Channel.SCAN)).all()
    assert len(submissions) == files
    statuses = sorted(s.status for s in submissions)
    assert statuses == sorted([SubmissionStatus.ATTACHED] * (files // 2) +
                              [SubmissionStatus.RECEIVED] * (files - files // 2))
    batch = db_session.scalar(select(ScanBatch))
    assert (batch.status, batch.rows_imported, batch.rows_failed, batch.case_files_created) == (
        "imported", rows, 0, files - files // 2)


def test_a_crash_half_way_is_finished_by_the_next_run(app, db_session, sites, tmp_path):
    from portal.documents.storage import DocumentStorage
    from portal.extensions import db
    from portal.intake.scans import import_delivery

    delivery = _many_files_delivery(tmp_path, db_session, sites, rows=40, files=6)
    storage = DocumentStorage(settings_of(app).storage_dir)
    done = []

    def crash_after_two_chunks(count):
        done.append(count)
        if len(done) == 2:
            raise KeyboardInterrupt("power cut")

    with app.app_context():
        with pytest.raises(KeyboardInterrupt):
            import_delivery(db.session, storage, delivery.root, max_file_bytes=10**7, chunk_size=7,
                            matching=settings_of(app).matching, virus_scan=settings_of(app).virus_scan,
                            progress=crash_after_two_chunks)
        db.session.rollback()
    assert db_session.scalar(select(func.count()).select_from(ScanBatchRow)) == 14
    assert db_session.scalar(select(ScanBatch)).status == "received"
    with app.app_context():
        report = import_delivery(db.session, storage, delivery.root, max_file_bytes=10**7, chunk_size=7,
                                 matching=settings_of(app).matching, virus_scan=settings_of(app).virus_scan)
    assert (report.imported, report.skipped, len(report.failed)) == (26, 14, 0)
    _assert_complete(app, db_session, rows=40, files=6)


def test_an_import_killed_with_sigkill_is_finished_by_the_next_run(app, db_session, sites, test_environ, tmp_path):
    rows, files = 300, 20
    delivery = _many_files_delivery(tmp_path, db_session, sites, rows=rows, files=files)
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, **test_environ, "FLASK_APP": "portal"}
    log = (tmp_path / "import.log").open("w")
    process = subprocess.Popen([sys.executable, "-m", "flask", "scans", "import", str(delivery.root),
                                "--chunk-size", "5"], cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        committed = 0
        while time.monotonic() < deadline and process.poll() is None:
            db_session.rollback()
            committed = db_session.scalar(select(func.count()).select_from(ScanBatchRow))
            if committed >= 20:
                break
            time.sleep(0.01)
        process.send_signal(signal.SIGKILL)
        process.wait(10)
    finally:
        if process.poll() is None:
            process.kill()
        log.close()
    assert process.returncode == -signal.SIGKILL, (tmp_path / "import.log").read_text()
    db_session.rollback()
    committed = db_session.scalar(select(func.count()).select_from(ScanBatchRow))
    assert 20 <= committed < rows, "the kill should land half-way"

    result = _run(app, delivery.root, "--chunk-size", "50")
    assert result.exit_code == 0, result.output
    assert f"imported: {rows - committed}, already present: {committed}, failed: 0" in result.output
    _assert_complete(app, db_session, rows=rows, files=files)


# -- back office -----------------------------------------------------------------------------------

def test_back_office_lists_shows_and_marks_batches(app, client, db_session, case_files, make_staff, tmp_path):
    from tests.support.helpers import staff_in_english

    _run(app, _mixed_delivery(tmp_path).root)
    batch = db_session.scalar(select(ScanBatch))
    staff = staff_in_english(make_staff, db_session, "team_lead")
    sign_in(client, staff.email)

    listing = client.get("/backoffice/scans")
    body = listing.get_data(as_text=True)
    assert listing.status_code == 200 and BATCH in body and f'href="/backoffice/scans/{batch.id}"' in body
    assert f'id="scan-batch-{batch.id}" data-status="imported"' in body
    assert 'class="scan-imported">4<' in body and 'class="scan-failed">8<' in body

    page = client.get(f"/backoffice/scans/{batch.id}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'id="scan-batch-imported">4<' in body and 'id="scan-batch-failed">8<' in body
    for code in EXPECTED_FAILURES.values():
        assert f'data-reason="{code}"' in body
    assert "Checksum does not match" in body and "the index says 2 pages, the file has 1" in body
    assert f'href="/backoffice/casefiles/{NEW_FILE}"' in body and 'href="/backoffice/casefiles/WZ-2022-00017"' in body
    assert 'id="scan-batch-own-site"' not in body
    waiting = db_session.scalar(select(Submission).where(Submission.idempotency_key == f"scan:{BATCH}:{NEW_FILE}"))
    assert f'href="/backoffice/submissions/{waiting.reference}"' in body
    assert db_session.scalar(select(AuditEvent).where(AuditEvent.action == "view",
                                                      AuditEvent.object_type == "scan_batch")).staff_user_id == staff.id

    # Without the token, nothing changes.
    assert client.post(f"/backoffice/scans/{batch.id}/checked").status_code == 400
    token = csrf_token_from(body)
    response = client.post(f"/backoffice/scans/{batch.id}/checked", data={"csrf_token": token})
    assert response.status_code == 302
    db_session.expire_all()
    batch = db_session.get(ScanBatch, batch.id)
    assert (batch.status, batch.checked_by_id) == ("checked", staff.id) and batch.checked_at is not None
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "change",
                                                       AuditEvent.object_type == "scan_batch"))
    assert (event.staff_user_id, event.object_id, event.detail) == (staff.id, BATCH, {"status": "checked"})
    page = client.get(f"/backoffice/scans/{batch.id}").get_data(as_text=True)
    assert 'data-status="checked"' in page and "Mark as checked" not in page
    # Marking twice is refused (the batch is checked already), and recorded once only.
    client.post(f"/backoffice/scans/{batch.id}/checked", data={"csrf_token": token})
    assert db_session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "change", AuditEvent.object_type == "scan_batch")) == 1
    assert client.get("/backoffice/scans/999999").status_code == 404


def _failed_paths(body: str) -> set[str]:
    import re

    return set(re.findall(r'<tr id="scan-row-\d+" data-reason="\w+">\s*<td>\d+</td><td><bdi>[^<]*</bdi></td>'
                          r'<td><bdi>([^<]*)</bdi>', body))


@pytest.mark.parametrize("site", ["WZ", "DIL"])
def test_a_caseworker_sees_and_counts_the_rows_of_their_site_only(app, client, db_session, case_files, make_staff,
                                                                  tmp_path, site):
    """A delivery spans both sites: Wetzlar's rows (and their paths, which name people) are not
    Dillenburg's business, nor the other way round; the row of an unknown site (XY-) is
    unassigned work and shown to both; counts follow the rows shown."""
    from tests.support.helpers import staff_in_english

    _run(app, _mixed_delivery(tmp_path).root)
    batch = db_session.scalar(select(ScanBatch))
    sign_in(client, staff_in_english(make_staff, db_session, "caseworker", site).email)
    own = {"WZ": {"akten/link.pdf", "akten/xy/brief.pdf"},
           "DIL": {path for path in EXPECTED_FAILURES if "dil-2016-00321" in path} | {"../outside.pdf",
                                                                                     "akten/xy/brief.pdf"}}[site]
    imported, opened = {"WZ": (4, 1), "DIL": (0, 0)}[site]
    listing = client.get("/backoffice/scans").get_data(as_text=True)
    assert f'class="scan-imported">{imported}<' in listing and f'class="scan-failed">{len(own)}<' in listing
    assert f'class="scan-opened">{opened}<' in listing
    body = client.get(f"/backoffice/scans/{batch.id}").get_data(as_text=True)
    assert _failed_paths(body) == own
    assert f'id="scan-batch-imported">{imported}<' in body and f'id="scan-batch-failed">{len(own)}<' in body
    other = "DIL-2016-00321" if site == "WZ" else "WZ-"
    assert other not in body and ("dil-2016" in body) == (site == "DIL")
    # The delivery holds rows of the other site: marking it is for a team lead (403, audited).
    assert 'id="scan-batch-own-site"' in body and "Mark as checked" not in body
    response = client.post(f"/backoffice/scans/{batch.id}/checked", data={"csrf_token": csrf_token_from(body)})
    assert response.status_code == 403
    db_session.expire_all()
    assert db_session.get(ScanBatch, batch.id).status == "imported"
    assert db_session.scalar(select(AuditEvent).where(AuditEvent.action == "denied")).object_id == BATCH


def test_a_batch_of_one_site_only(app, client, db_session, case_files, make_staff, tmp_path):
    """Nothing of Dillenburg in it: Dillenburg neither lists nor opens it; Wetzlar marks it."""
    from tests.support.helpers import staff_in_english

    delivery = Delivery(tmp_path / "delivery")
    delivery.root.mkdir()
    delivery.add("akten/wz-2022-00017/bescheid.pdf", samples.pdf_bytes(1, "Bescheid"), document_date="2009-05-14",
                 pages=1, file_number="WZ-2022-00017", surname="Шевченко", given_names="Олександр",
                 date_of_birth="00.03.1987", nationality="UKR")
    delivery.add("akten/wz-2022-00017/fehlt.pdf", None, sha256="0" * 64, document_date="2009-05-15", pages=1,
                 file_number="WZ-2022-00017", surname="Шевченко", given_names="Олександр",
                 date_of_birth="00.03.1987", nationality="UKR")
    _run(app, delivery.write())
    batch = db_session.scalar(select(ScanBatch))
    assert (batch.rows_imported, batch.rows_failed) == (1, 1)

    sign_in(client, staff_in_english(make_staff, db_session, "caseworker", "DIL").email)
    assert f"/backoffice/scans/{batch.id}" not in client.get("/backoffice/scans").get_data(as_text=True)
    assert client.get(f"/backoffice/scans/{batch.id}").status_code == 403
    token = csrf_token_from(client.get("/backoffice/").get_data(as_text=True))
    assert client.post(f"/backoffice/scans/{batch.id}/checked", data={"csrf_token": token}).status_code == 403
    db_session.expire_all()
    assert db_session.get(ScanBatch, batch.id).status == "imported"

    wetzlar = app.test_client()
    sign_in(wetzlar, staff_in_english(make_staff, db_session, "caseworker", "WZ").email)
    body = wetzlar.get(f"/backoffice/scans/{batch.id}").get_data(as_text=True)
    assert 'id="scan-batch-failed">1<' in body and 'id="scan-batch-own-site"' not in body
    assert wetzlar.post(f"/backoffice/scans/{batch.id}/checked",
                        data={"csrf_token": csrf_token_from(body)}).status_code == 302
    db_session.expire_all()
    assert db_session.get(ScanBatch, batch.id).status == "checked"


def test_deleting_a_file_under_the_retention_rules_takes_its_scan_rows_along(app, db_session, case_files,
                                                                             tmp_path):
    from portal.casefiles.retention import delete_case_files

    _run(app, _mixed_delivery(tmp_path).root)
    known = db_session.scalar(select(CaseFile).where(CaseFile.file_number == "WZ-2022-00017"))
    assert db_session.scalar(select(func.count()).select_from(ScanBatchRow).where(
        ScanBatchRow.case_file_id == known.id)) == 2
    delete_case_files(db_session, [known.id], date(2040, 1, 1))
    db_session.commit()
    assert db_session.scalar(select(func.count()).select_from(ScanBatchRow).where(
        ScanBatchRow.status == "imported")) == 2  # the other file's rows stay
    assert db_session.scalar(select(func.count()).select_from(ScanBatchRow).where(
        ScanBatchRow.file_number == "WZ-2022-00017")) == 0
