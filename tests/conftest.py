"""Shared fixtures: one migrated database per test run (SQLite, or PostgreSQL when
PORTAL_TEST_DATABASE_URL is set), emptied after every test, and realistic data builders."""
from __future__ import annotations

import os
import re
import uuid
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa
from hypothesis import settings

from tests.support.helpers import STAFF_PASSWORD, STAFF_TOTP_SECRET, TEST_SECRET_KEY

# Hypothesis explores new inputs on every local run; CI replays a fixed sequence, so a build is
# red for a change of the code, not for the luck of the draw (a local find becomes a named test).
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
if os.environ.get("CI") == "true":
    settings.load_profile("ci")


def _with_search_path(url: str, schema: str) -> str:
    joiner = "&" if "?" in url else "?"
    return url + joiner + urlencode({"options": f"-csearch_path={schema}"})


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """A fresh, empty database for this run; on PostgreSQL a schema of its own,
    so that runs on the same server do not meet."""
    server = os.environ.get("PORTAL_TEST_DATABASE_URL")
    if not server:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'portal-test.sqlite3'}"
        return
    server = re.sub(r"^postgresql://", "postgresql+psycopg://", server)
    schema = f"portal_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield _with_search_path(server, schema)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="session")
def clamd(tmp_path_factory):
    """One clamd for the whole run, with the EICAR test signature (tests/support/clamd.py); None
    where clamd is not installed (CI installs it: there it is required)."""
    from tests.support.clamd import Clamd, clamd_binary

    if clamd_binary() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("clamd is not installed (apt-get install clamav-daemon), and CI needs it")
        yield None
        return
    server = Clamd(tmp_path_factory.mktemp("clamd")).start()
    yield server
    server.stop()


@pytest.fixture
def running_clamd(clamd):
    """The run's clamd, for tests that need a real scanner (skipped locally without clamd)."""
    if clamd is None:
        pytest.skip("clamd is not installed (apt-get install clamav-daemon)")
    return clamd


@pytest.fixture(scope="session")
def test_environ(database_url, tmp_path_factory, clamd):
    return {
        "PORTAL_ENV": "testing",
        "PORTAL_DATABASE_URL": database_url,
        "PORTAL_STORAGE_DIR": str(tmp_path_factory.mktemp("storage")),
        "PORTAL_SECRET_KEY": TEST_SECRET_KEY,
        # Every upload, attachment and scanned file of the suite goes through a real clamd;
        # without one (locally, clamd not installed) files are taken with a warning (testing).
        "PORTAL_CLAMD_ADDRESS": clamd.address if clamd is not None else "",
    }


@pytest.fixture(scope="session")
def app(test_environ):
    from flask_migrate import upgrade

    from tests.support.app_factory import app_for

    application = app_for(test_environ)
    with application.app_context():
        upgrade()
    return application


@pytest.fixture(autouse=True)
def _clean_database(request):
    """Empty every table and the rate-limit counters after each test that used the app."""
    yield
    if "app" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")
    from portal.extensions import db, limiter
    from portal.public.page_cache import forget_all_pages

    with app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())
        limiter.reset()
        forget_all_pages()  # the delete above is SQL the page cache's watch does not see


@pytest.fixture
def db_session(app):
    """A session of the test's own, outside any app context: requests made by the test
    client then get a fresh context (and fresh `g`) each, as in production."""
    from sqlalchemy.orm import Session

    from portal.extensions import db

    with app.app_context():
        engine = db.engine
    session = Session(engine)
    yield session
    session.rollback()
    session.close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def sites(db_session):
    """The two demo sites with their opening hours, and the service catalogue."""
    from portal.demo import seed_services, seed_sites

    result = seed_sites(db_session)
    seed_services(db_session)
    db_session.commit()
    return result


