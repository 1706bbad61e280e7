"""Every channel has its files scanned by clamd before anything is filed: web uploads, mail
(attachments and the message itself), scan deliveries and content media. A file with malware is
refused (web, content) or quarantined (mail, scan rows) and recorded in the audit trail; when
clamd cannot be reached, the office's setting decides, and with "refuse" nothing is lost: the
upload can be sent again in a few minutes, the mail waits and is processed once clamd is back,
the scan row is imported by the next run.

A real clamd of the tests' own (tests/support/clamd.py) knows the EICAR test file."""
from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.config import settings_of
from portal.documents import antivirus
from portal.documents.storage import DocumentStorage
from portal.models import (
    AuditEvent, ContentMedia, Document, DraftUpload, InboundMail, ScanBatchRow, Submission,
)
from tests.support import mail_corpus, samples
from tests.support.app_factory import override_settings
from tests.support.clamd import EICAR, FOUND_AS, Clamd, eicar_pdf, eicar_zip, without_scanner
from tests.support.helpers import Applicant, csrf_token_from, sign_in


def _scanner(address: str, when_unavailable: str = "refuse"):
    from portal.config import VirusScanSettings

    return VirusScanSettings(address=address, when_unavailable=when_unavailable, timeout_seconds=10)


@pytest.fixture
def scanning(app, monkeypatch, running_clamd):
    """The app scanning with the tests' clamd and taking nothing unscanned (production's default)."""
    override_settings(monkeypatch, app, virus_scan={"address": running_clamd.address, "when_unavailable": "refuse"})
    return running_clamd


def _clamd_gone(app, monkeypatch, tmp_path, when_unavailable="refuse"):
    override_settings(monkeypatch, app, virus_scan={"address": str(tmp_path / "no-clamd.sock"),
                                                    "when_unavailable": when_unavailable})


def _stored(app) -> set[str]:
    return set(DocumentStorage(settings_of(app).storage_dir).all_digests())


# -- the scanner --------------------------------------------------------------------------------

def test_clamd_tells_clean_from_infected_also_inside_archives_and_pdfs(running_clamd, tmp_path):
    settings = _scanner(running_clamd.address)
    assert antivirus.scan(settings, samples.pdf_bytes(2)).clean
    for infected in (EICAR, eicar_zip(), eicar_pdf(), mail_corpus.plain(text=EICAR.decode())):
        verdict = antivirus.scan(settings, infected)
        assert (verdict.state, verdict.signature) == (antivirus.INFECTED, FOUND_AS)
        assert verdict.sha256 == hashlib.sha256(infected).hexdigest()
    # The PDF would pass the portal's own PDF checks: only the scan keeps it out.
    from portal.documents.pdfs import check_pdf

    assert check_pdf(eicar_pdf()).page_count == 1
    assert "ClamAV" in antivirus.ping(settings)
    down = antivirus.scan(_scanner(str(tmp_path / "none.sock")), samples.pdf_bytes(1))
    assert down.state == antivirus.NOT_SCANNED and "cannot connect" in down.problem


def test_a_file_clamd_refuses_to_read_whole_is_never_taken_as_clean(tmp_path):
    """clamd stops reading a stream longer than its StreamMaxLength: not scanned, not clean."""
    from tests.support.clamd import clamd_binary

    if clamd_binary() is None:
        pytest.skip("clamd is not installed")
    small = Clamd(tmp_path, stream_max_mb=1).start()
    try:
        verdict = antivirus.scan(_scanner(small.address), b"%PDF-1.4\n" + b"0" * (3 * 1024 * 1024))
    finally:
        small.stop()
    assert verdict.state == antivirus.NOT_SCANNED
    assert "size limit" in verdict.problem or "stopped reading" in verdict.problem


def test_unscanned_files_follow_the_setting(running_clamd, tmp_path, caplog):
    from portal.documents.refusals import DocumentRefused

    gone = str(tmp_path / "none.sock")
    with pytest.raises(DocumentRefused) as refused:
        antivirus.require_clean(_scanner(gone, "refuse"), b"%PDF-1.4")
    assert refused.value.code == "scanner_unavailable"
    with caplog.at_level("WARNING", logger="portal.documents.antivirus"):
        verdict = antivirus.require_clean(_scanner(gone, "accept"), b"%PDF-1.4")
    assert verdict.state == antivirus.NOT_SCANNED
    with pytest.raises(DocumentRefused) as infected:
        antivirus.require_clean(_scanner(running_clamd.address, "accept"), EICAR)  # never accepted
    assert (infected.value.code, infected.value.detail) == ("virus_found", FOUND_AS)
    assert without_scanner().when_unavailable == "accept"


# -- web uploads --------------------------------------------------------------------------------

