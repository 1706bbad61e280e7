"""Case files handed over as xdomea 3.0 packages: the exported message validates against the
official schemas, a file exported here and imported into an empty second office arrives whole
(documents by digest, dates, types, person data), a second import adds nothing, and a damaged
package is refused whole."""
from __future__ import annotations

import io
import os
import re
import uuid
import zipfile
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from lxml import etree
from sqlalchemy import func, select

from portal.casefiles.xdomea.schema import MESSAGES, NS
from tests.support import pdf_samples, samples
from tests.support.app_factory import app_for


# -- the office that hands the file over (the test's app) -------------------------------------

@pytest.fixture
def handed_file(app, db_session, case_files, make_staff):
    """Шевченко's file at Wetzlar as offices have them: a web submission (a PDF and a phone
    photo, which the file reads as PDF), a protected bank statement (read as its copy), a paper
    file from 2009 scanned in, a caseworker's note, known spellings of several kinds."""
    from portal.casefiles.notes import add_note
    from portal.casefiles.operations import attach_submission, record_spelling
    from portal.config import settings_of
    from portal.documents.checks import accept_upload
    from portal.documents.storage import DocumentStorage
    from portal.domain.dates import PartialDate
    from portal.intake import Applicant, IntakeDraft, IntakeFile, receive
    from portal.models import Channel

    settings = settings_of(app)
    storage = DocumentStorage(settings.storage_dir)
    case_file = case_files[0]

    def upload(data: bytes, name: str, slot: str, day: date | None = None) -> IntakeFile:
        accepted = accept_upload(storage, data, name, max_bytes=settings.uploads.max_file_bytes,
                                 virus_scan=settings.virus_scan)
        return IntakeFile(slot, accepted.filename, accepted.media_type, accepted.sha256, accepted.size_bytes,
                          accepted.pdf_sha256, accepted.pdf_size_bytes, accepted.page_count, document_date=day,
                          copy_reason=accepted.copy_reason)

    files = [upload(samples.pdf_bytes(2), "паспорт.pdf", "passport", date(2023, 4, 3)),
             upload(samples.jpeg_bytes(), "foto.jpg", "photo", date(2023, 4, 3)),
             upload(pdf_samples.owner_protected(pdf_samples.bank_statement()), "kontoauszug.pdf", "income")]
    draft = IntakeDraft(channel=Channel.WEB, service_code="permit-extension", language="uk",
                        values={"surname": "Шевченко", "given_names": "Олександр"},
                        applicant=Applicant("Шевченко", "Олександр", PartialDate(1987, 3), "o.s@example.org"),
                        files=files, site_code="WZ")
    web = receive(db_session, storage, draft, matching=settings.matching).submission
    attach_submission(db_session, web, case_file)
    scan = IntakeDraft(channel=Channel.SCAN, service_code="scanned-file", language="de", values={},
                       applicant=Applicant("Шевченко", "Олександр", PartialDate(1987, 3)),
                       files=[upload(samples.pdf_bytes(1, "Bescheid 2009"), "bescheid.pdf", "Bescheid",
                                     date(2009, 8, 17))], site_code="WZ")
    attach_submission(db_session, receive(db_session, storage, scan, matching=settings.matching).submission,
                      case_file)
    staff = make_staff("caseworker", "WZ")
    add_note(db_session, case_file, staff, "Zuzug aus Charkiw, Unterlagen vollständig.")
    record_spelling(db_session, case_file, "Shevchenko", "Oleksandr", "passport", staff)
    record_spelling(db_session, case_file, "Schewtschenko", "Alexander", "earlier_passport", staff)
    case_file.birth_name = "Коваль"
    db_session.commit()
    return case_file


def _export(app, file_number: str, out: Path, *args) -> str:
    result = app.test_cli_runner().invoke(args=["casefiles", "export-xdomea", file_number, str(out), *args])
    assert result.exit_code == 0, result.output
    return result.output


def _message(package: Path) -> tuple[str, bytes]:
    with zipfile.ZipFile(package) as archive:
        (name,) = [n for n in archive.namelist() if n.endswith("_Abgabe.Abgabe.0401.xml")]
        return name, archive.read(name)