@pytest.fixture
def make_staff(db_session, sites):
    from portal.staff.accounts import create_staff_user

    def make(role: str = "caseworker", site: str = "WZ", email: str | None = None):
        email = email or f"{role}.{site.lower()}.{uuid.uuid4().hex[:6]}@abh-test.example"
        user = create_staff_user(db_session, email=email, full_name=f"Test {role} {site}", role=role,
                                 site_code=site, password=STAFF_PASSWORD)
        if role == "admin":
            # Admins must have a second factor; sign_in() computes their codes from this secret.
            from portal.models._types import utcnow

            user.totp_secret, user.totp_enrolled_at = STAFF_TOTP_SECRET, utcnow()
        db_session.commit()
        return user

    return make


@pytest.fixture
def case_files(db_session, sites):
    """Case files as the office has them: Cyrillic and Arabic script, unknown birth days."""
    from portal.domain.dates import PartialDate
    from portal.models import CaseFile, CaseFileAlias

    files = [
        CaseFile(file_number="WZ-2022-00017", surname="Шевченко", given_names="Олександр",
                 date_of_birth=PartialDate(1987, 3), place_of_birth="Charkiw", nationality="UKR",
                 site=sites["WZ"], aliases=[CaseFileAlias(surname="Shevchenko", given_names="Oleksandr")]),
        CaseFile(file_number="DIL-2016-00321", surname="Al-Hassan", given_names="Mohammad",
                 date_of_birth=PartialDate(1990), place_of_birth="Aleppo", nationality="SYR",
                 site=sites["DIL"], aliases=[CaseFileAlias(surname="الحسن", given_names="محمد")]),
        CaseFile(file_number="WZ-2011-00412", surname="Yılmaz", given_names="Ayşe", birth_name="Kaya",
                 date_of_birth=PartialDate(1979, 11, 2), place_of_birth="Gaziantep", nationality="TUR",
                 site=sites["WZ"]),
    ]
    db_session.add_all(files)
    db_session.commit()
    return files


@pytest.fixture
def make_submission(app, db_session, sites):
    """A web submission with one PDF document, made through the intake pipeline."""
    from portal.config import settings_of
    from portal.documents.storage import DocumentStorage
    from portal.domain.dates import PartialDate
    from portal.intake import Applicant, IntakeDraft, IntakeFile, receive
    from portal.models import Channel
    from tests.support import samples

    def make(surname="Шевченко", given_names="Олександр", service_code="general-enquiry", language="uk"):
        storage = DocumentStorage(settings_of(app).storage_dir)
        pdf = samples.pdf_bytes(2)
        digest = storage.put(pdf)
        draft = IntakeDraft(
            channel=Channel.WEB, service_code=service_code, language=language,
            values={"surname": surname, "given_names": given_names, "date_of_birth": "1987-03-00",
                    "email": "o.shevchenko@example.org", "subject": "Frage", "message": "Питання"},
            applicant=Applicant(surname, given_names, PartialDate(1987, 3), "o.shevchenko@example.org"),
            files=[IntakeFile("attachment", "паспорт.pdf", "application/pdf", digest, len(pdf), digest, len(pdf), 2)],
            site_code="WZ",
        )
        result = receive(db_session, storage, draft, matching=settings_of(app).matching)
        # A web submission carries its receipt (made with it in the portal; stands in here).
        result.submission.receipt_sha256 = storage.put(samples.pdf_bytes(1))
        db_session.commit()
        return result

    return make


@pytest.fixture
def smtp(app, monkeypatch):
    """A listening SMTP server, and the app configured to send to it."""
    from tests.support.app_factory import override_settings
    from tests.support.smtp_server import MAIL_FROM, SmtpServer

    server = SmtpServer()
    override_settings(monkeypatch, app, smtp={"host": "127.0.0.1", "port": server.port, "security": "none",
                                              "user": ""}, office={"mail_from": MAIL_FROM})
    yield server
    server.stop()


@pytest.fixture(scope="session")
def live_server(app):
    """The app served on 127.0.0.1 by a threaded server (browser and race tests)."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
