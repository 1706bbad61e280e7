"""Site-bound casework (portal.casework.access): caseworkers see and change the case files,
submissions and bookings of their own site (and submissions no site has been chosen for);
team leads and admins work for both sites. Refusals are 403 and in the audit trail."""
import re

import pytest
from sqlalchemy import select, update

from portal.config import settings_of
from portal.models import AuditEvent, CaseFile, Document, Submission
from tests.support.app_factory import override_settings
from tests.support.helpers import csrf_token_from, sign_in

WZ_FILE, DIL_FILE = "WZ-2022-00017", "DIL-2016-00321"


def _signed_in(client, make_staff, role, site):
    sign_in(client, make_staff(role, site).email)
    return csrf_token_from(client.get("/backoffice/").get_data(as_text=True))


def _denied(db_session):
    db_session.expire_all()
    return {(e.object_type, e.object_id) for e in
            db_session.scalars(select(AuditEvent).where(AuditEvent.action == "denied"))}


def test_a_caseworker_of_the_other_site_gets_403_on_the_file_and_its_actions(client, make_staff, case_files,
                                                                             db_session):
    token = _signed_in(client, make_staff, "caseworker", "DIL")
    assert client.get(f"/backoffice/casefiles/{WZ_FILE}").status_code == 403
    assert client.get(f"/backoffice/casefiles/{WZ_FILE}/export.pdf").status_code == 403
    assert client.post(f"/backoffice/casefiles/{WZ_FILE}/notes",
                       data={"csrf_token": token, "text": "Notiz"}).status_code == 403
    assert client.get(f"/backoffice/casefiles/{DIL_FILE}").status_code == 200
    assert _denied(db_session) == {("case_file", WZ_FILE)}
    events = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "denied")).all()
    assert len(events) == 3 and {e.detail["endpoint"] for e in events} == {
        "backoffice.case_file", "backoffice.case_file_export", "backoffice.case_file_note"}
    # Nothing was written into the file, and nothing says it was viewed.
    assert not db_session.scalars(select(AuditEvent).where(AuditEvent.action == "view",
                                                           AuditEvent.object_id == WZ_FILE)).all()


def test_leads_and_admins_see_both_sites(client, make_staff, case_files):
    for role in ("team_lead", "admin"):
        sign_in(client, make_staff(role, "DIL").email)
        assert client.get(f"/backoffice/casefiles/{WZ_FILE}").status_code == 200, role
        both = client.get("/backoffice/casefiles?q=WZ").get_data(as_text=True) + \
            client.get("/backoffice/casefiles?q=DIL").get_data(as_text=True)
        assert WZ_FILE in both and DIL_FILE in both and 'id="other-site-matches"' not in both
        client.post("/backoffice/logout", data={"csrf_token": csrf_token_from(
            client.get("/backoffice/").get_data(as_text=True))})


def test_search_lists_own_files_and_counts_the_others(client, make_staff, case_files):
    _signed_in(client, make_staff, "caseworker", "DIL")
    page = client.get("/backoffice/casefiles?q=WZ-20").get_data(as_text=True)
    assert WZ_FILE not in page and "WZ-2011-00412" not in page and 'id="other-site-matches"' in page
    # Typing another site's file number exactly leads nowhere either.
    exact = client.get(f"/backoffice/casefiles?q={WZ_FILE}")
    assert exact.status_code == 200 and WZ_FILE not in exact.get_data(as_text=True).split("</form>")[-1]


def test_phone_desk_shows_own_site_and_names_the_other(client, make_staff, case_files, make_submission,
                                                       db_session):
    submission = make_submission().submission  # Wetzlar's
    _signed_in(client, make_staff, "caseworker", "DIL")
    by_file = client.get(f"/backoffice/lookup?q={WZ_FILE}").get_data(as_text=True)
    assert "Шевченко" not in by_file and 'id="found-elsewhere"' in by_file and "Wetzlar" in by_file
    by_reference = client.get(f"/backoffice/lookup?q={submission.reference}").get_data(as_text=True)
    assert f"/backoffice/submissions/{submission.reference}" not in by_reference
    assert 'id="found-elsewhere"' in by_reference
    own = client.get(f"/backoffice/lookup?q={DIL_FILE}").get_data(as_text=True)
    assert "Al-Hassan" in own and 'id="found-elsewhere"' not in own