def test_the_exported_message_validates_against_the_official_schemas(app, handed_file, tmp_path, db_session):
    from portal.models import AuditEvent

    package = tmp_path / "abgabe.zip"
    _export(app, handed_file.file_number, package, "--to", "Ausländerbehörde Gießen")
    name, data = _message(package)
    # The schemas as shipped in the project, loaded on their own (not through the portal's helper).
    schema = etree.XMLSchema(etree.parse(str(MESSAGES)))
    root = etree.fromstring(data)
    assert schema.validate(root), schema.error_log
    process_id = root.findtext(f"{{{NS}}}Kopf/{{{NS}}}ProzessID")
    assert name == f"{process_id}_Abgabe.Abgabe.0401.xml"
    akte = root.find(f"{{{NS}}}Schriftgutobjekt/{{{NS}}}Akte")
    assert akte.findtext(f"{{{NS}}}AllgemeineMetadaten/{{{NS}}}Kennzeichen") == "WZ-2022-00017"
    documents = akte.findall(f"{{{NS}}}Akteninhalt/{{{NS}}}Dokument")
    # In timeline order: the paper file of 2009 first.
    assert [d.findtext(f"{{{NS}}}Typ") for d in documents][0] == "Bescheid"
    assert documents[0].findtext(f"{{{NS}}}DatumDesSchreibens") == "2009-08-17"
    names = [p.text for p in root.iter(f"{{{NS}}}Dateiname")]
    with zipfile.ZipFile(package) as archive:
        assert sorted(archive.namelist()) == sorted([name, *names])
    assert all(re.match(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}_.+", n) for n in names)
    # Six files: the two PDFs as they are, the photo and its PDF, the statement and its copy.
    assert len(names) == 6
    db_session.rollback()
    (event,) = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "download",
                                                           AuditEvent.object_id == "WZ-2022-00017")).all()
    assert event.detail["export"] == "xdomea" and event.detail["process_id"] == process_id


@pytest.mark.parametrize("file_number", ["WZ-2011-00412", "DIL-2016-00321"])
def test_a_file_without_documents_is_a_valid_message_too(app, case_files, tmp_path, file_number):
    """Yılmaz (born 02.11.1979: a complete date, so Kontakt/Geburt) and Al-Hassan (born 1990, day and
    month unknown: only in the person data)."""
    package = tmp_path / "abgabe.zip"
    _export(app, file_number, package)
    _name, data = _message(package)
    root = etree.fromstring(data)
    assert etree.XMLSchema(etree.parse(str(MESSAGES))).validate(root)
    born = root.findtext(f".//{{{NS}}}Kontakt/{{{NS}}}Geburt/{{{NS}}}Datum")
    assert born == ("1979-11-02" if file_number == "WZ-2011-00412" else None)
    assert (b"1990-00-00" in data) == (file_number == "DIL-2016-00321")


def test_export_can_mark_the_file_as_handed_over(app, handed_file, tmp_path, db_session):
    from portal.domain.office_time import office_today
    from portal.models._types import utcnow

    output = _export(app, handed_file.file_number, tmp_path / "abgabe.zip", "--handed-over")
    assert "handed over" in output
    db_session.expire_all()
    today = office_today(utcnow())
    assert handed_file.status == "moved_away" and handed_file.moved_away_on == today
    assert handed_file.retention_until == today.replace(year=today.year + 10)


# -- the office that takes it over: an empty second instance ------------------------------------

@pytest.fixture
def second_office(tmp_path_factory, test_environ):
    """Another office's portal: its own database and document storage, empty but for its sites."""
    from flask_migrate import upgrade

    from portal.demo import seed_services, seed_sites
    from portal.extensions import db

    server = os.environ.get("PORTAL_TEST_DATABASE_URL")
    schema = None
    if server:
        from tests.conftest import _with_search_path

        server = re.sub(r"^postgresql://", "postgresql+psycopg://", server)
        schema = f"portal_second_{uuid.uuid4().hex[:10]}"
        admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        url = _with_search_path(server, schema)
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('second-db') / 'second.sqlite3'}"
    environ = {**test_environ, "PORTAL_DATABASE_URL": url,
               "PORTAL_STORAGE_DIR": str(tmp_path_factory.mktemp("second-storage")),
               "PORTAL_OFFICE_NAME": "Ausländerbehörde Gießen"}
    other = app_for(environ)
    with other.app_context():
        upgrade()
        seed_sites(db.session)
        seed_services(db.session)
        db.session.commit()
    yield other
    with other.app_context():
        db.session.remove()
        db.engine.dispose()
    if schema:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _import(office, package: Path, *args):
    return office.test_cli_runner().invoke(args=["casefiles", "import-xdomea", str(package), *args])