def _to_documents(client, lang="uk") -> Applicant:
    applicant = Applicant(client, lang)
    applicant.start("temporary-protection")
    for step, data in samples.STEPS["temporary-protection"].items():
        applicant.step("temporary-protection", step, data)
    return applicant


def test_an_infected_upload_is_refused_in_the_applicants_language_and_recorded(client, sites, db_session, app,
                                                                               scanning):
    applicant = _to_documents(client, "uk")
    before = _stored(app)
    response = applicant.upload("temporary-protection", {"passport": [("pass.pdf", eicar_pdf())],
                                                         "other": [("archiv.zip", eicar_zip())]})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "pass.pdf" in body and "archiv.zip" in body
    assert "вірус" in body.lower() and "malware" not in body.lower()  # in Ukrainian
    assert db_session.scalar(select(func.count()).select_from(DraftUpload)) == 0
    assert _stored(app) == before, "nothing of an infected file is stored"
    events = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "virus_found")).all()
    assert sorted(e.detail["filename"] for e in events) == ["archiv.zip", "pass.pdf"]
    assert {e.detail["channel"] for e in events} == {"web"} and {e.detail["signature"] for e in events} == {FOUND_AS}
    assert all(e.staff_user_id is None and e.object_type == "application_draft" for e in events)
    # A clean file in the same application is taken as always.
    assert applicant.upload("temporary-protection", {"passport": [("pass.pdf", samples.pdf_bytes(1))]}).status_code == 302
    assert db_session.scalar(select(func.count()).select_from(DraftUpload)) == 1


def test_with_clamd_down_an_upload_is_refused_for_now_and_taken_later(client, sites, db_session, app, monkeypatch,
                                                                      tmp_path, running_clamd):
    applicant = _to_documents(client, "de")
    _clamd_gone(app, monkeypatch, tmp_path)
    before = _stored(app)
    response = applicant.upload("temporary-protection", {"passport": [("pass.pdf", samples.pdf_bytes(1))]})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "in einigen Minuten" in body
    assert _stored(app) == before and db_session.scalar(select(func.count()).select_from(DraftUpload)) == 0
    # What was entered before is still there: the next try, with clamd back, goes through.
    override_settings(monkeypatch, app, virus_scan={"address": running_clamd.address})
    assert applicant.upload("temporary-protection", {"passport": [("pass.pdf", samples.pdf_bytes(1))]}).status_code == 302
    draft = db_session.scalars(select(DraftUpload)).one().draft
    assert draft.values["surname"] == "Шевченко"


def test_development_takes_files_unscanned_with_a_warning(client, sites, db_session, app, monkeypatch, tmp_path,
                                                          caplog):
    applicant = _to_documents(client, "en")
    _clamd_gone(app, monkeypatch, tmp_path, when_unavailable="accept")
    from portal.documents import antivirus as module

    monkeypatch.setattr(module, "_last_unscanned_warning", [0.0])
    with caplog.at_level("WARNING", logger="portal.documents.antivirus"):
        response = applicant.upload("temporary-protection", {"passport": [("pass.pdf", samples.pdf_bytes(1))]})
    assert response.status_code == 302
    assert any("taken unscanned" in r.getMessage() for r in caplog.records)


# -- mail -----------------------------------------------------------------------------------------

def test_infected_mails_are_quarantined_and_never_handed_out(app, client, db_session, sites, take, scanning,
                                                            make_staff):
    before = _stored(app)
    pdf = take(mail_corpus.with_attachments(files=[("pass.pdf", eicar_pdf(), "application/pdf")],
                                            message_id="<v1@example.org>"))
    zipped = take(mail_corpus.with_attachments(files=[("unterlagen.zip", eicar_zip(), "application/zip")],
                                               message_id="<v2@example.org>"))
    body = take(mail_corpus.plain(text="Anbei: " + EICAR.decode(), message_id="<v3@example.org>"))
    for mail in (pdf, zipped, body):
        assert (mail.status, mail.reason_code) == ("quarantined", "virus_found"), mail.quarantine_reason
        assert FOUND_AS in mail.quarantine_reason and mail.submission_id is None
    assert "pass.pdf: " + FOUND_AS in pdf.quarantine_reason
    assert db_session.scalar(select(func.count()).select_from(Submission)) == 0
    # Only the raw messages were stored (the evidence), none of their attachments.
    assert _stored(app) - before == {pdf.sha256, zipped.sha256, body.sha256}
    events = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "virus_found")).all()
    assert sorted(e.object_id for e in events) == sorted(str(m.id) for m in (pdf, zipped, body))
    # The caseworker sees why and cannot download the original.
    sign_in(client, make_staff("caseworker", "WZ").email)
    page = client.get(f"/backoffice/mail/{pdf.id}").get_data(as_text=True)
    assert 'data-reason="virus_found"' in page and 'id="mail-raw"' not in page
    download = client.get(f"/backoffice/mail/{pdf.id}/raw")
    assert download.status_code == 302 and download.mimetype != "message/rfc822"
    # A clean mail goes its way.
    clean = take(mail_corpus.with_attachments(message_id="<v4@example.org>"))
    assert clean.status == "processed" and clean.submission_id is not None