def test_submissions_and_documents_of_the_other_site(client, make_staff, make_submission, case_files, db_session):
    submission = make_submission().submission
    document_id = db_session.scalar(select(Document.id).where(Document.submission_id == submission.id))
    token = _signed_in(client, make_staff, "caseworker", "DIL")
    reference = submission.reference
    assert client.get(f"/backoffice/submissions/{reference}").status_code == 403
    assert client.get(f"/backoffice/documents/{document_id}").status_code == 403
    for action in ("claim", "release", "reject", "close", "request-documents", "open-case-file"):
        assert client.post(f"/backoffice/submissions/{reference}/{action}",
                           data={"csrf_token": token, "reason": "x"}).status_code == 403, action
    db_session.expire_all()
    assert db_session.get(Submission, submission.id).status == "received"
    assert ("submission", reference) in _denied(db_session) and ("document", str(document_id)) in _denied(db_session)


def test_no_attaching_to_a_file_of_the_other_site(client, make_staff, make_submission, case_files, db_session):
    submission = make_submission().submission  # Wetzlar's, for Шевченко of Wetzlar
    dil_file = db_session.scalar(select(CaseFile).where(CaseFile.file_number == DIL_FILE))
    token = _signed_in(client, make_staff, "caseworker", "WZ")
    page = client.get(f"/backoffice/submissions/{submission.reference}").get_data(as_text=True)
    assert WZ_FILE in page, "own site's candidate offered"
    response = client.post(f"/backoffice/submissions/{submission.reference}/attach",
                           data={"csrf_token": token, "case_file": dil_file.id})
    assert response.status_code == 403
    db_session.expire_all()
    assert db_session.get(Submission, submission.id).case_file_id is None


def test_the_queue_shows_own_site_and_unassigned_items(client, make_staff, make_submission, db_session):
    wetzlar = make_submission().submission
    unassigned = make_submission(surname="Коваленко", given_names="Ірина").submission
    db_session.execute(update(Submission).where(Submission.id == unassigned.id).values(site_id=None))
    db_session.commit()
    _signed_in(client, make_staff, "caseworker", "DIL")
    page = client.get("/backoffice/queue").get_data(as_text=True)
    assert unassigned.reference in page and wetzlar.reference not in page
    assert client.get(f"/backoffice/submissions/{unassigned.reference}").status_code == 200
    assert wetzlar.reference not in client.get("/backoffice/queue?site=WZ").get_data(as_text=True)

    other = client.application.test_client()
    sign_in(other, make_staff("caseworker", "WZ").email)
    page = other.get("/backoffice/queue").get_data(as_text=True)
    assert unassigned.reference in page and wetzlar.reference in page


def test_policy_in_one_place(db_session, make_staff, case_files):
    """The rule itself, without HTTP."""
    from portal.casework import access

    wz, dil = case_files[0], case_files[1]
    caseworker, lead = make_staff("caseworker", "WZ"), make_staff("team_lead", "DIL")
    assert access.can_see_case_file(caseworker, wz) and not access.can_see_case_file(caseworker, dil)
    assert access.can_see_case_file(lead, wz) and access.can_see_case_file(lead, dil)
    for role in ("dpo", "editor"):
        assert not access.sees_all_sites(make_staff(role, "WZ"))
    visible = set(db_session.scalars(select(CaseFile.file_number).where(access.case_file_condition(caseworker))))
    assert visible == {"WZ-2022-00017", "WZ-2011-00412"}
    assert len(db_session.scalars(select(CaseFile).where(access.case_file_condition(lead))).all()) == 3


# -- inbound mail follows its submission --------------------------------------------------------

def _take_mail(app, db_session, raw: bytes):
    from portal.documents.storage import DocumentStorage
    from portal.intake.email.process import take_in
    from portal.models import InboundMail, InboundMailSource

    with app.app_context():
        outcome = take_in(db_session, DocumentStorage(settings_of(app).storage_dir), raw,
                          source=InboundMailSource.FILE, source_detail="test.eml", settings=settings_of(app).mail_intake)
    db_session.expire_all()
    return db_session.get(InboundMail, outcome.mail_id)