def _timeline(office, file_number: str):
    """(title, type, date, digest of what the file reads, digest of the original) per document."""
    from portal.casefiles.timeline import DOCUMENT, find_case_file, timeline
    from portal.extensions import db

    with office.app_context():
        case_file = find_case_file(db.session, file_number)
        rows = [(e.title, e.document.kind, e.day, e.document.sha256, e.original.sha256 if e.original else None,
                 e.document.copy_reason)
                for e in timeline(db.session, case_file) if e.kind == DOCUMENT]
        db.session.remove()
        return rows


def _person(office, file_number: str):
    from portal.casefiles.timeline import find_case_file
    from portal.extensions import db

    with office.app_context():
        cf = find_case_file(db.session, file_number)
        person = (cf.surname, cf.given_names, cf.birth_name, cf.date_of_birth, cf.place_of_birth, cf.nationality,
                  sorted((a.surname, a.given_names, a.kind) for a in cf.aliases))
        db.session.remove()
        return person


def test_round_trip_to_an_empty_office(app, handed_file, second_office, tmp_path):
    from portal.extensions import db
    from portal.models import CaseFile, CaseFileNote, Submission

    package = tmp_path / "abgabe.zip"
    _export(app, handed_file.file_number, package, "--to", "Ausländerbehörde Gießen")
    result = _import(second_office, package)
    assert result.exit_code == 0, result.output
    assert "opened from the package" in result.output
    with second_office.app_context():
        (case_file,) = db.session.scalars(select(CaseFile)).all()
        (submission,) = db.session.scalars(select(Submission)).all()
        new_number = case_file.file_number
        assert new_number.startswith("WZ-") and submission.channel == "transfer"
        assert submission.status == "received" and submission.case_file_id == case_file.id  # waits for a check
        assert "WZ-2022-00017" in submission.history[0].note
        notes = db.session.scalars(select(CaseFileNote)).all()
        assert [n.text.endswith("Zuzug aus Charkiw, Unterlagen vollständig.") for n in notes] == [True]
        db.session.remove()
    assert _timeline(second_office, new_number) == _timeline(app, "WZ-2022-00017")
    assert _person(second_office, new_number) == _person(app, "WZ-2022-00017")
    # The answer beside the package: taken.
    (answer,) = [p for p in tmp_path.iterdir() if p.name.endswith("_Abgabe.ImportBestaetigen.0402.xml")]
    root = etree.parse(str(answer)).getroot()
    assert etree.XMLSchema(etree.parse(str(MESSAGES))).validate(root)
    assert root.findtext(f"{{{NS}}}AbgegebenesObjekt/{{{NS}}}Erfolgreich") in ("1", "true")
    assert answer.name.startswith(root.findtext(f"{{{NS}}}Kopf/{{{NS}}}ProzessID"))
    # Again: nothing added.
    again = _import(second_office, package)
    assert again.exit_code == 0 and "nothing added" in again.output
    with second_office.app_context():
        assert db.session.scalar(select(func.count()).select_from(Submission)) == 1
        assert db.session.scalar(select(func.count()).select_from(CaseFile)) == 1
        db.session.remove()


def test_a_known_person_is_found_through_the_matching(app, handed_file, second_office, tmp_path):
    """The taking office knows the person (an earlier stay): the documents go to that file, linked
    for a caseworker to confirm; no second file is opened."""
    from portal.domain.dates import PartialDate
    from portal.extensions import db
    from portal.matching.index import index_case_file
    from portal.models import CaseFile, Site

    with second_office.app_context():
        site = db.session.scalar(select(Site).where(Site.code == "DIL"))
        known = CaseFile(file_number="DIL-2015-00088", surname="Shevchenko", given_names="Oleksandr",
                         date_of_birth=PartialDate(1987, 3), nationality="UKR", place_of_birth="Charkiw", site=site)
        db.session.add(known)
        db.session.flush()
        index_case_file(db.session, known)
        db.session.commit()
        db.session.remove()
    package = tmp_path / "abgabe.zip"
    _export(app, handed_file.file_number, package)
    result = _import(second_office, package)
    assert result.exit_code == 0 and "linked to case file DIL-2015-00088" in result.output, result.output
    with second_office.app_context():
        assert db.session.scalar(select(func.count()).select_from(CaseFile)) == 1
        db.session.remove()
    assert len(_timeline(second_office, "DIL-2015-00088")) == 4