def test_with_clamd_down_a_mail_waits_and_the_worker_processes_it_later(app, db_session, sites, take, monkeypatch,
                                                                        tmp_path, running_clamd):
    from portal.jobs import JOBS, run_round

    _clamd_gone(app, monkeypatch, tmp_path)
    mail = take(mail_corpus.with_attachments(message_id="<w1@example.org>"))
    assert (mail.status, mail.reason_code) == ("received", "awaiting_scan")
    assert "cannot connect" in mail.quarantine_reason
    assert db_session.scalar(select(func.count()).select_from(Submission)) == 0
    retry = tuple(job for job in JOBS if job.name == "scan-retry")
    with app.app_context():
        (name, report, ok), = run_round(retry)
    assert ok and str(report) == "0 mails processed after the virus scan, 1 still waiting for clamd"
    override_settings(monkeypatch, app, virus_scan={"address": running_clamd.address})
    with app.app_context():
        (name, report, ok), = run_round(retry)
    assert ok and report.done == 1 and report.waiting == 0
    db_session.expire_all()
    mail = db_session.get(InboundMail, mail.id)
    assert (mail.status, mail.reason_code) == ("processed", "") and mail.submission_id is not None
    assert db_session.scalar(select(func.count()).select_from(Document)) == 1


# -- scan deliveries ------------------------------------------------------------------------------

def _delivery(root: Path, files: dict[str, bytes]) -> Path:
    import csv

    root.mkdir(parents=True)
    with (root / "index.csv").open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["batch_id", "file_number", "surname", "given_names", "date_of_birth", "nationality",
                         "document_date", "document_type", "path", "pages", "sha256"])
        for name, data in files.items():
            (root / name).write_bytes(data)
            writer.writerow(["LDK-2026-0099", "WZ-2022-00017", "Шевченко", "Олександр", "00.03.1987", "UKR",
                             "2019-04-01", "Bescheid", name, "1", hashlib.sha256(data).hexdigest()])
    return root


def test_an_infected_scan_is_not_stored_and_a_scan_clamd_missed_is_imported_by_the_next_run(
        app, db_session, case_files, tmp_path, monkeypatch, running_clamd):
    clean, infected = samples.pdf_bytes(1, "Bescheid 2019"), eicar_pdf()
    delivery = _delivery(tmp_path / "delivery", {"bescheid.pdf": clean, "befall.pdf": infected})
    runner = app.test_cli_runner()

    _clamd_gone(app, monkeypatch, tmp_path)
    first = runner.invoke(args=["scans", "import", str(delivery)])
    assert "2 files were not imported because the virus scanner" in first.output
    rows = db_session.scalars(select(ScanBatchRow)).all()
    assert sorted(r.reason_code for r in rows) == ["not_scanned", "not_scanned"]
    assert hashlib.sha256(clean).hexdigest() not in _stored(app)

    override_settings(monkeypatch, app, virus_scan={"address": running_clamd.address, "when_unavailable": "refuse"})
    second = runner.invoke(args=["scans", "import", str(delivery)])
    assert "imported: 1" in second.output and "virus found" in second.output
    db_session.expire_all()
    by_path = {r.path: r for r in db_session.scalars(select(ScanBatchRow))}
    assert by_path["bescheid.pdf"].status == "imported"
    assert (by_path["befall.pdf"].status, by_path["befall.pdf"].reason_code) == ("failed", "virus_found")
    assert hashlib.sha256(infected).hexdigest() not in _stored(app)
    event = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "virus_found")).one()
    assert event.detail["channel"] == "scan" and event.detail["path"] == "befall.pdf"


# -- content media --------------------------------------------------------------------------------

def test_content_media_with_malware_is_refused_and_recorded(app, client, db_session, make_staff, scanning):
    editor = make_staff("editor", "WZ")
    sign_in(client, editor.email)
    token = csrf_token_from(client.get("/backoffice/content/media").get_data(as_text=True))
    response = client.post("/backoffice/content/media", content_type="multipart/form-data",
                           data={"csrf_token": token, "file": (io.BytesIO(eicar_pdf()), "merkblatt.pdf")})
    assert response.status_code == 200 and "Schadsoftware" in response.get_data(as_text=True)
    assert db_session.scalar(select(func.count()).select_from(ContentMedia)) == 0
    event = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "virus_found")).one()
    assert event.staff_user_id == editor.id and event.detail["channel"] == "content"