@pytest.fixture
def mails(app, db_session, case_files):
    """A mail that names a Wetzlar file (so its submission is Wetzlar's), one of Dillenburg, and
    one in quarantine that made no submission: unassigned work."""
    from tests.support import mail_corpus as corpus

    wetzlar = _take_mail(app, db_session, corpus.with_attachments(
        subject=f"Aktenzeichen {WZ_FILE}", message_id="<wz@example.org>"))
    dillenburg = _take_mail(app, db_session, corpus.plain(
        corpus.TEXTS["ar"], subject=f"Aktenzeichen {DIL_FILE}", message_id="<dil@example.org>",
        sender="m.alhassan@example.org"))
    unassigned = _take_mail(app, db_session, corpus.encrypted_pdf(message_id="<q@example.org>",
                                                                  sender="n.kovalenko@example.net"))
    assert wetzlar.submission.site.code == "WZ" and dillenburg.submission.site.code == "DIL"
    assert unassigned.submission is None and unassigned.status == "quarantined"
    # Wetzlar's mail waits for a decision as well, so that "process again" and "dismiss" could act.
    wetzlar.status = "quarantined"
    db_session.commit()
    return wetzlar, dillenburg, unassigned


def test_a_caseworker_lists_and_counts_the_mails_of_their_site_and_unassigned_ones(client, make_staff, mails):
    wetzlar, dillenburg, unassigned = mails
    _signed_in(client, make_staff, "caseworker", "DIL")
    page = client.get("/backoffice/mail").get_data(as_text=True)
    listed = set(re.findall(r'<tr id="mail-(\d+)"', page))
    assert listed == {str(dillenburg.id), str(unassigned.id)}
    assert wetzlar.submission.reference not in page and "o.shevchenko@example.org" not in page
    # The counts beside the status filter count the same mails: one quarantined (not two).
    assert re.search(r'<option value="quarantined"\s*>[^<]*\(1\)</option>', page)
    for status in ("quarantined", "processed"):
        filtered = client.get(f"/backoffice/mail?status={status}").get_data(as_text=True)
        assert f'id="mail-{wetzlar.id}"' not in filtered

    other = client.application.test_client()
    _signed_in(other, make_staff, "caseworker", "WZ")
    listed = set(re.findall(r'<tr id="mail-(\d+)"', other.get("/backoffice/mail").get_data(as_text=True)))
    assert listed == {str(wetzlar.id), str(unassigned.id)}


def test_a_mail_of_the_other_site_is_refused_and_left_alone(client, make_staff, mails, db_session):
    from portal.models import InboundMail

    wetzlar, _dillenburg, unassigned = mails
    token = _signed_in(client, make_staff, "caseworker", "DIL")
    assert client.get(f"/backoffice/mail/{wetzlar.id}").status_code == 403
    assert client.get(f"/backoffice/mail/{wetzlar.id}/raw").status_code == 403
    for action in ("process", "dismiss"):
        assert client.post(f"/backoffice/mail/{wetzlar.id}/{action}", data={"csrf_token": token}).status_code == 403
    db_session.expire_all()
    mail = db_session.get(InboundMail, wetzlar.id)
    assert (mail.status, mail.dismissed_by_id) == ("quarantined", None)
    events = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "denied")).all()
    assert {(e.object_type, e.object_id) for e in events} == {("inbound_mail", str(wetzlar.id))}
    assert {e.detail["endpoint"] for e in events} == {
        "backoffice.inbound_mail_detail", "backoffice.inbound_mail_raw", "backoffice.inbound_mail_process",
        "backoffice.inbound_mail_dismiss"}
    # Unassigned work stays open to both sites.
    assert client.get(f"/backoffice/mail/{unassigned.id}").status_code == 200
    assert client.get(f"/backoffice/mail/{unassigned.id}/raw").status_code == 200


# -- a filed submission is its case file's --------------------------------------------------------

def _unassigned_submission(make_submission, db_session) -> Submission:
    submission = make_submission().submission
    db_session.execute(update(Submission).where(Submission.id == submission.id).values(site_id=None))
    db_session.commit()
    return submission


def _document_of(db_session, submission) -> int:
    return db_session.scalar(select(Document.id).where(Document.submission_id == submission.id).limit(1))


