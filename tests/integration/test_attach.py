"""The caseworker's way from a web submission to the case file: candidates, attach, new file."""
import re

from sqlalchemy import select

from portal.models import Submission
from tests.support import samples
from tests.support.helpers import Applicant, csrf_token_from, sign_in


def test_find_and_attach_the_right_case_file(app, client, sites, case_files, make_staff, db_session):
    Applicant(app.test_client(), "uk").apply("temporary-protection", samples.STEPS["temporary-protection"],
                                             samples.FILES["temporary-protection"])
    submission = db_session.scalars(select(Submission)).one()
    sign_in(client, make_staff().email)
    page = client.get(f"/backoffice/submissions/{submission.reference}").get_data(as_text=True)
    candidates = page[page.index('class="data-table candidates"'):]
    assert re.findall(r"[A-Z]{2,3}-\d{4}-\d{5}", candidates)[0] == "WZ-2022-00017", "best candidate first"
    response = client.post(f"/backoffice/submissions/{submission.reference}/attach",
                           data={"csrf_token": csrf_token_from(page), "case_file": case_files[0].id})
    assert response.status_code == 302 and response.headers["Location"].endswith("/casefiles/WZ-2022-00017")
    db_session.expire_all()
    assert submission.case_file_id == case_files[0].id and submission.status == "attached"
    timeline = client.get("/backoffice/casefiles/WZ-2022-00017").get_data(as_text=True)
    assert "pasport.pdf" in timeline, "the submission's documents are in the case file now"


def test_open_a_new_case_file(app, client, sites, make_staff, db_session):
    Applicant(app.test_client(), "ar").apply("general-enquiry", samples.STEPS["general-enquiry"],
                                             samples.FILES["general-enquiry"])
    submission = db_session.scalars(select(Submission)).one()
    from portal.models import AuditEvent

    sign_in(client, make_staff().email)
    page = client.get(f"/backoffice/submissions/{submission.reference}").get_data(as_text=True)
    # The button leads to the confirmation page; nothing is opened by one click.
    confirm_url = f"/backoffice/submissions/{submission.reference}/new-case-file"
    assert confirm_url in page
    confirm = client.get(confirm_url).get_data(as_text=True)
    assert "الحسن" in confirm and "(Al-Hassan)" in confirm and "(Mohammad)" in confirm
    assert 'name="passport_surname"' in confirm and 'value="Al-Hassan"' in confirm and 'value="Mohammad"' in confirm
    assert "Al-Hasan, Mohammad" in confirm and "Al-Hassan, Mohammed" in confirm  # other usual spellings
    # Without the passport's surname nothing is opened, and the page says why.
    refused = client.post(f"/backoffice/submissions/{submission.reference}/open-case-file",
                          data={"csrf_token": csrf_token_from(confirm), "passport_surname": " ",
                                "passport_given_names": "Mohamad"})
    assert refused.status_code == 400 and 'id="new-case-file-problem"' in refused.get_data(as_text=True)
    assert 'value="Mohamad"' in refused.get_data(as_text=True)  # what was entered is kept
    db_session.expire_all()
    assert submission.case_file is None

    response = client.post(f"/backoffice/submissions/{submission.reference}/open-case-file",
                           data={"csrf_token": csrf_token_from(confirm), "passport_surname": "ALHASAN",
                                 "passport_given_names": "MOHAMAD", "earlier_surname": "Al Hassan",
                                 "earlier_given_names": "Mohammed"})
    assert response.status_code == 302
    db_session.expire_all()
    case_file = submission.case_file
    assert case_file is not None and case_file.surname == "الحسن"
    assert sorted((a.kind, a.surname, a.given_names) for a in case_file.aliases) == [
        ("earlier_passport", "Al Hassan", "Mohammed"), ("passport", "ALHASAN", "MOHAMAD"),
        ("script_original", "الحسن", "محمد")]
    created = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "create",
                                                         AuditEvent.object_id == case_file.file_number))
    assert {"kind": "passport", "spelling": "ALHASAN, MOHAMAD"} in created.detail["spellings"]
    shown = client.get(f"/backoffice/casefiles/{case_file.file_number}").get_data(as_text=True)
    assert "(ALHASAN)" in shown  # the passport's spelling beside the name in Arabic script


def test_a_link_made_on_arrival_is_confirmed_or_changed_by_the_caseworker(app, client, sites, case_files,
                                                                         make_staff, db_session):
    """An e-mail naming a file number, or a scan for a file the import opened, arrives linked to that
    file but open: the caseworker confirms the link or attaches the submission elsewhere."""
    from portal.models import AuditEvent, Document

    Applicant(app.test_client(), "uk").apply("temporary-protection", samples.STEPS["temporary-protection"],
                                             samples.FILES["temporary-protection"])
    submission = db_session.scalars(select(Submission)).one()
    wrong, right = case_files[2], case_files[0]  # linked to the wrong person's file on arrival
    submission.case_file_id = wrong.id
    db_session.commit()
    sign_in(client, make_staff("team_lead").email)
    page = client.get(f"/backoffice/submissions/{submission.reference}").get_data(as_text=True)
    assert 'id="unconfirmed-link"' in page and wrong.file_number in page
    candidates = page[page.index('class="data-table candidates"'):]
    assert right.file_number in candidates and "/open-case-file" not in page

    response = client.post(f"/backoffice/submissions/{submission.reference}/attach",
                           data={"csrf_token": csrf_token_from(page), "case_file": right.id})
    assert response.status_code == 302
    db_session.expire_all()
    assert submission.case_file_id == right.id and submission.status == "attached"
    assert set(db_session.scalars(select(Document.case_file_id).where(Document.submission_id == submission.id))) \
        == {right.id}
    moved = db_session.scalars(select(AuditEvent.detail).where(AuditEvent.object_id == wrong.file_number,
                                                                AuditEvent.action == "change")).all()
    assert moved and moved[-1]["moved_away"] == submission.reference
    # Attached now: it cannot be moved again from the submission page.
    again = client.post(f"/backoffice/submissions/{submission.reference}/attach",
                        data={"csrf_token": csrf_token_from(page), "case_file": wrong.id})
    assert again.status_code == 302
    db_session.expire_all()
    assert submission.case_file_id == right.id