# -- damaged packages ----------------------------------------------------------------------------

def _rewrite(package: Path, target: Path, *, drop: str | None = None, replace: dict | None = None,
             add: dict | None = None, message=None) -> Path:
    with zipfile.ZipFile(package) as source, zipfile.ZipFile(target, "w") as out:
        for info in source.infolist():
            if info.filename == drop:
                continue
            data = source.read(info.filename)
            if message is not None and info.filename.endswith(".xml"):
                data = message(data)
            out.writestr((replace or {}).get(info.filename, info.filename), data)
        for name, data in (add or {}).items():
            out.writestr(name, data)
    return target


def _nothing_filed(office, storage_before: set) -> None:
    from portal.config import settings_of
    from portal.documents.storage import DocumentStorage
    from portal.extensions import db
    from portal.models import CaseFile, Document, Submission

    with office.app_context():
        for model in (Submission, CaseFile, Document):
            assert db.session.scalar(select(func.count()).select_from(model)) == 0, model
        db.session.remove()
    assert set(DocumentStorage(settings_of(office).storage_dir).all_digests()) == storage_before


def _damaged_cases(package: Path, tmp_path: Path) -> dict[str, tuple[Path, str]]:
    name, data = _message(package)
    first_file = re.search(rb"<xdomea:Dateiname>([^<]+)</xdomea:Dateiname>", data).group(1).decode()
    digest = re.search(rb"<xdomea:Wert>([0-9a-f]{64})</xdomea:Wert>", data).group(1)
    return {
        "missing file": (_rewrite(package, tmp_path / "missing.zip", drop=first_file), "missing from the package"),
        "wrong digest": (_rewrite(package, tmp_path / "digest.zip",
                                  message=lambda xml: xml.replace(digest, b"0" * 64)), "SHA-256"),
        "invalid XML": (_rewrite(package, tmp_path / "xml.zip", message=lambda xml: xml[: len(xml) // 2]),
                        "not well-formed"),
        "schema": (_rewrite(package, tmp_path / "schema.zip",
                            message=lambda xml: xml.replace(b"<xdomea:Typ>", b"<xdomea:Sorte>", 1)
                            .replace(b"</xdomea:Typ>", b"</xdomea:Sorte>", 1)), "schema"),
        "path traversal": (_rewrite(package, tmp_path / "traversal.zip",
                                    replace={first_file: f"../../{first_file}"},
                                    message=lambda xml: xml.replace(first_file.encode(),
                                                                    f"../../{first_file}".encode())),
                           "a path, not a file name"),
        "unnamed file": (_rewrite(package, tmp_path / "extra.zip", add={"notiz.txt": b"hallo"}),
                         "files the message does not name"),
    }


@pytest.mark.parametrize("damage", ["missing file", "wrong digest", "invalid XML", "schema", "path traversal",
                                    "unnamed file"])
def test_a_damaged_package_is_refused_whole(app, handed_file, second_office, tmp_path, damage):
    from portal.config import settings_of
    from portal.documents.storage import DocumentStorage

    package = _export_to(app, handed_file, tmp_path)
    damaged, says = _damaged_cases(package, tmp_path)[damage]
    before = set(DocumentStorage(settings_of(second_office).storage_dir).all_digests())
    result = _import(second_office, damaged)
    assert result.exit_code != 0 and "refused, nothing was filed" in result.output
    assert says in result.output, result.output
    _nothing_filed(second_office, before)
    answers = [p for p in tmp_path.iterdir() if p.name.endswith("_Abgabe.ImportBestaetigen.0402.xml")]
    if damage == "invalid XML":
        assert answers == []  # no process id to answer
    else:
        (answer,) = answers
        root = etree.parse(str(answer)).getroot()
        assert root.findtext(f"{{{NS}}}AbgegebenesObjekt/{{{NS}}}Erfolgreich") in ("0", "false")
        assert root.findtext(f"{{{NS}}}AbgegebenesObjekt/{{{NS}}}Fehlermeldung")


def _export_to(app, handed_file, tmp_path: Path) -> Path:
    package = tmp_path / "abgabe.zip"
    _export(app, handed_file.file_number, package)
    return package


def test_a_refused_document_refuses_the_package_and_removes_what_was_stored(app, handed_file, second_office,
                                                                            tmp_path):
    """The last document is a PDF with JavaScript: the files checked before it were stored and
    go again; nothing is filed."""
    from portal.config import settings_of
    from portal.documents.storage import DocumentStorage

    package = _export_to(app, handed_file, tmp_path)
    name, data = _message(package)
    names = re.findall(rb"<xdomea:Dateiname>([^<]+)</xdomea:Dateiname>", data)
    last = names[-1].decode()
    hostile = pdf_samples.with_document_javascript(samples.pdf_bytes(1))
    import hashlib

    with zipfile.ZipFile(package) as source:
        declared = hashlib.sha256(source.read(last)).hexdigest().encode()
    damaged = _rewrite(package, tmp_path / "hostile.zip", drop=last, add={last: hostile},
                       message=lambda xml: xml.replace(declared, hashlib.sha256(hostile).hexdigest().encode()))
    storage = DocumentStorage(settings_of(second_office).storage_dir)
    before = set(storage.all_digests())
    result = _import(second_office, damaged)
    assert result.exit_code != 0 and "document checks" in result.output, result.output
    _nothing_filed(second_office, before)


def test_the_back_office_exports_for_team_leads(app, client, handed_file, make_staff, db_session):
    from tests.support.helpers import csrf_token_from, sign_in

    sign_in(client, make_staff("team_lead", "DIL").email)
    page = client.get(f"/backoffice/casefiles/{handed_file.file_number}").get_data(as_text=True)
    assert "xdomea" in page
    response = client.post(f"/backoffice/casefiles/{handed_file.file_number}/xdomea",
                           data={"csrf_token": csrf_token_from(page), "recipient": "Ausländerbehörde Gießen"})
    assert response.status_code == 200 and response.mimetype == "application/zip"
    disposition = response.headers["Content-Disposition"]
    assert re.search(r'filename="?[0-9a-f-]{36}_Abgabe\.Abgabe\.0401\.zip', disposition), disposition
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        assert len(archive.namelist()) == 7
    db_session.expire_all()
    assert handed_file.status == "active"  # not marked without the box ticked


def test_a_file_with_malware_refuses_the_package(app, handed_file, second_office, tmp_path, running_clamd,
                                                 monkeypatch):
    """The transfer channel's files go through clamd like every channel's: the package is refused,
    the find is in the audit trail, nothing is filed."""
    import hashlib

    from portal.config import settings_of
    from portal.documents.storage import DocumentStorage
    from portal.extensions import db
    from portal.models import AuditEvent
    from tests.support.app_factory import override_settings
    from tests.support.clamd import FOUND_AS, eicar_pdf

    override_settings(monkeypatch, second_office, virus_scan={"address": running_clamd.address,
                                                              "when_unavailable": "refuse"})
    package = _export_to(app, handed_file, tmp_path)
    _name, data = _message(package)
    first = re.search(rb"<xdomea:Dateiname>([^<]+)</xdomea:Dateiname>", data).group(1).decode()
    infected = eicar_pdf()
    with zipfile.ZipFile(package) as source:
        declared = hashlib.sha256(source.read(first)).hexdigest().encode()
    damaged = _rewrite(package, tmp_path / "infected.zip", drop=first, add={first: infected},
                       message=lambda xml: xml.replace(declared, hashlib.sha256(infected).hexdigest().encode()))
    before = set(DocumentStorage(settings_of(second_office).storage_dir).all_digests())
    result = _import(second_office, damaged)
    assert result.exit_code != 0 and "malware" in result.output, result.output
    _nothing_filed(second_office, before)
    with second_office.app_context():
        (found,) = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "virus_found")).all()
        assert found.detail["channel"] == "transfer" and found.detail["signature"] == FOUND_AS
        db.session.remove()