@pytest.mark.parametrize("how", ["attach", "open-case-file"])
def test_filing_gives_the_submission_the_site_of_its_case_file(client, make_staff, make_submission, case_files,
                                                               db_session, how):
    submission = _unassigned_submission(make_submission, db_session)
    document_id = _document_of(db_session, submission)
    token = _signed_in(client, make_staff, "caseworker", "WZ")
    # Opening a file asks for the passport's spelling (the confirmation page's form).
    response = client.post(f"/backoffice/submissions/{submission.reference}/{how}",
                           data={"csrf_token": token, "case_file": case_files[0].id,
                                 "passport_surname": "Kovalenko", "passport_given_names": "Iryna"})
    assert response.status_code == 302
    db_session.expire_all()
    filed = db_session.get(Submission, submission.id)
    assert filed.case_file.site.code == "WZ" and filed.site_id == filed.case_file.site_id

    dillenburg = client.application.test_client()
    _signed_in(dillenburg, make_staff, "caseworker", "DIL")
    assert dillenburg.get(f"/backoffice/submissions/{submission.reference}").status_code == 403
    assert dillenburg.get(f"/backoffice/documents/{document_id}").status_code == 403
    assert submission.reference not in dillenburg.get("/backoffice/queue").get_data(as_text=True)


def test_auto_attach_gives_the_submission_the_site_of_its_case_file(app, make_submission, case_files, db_session,
                                                                    monkeypatch):
    from portal.matching.auto_attach import maybe_auto_attach

    submission = _unassigned_submission(make_submission, db_session)
    override_settings(monkeypatch, app, matching={"auto_attach": True, "auto_threshold": 0.5})
    with app.app_context():
        chosen = maybe_auto_attach(db_session, db_session.get(Submission, submission.id), settings_of(app).matching)
    db_session.commit()
    assert chosen is not None and chosen.case_file.file_number == WZ_FILE
    assert db_session.get(Submission, submission.id).site.code == "WZ"


def test_a_filed_document_is_the_case_files_whatever_its_submission_says(client, make_staff, make_submission,
                                                                         case_files, db_session):
    """A submission filed before filing gave it a site (or whose site was cleared): its documents
    are in a Wetzlar file, so Dillenburg does not read them."""
    submission = _unassigned_submission(make_submission, db_session)
    document_id = _document_of(db_session, submission)
    db_session.execute(update(Document).where(Document.submission_id == submission.id)
                       .values(case_file_id=case_files[0].id))
    db_session.commit()
    _signed_in(client, make_staff, "caseworker", "DIL")
    assert client.get(f"/backoffice/documents/{document_id}").status_code == 403
    assert ("document", str(document_id)) in _denied(db_session)
    wetzlar = client.application.test_client()
    _signed_in(wetzlar, make_staff, "caseworker", "WZ")
    assert wetzlar.get(f"/backoffice/documents/{document_id}").status_code == 200


def test_migration_0012_gives_filed_submissions_their_files_site(app, make_submission, case_files, db_session):
    from flask_migrate import downgrade, upgrade

    filed = _unassigned_submission(make_submission, db_session)
    waiting = _unassigned_submission(make_submission, db_session)
    other_site = make_submission().submission  # Wetzlar's, filed in Dillenburg by a team lead: kept
    db_session.execute(update(Submission).where(Submission.id == filed.id).values(case_file_id=case_files[0].id))
    db_session.execute(update(Submission).where(Submission.id == other_site.id)
                       .values(case_file_id=case_files[1].id))
    db_session.commit()
    with app.app_context():
        downgrade(revision="0011")
        upgrade()
    db_session.expire_all()
    assert db_session.get(Submission, filed.id).site.code == "WZ"
    assert db_session.get(Submission, waiting.id).site_id is None
    assert db_session.get(Submission, other_site.id).site.code == "WZ"


