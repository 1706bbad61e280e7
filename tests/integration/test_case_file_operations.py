"""Opening case files (one way for the imports and the caseworker's button) and where intake.receive()
files a new submission: the same decision for every channel (SQLite and PostgreSQL)."""
import pytest
from sqlalchemy import func, select

from portal.casefiles.operations import create_case_file
from portal.config import settings_of
from portal.domain.dates import PartialDate
from portal.models import AuditEvent, CaseFile, CaseFileAlias, Channel, Document, SubmissionStatus
from tests.support.app_factory import override_settings


def _person(sites, **values):
    return {"surname": "Коваль", "given_names": "Ірина", "birth_name": "", "date_of_birth": PartialDate(1987, 3),
            "place_of_birth": "Київ", "nationality": "UKR", "site_id": sites["DIL"].id, **values}


def test_a_named_file_number_is_opened_once(db_session, sites):
    person = _person(sites)
    created = create_case_file(db_session, person, file_number="DIL-2019-00042",
                               aliases=[("Koval", "Iryna"), ("КОВАЛЬ", "Ірина")], alias_source="import",
                               audit={"from_scan_batch": "B-7", "line": 3})
    db_session.commit()
    assert created.file_number == "DIL-2019-00042" and created.date_of_birth == PartialDate(1987, 3)
    # The file's own name in capitals is no new spelling; the Latin one is.
    assert [(a.surname, a.given_names, a.source) for a in created.aliases] == [("Koval", "Iryna", "import")]
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "create"))
    assert (event.object_id, event.detail, event.staff_user_id) == ("DIL-2019-00042", {"from_scan_batch": "B-7",
                                                                                        "line": 3}, None)

    # The same number again (an import run again, another process a moment ago): nothing new.
    again = create_case_file(db_session, _person(sites, surname="Anders"), file_number="DIL-2019-00042",
                             aliases=[("Andere", "")], audit={"line": 4})
    db_session.commit()
    assert again is None
    assert db_session.scalar(select(func.count()).select_from(CaseFile)) == 1
    assert db_session.scalar(select(func.count()).select_from(CaseFileAlias)) == 1
    assert db_session.scalar(select(func.count()).select_from(AuditEvent)) == 1
    assert db_session.scalar(select(CaseFile.surname)) == "Коваль"


def test_without_a_number_the_site_numbers_the_file(db_session, sites, case_files):
    first = create_case_file(db_session, _person(sites), year=2026)
    second = create_case_file(db_session, _person(sites, surname="Бондар"), year=2026)
    db_session.commit()
    assert (first.file_number, second.file_number) == ("DIL-2026-00001", "DIL-2026-00002")


def _draft(app, sites, hint=None, channel=Channel.EMAIL):
    from portal.documents.storage import DocumentStorage
    from portal.intake import Applicant, IntakeDraft, IntakeFile
    from tests.support import samples

    storage = DocumentStorage(settings_of(app).storage_dir)
    pdf = samples.pdf_bytes(1)
    digest = storage.put(pdf)
    draft = IntakeDraft(
        channel=channel, service_code="general-enquiry", language="uk",
        values={"surname": "Шевченко", "given_names": "Олександр", "date_of_birth": "1987-03-00",
                "subject": "Питання", "message": "Коли буде готовий мій документ?"},
        applicant=Applicant("Шевченко", "Олександр", PartialDate(1987, 3), "o.shevchenko@example.org"),
        files=[IntakeFile("attachment", "лист.pdf", "application/pdf", digest, len(pdf), digest, len(pdf), 1)],
        site_code="DIL", case_file_hint=hint)
    return storage, draft


@pytest.mark.parametrize("confirmed", [False, True])
def test_receive_links_or_attaches_the_named_case_file(app, db_session, sites, case_files, confirmed):
    from portal.intake import CaseFileHint, receive

    named = case_files[0]  # WZ-2022-00017, kept in Wetzlar
    storage, draft = _draft(app, sites, CaseFileHint(named.file_number, confirmed=confirmed))
    with app.app_context():
        submission = receive(db_session, storage, draft, matching=settings_of(app).matching).submission
    db_session.commit()
    assert submission.case_file_id == named.id and submission.site_id == named.site_id  # not DIL
    assert set(db_session.scalars(select(Document.case_file_id).where(Document.submission_id == submission.id))) \
        == {named.id}
    attached = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "attach"))
    if confirmed:
        assert submission.status == SubmissionStatus.ATTACHED and attached.detail["automatic"] is True
    else:  # linked: open in the queue until a caseworker confirms it
        assert submission.status == SubmissionStatus.RECEIVED and attached is None


@pytest.mark.parametrize("channel", [Channel.EMAIL, Channel.WEB])
def test_receive_auto_attaches_for_every_channel_when_the_office_wants_it(app, db_session, sites, case_files,
                                                                          monkeypatch, channel):
    from portal.intake import receive
    from portal.matching.index import index_case_files

    index_case_files(db_session, case_files)
    db_session.commit()
    storage, draft = _draft(app, sites, channel=channel)
    with app.app_context():
        assert receive(db_session, storage, draft, matching=settings_of(app).matching
                       ).submission.case_file_id is None  # off by default
        override_settings(monkeypatch, app, matching={"auto_attach": True, "auto_threshold": 0.9})
        storage, draft = _draft(app, sites, channel=channel)
        draft.idempotency_key = f"{channel}:second"
        submission = receive(db_session, storage, draft, matching=settings_of(app).matching).submission
    db_session.commit()
    assert submission.case_file.file_number == "WZ-2022-00017" and submission.status == SubmissionStatus.ATTACHED