def test_mail_and_document_rules_in_one_place(db_session, make_staff, make_submission, case_files):
    from portal.casework import access
    from portal.models import InboundMail

    submission = make_submission().submission  # Wetzlar's
    dil, wz, lead = make_staff("caseworker", "DIL"), make_staff("caseworker", "WZ"), make_staff("team_lead", "DIL")
    assert not access.can_see_inbound_mail(dil, InboundMail(submission=submission))
    assert access.can_see_inbound_mail(wz, InboundMail(submission=submission))
    assert access.can_see_inbound_mail(lead, InboundMail(submission=submission))
    assert access.can_see_inbound_mail(dil, InboundMail(submission=None))
    # The case file decides before the submission: a site-less submission filed at Wetzlar.
    document = Document(submission=Submission(site_id=None), case_file=case_files[0],
                        case_file_id=case_files[0].id)
    assert not access.can_see_document(dil, document) and access.can_see_document(wz, document)
    db_session.rollback()


def test_scan_row_rules_in_one_place(db_session, make_staff, case_files):
    """A row is its case file's; without one, the site its file number names; else unassigned."""
    from portal.casework import access
    from portal.models import ScanBatch, ScanBatchRow

    def batch_of(name, *rows):
        batch = ScanBatch(batch_id=name, status="imported")
        db_session.add(batch)
        db_session.flush()
        for number, (file_number, case_file) in enumerate(rows, start=2):
            db_session.add(ScanBatchRow(scan_batch_id=batch.id, row_number=number, file_number=file_number,
                                        sha256=f"{number:064d}", path=f"akten/{file_number.lower()}/{number}.pdf",
                                        status="imported" if case_file else "failed",
                                        case_file_id=case_file.id if case_file else None))
        return batch

    wz_file = case_files[0]
    mixed = batch_of("LDK-2026-0100", (WZ_FILE, wz_file), ("dil-2016-00999", None), ("XY-2020-00001", None),
                     ("", None))
    wetzlar_only = batch_of("LDK-2026-0101", ("WZ-2023-00001", None))
    empty = batch_of("LDK-2026-0102")
    db_session.commit()
    wz, dil, lead = make_staff("caseworker", "WZ"), make_staff("caseworker", "DIL"), make_staff("team_lead", "DIL")

    def rows(staff):
        return set(db_session.scalars(select(ScanBatchRow.file_number).where(
            ScanBatchRow.scan_batch_id == mixed.id, access.scan_row_condition(staff))))

    assert rows(wz) == {WZ_FILE, "XY-2020-00001", ""}
    assert rows(dil) == {"dil-2016-00999", "XY-2020-00001", ""}
    assert rows(lead) == {WZ_FILE, "dil-2016-00999", "XY-2020-00001", ""}
    assert set(db_session.scalars(select(ScanBatch.batch_id).where(access.scan_batch_condition(dil)))) == {
        "LDK-2026-0100", "LDK-2026-0102"}
    assert access.can_see_scan_batch(db_session, wz, wetzlar_only)
    assert not access.can_see_scan_batch(db_session, dil, wetzlar_only)
    assert access.can_see_scan_batch(db_session, dil, empty)
    assert not access.can_check_scan_batch(db_session, wz, mixed) and access.can_check_scan_batch(db_session, lead, mixed)
    assert access.can_check_scan_batch(db_session, wz, wetzlar_only)


def test_candidates_apply_the_site_rule_before_the_five_best(client, make_staff, namesakes, app, db_session, sites):
    """As the phone desk: seven better-ranked namesakes at Wetzlar do not push Dillenburg's own
    file out of the candidates a Dillenburg caseworker sees on a Dillenburg submission."""
    from portal.documents.storage import DocumentStorage
    from portal.config import settings_of
    from portal.domain.dates import PartialDate
    from portal.intake import Applicant, IntakeDraft, receive
    from portal.models import Channel

    draft = IntakeDraft(channel=Channel.WEB, service_code="general-enquiry", language="uk",
                        values={"surname": "Коваленко", "given_names": "Марія", "date_of_birth": "1991-06-12",
                                "subject": "Питання", "message": "Питання"},
                        applicant=Applicant("Коваленко", "Марія", PartialDate(1991, 6, 12)), site_code="DIL")
    submission = receive(db_session, DocumentStorage(settings_of(app).storage_dir), draft,
                         matching=settings_of(app).matching).submission
    db_session.commit()
    sign_in(client, make_staff("caseworker", "DIL").email)
    page = client.get(f"/backoffice/submissions/{submission.reference}").get_data(as_text=True)
    assert namesakes.file_number in page and "WZ-2019-" not in page

