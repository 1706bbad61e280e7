"""The caseworker's way from a web submission to the case file: candidates, attach, new file."""
import re

from sqlalchemy import select

from portal.models import Submission
from tests import samples
from tests.helpers import Applicant, csrf_token_from, sign_in


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
    sign_in(client, make_staff().email)
    page = client.get(f"/backoffice/submissions/{submission.reference}").get_data(as_text=True)
    response = client.post(f"/backoffice/submissions/{submission.reference}/open-case-file",
                           data={"csrf_token": csrf_token_from(page)})
    assert response.status_code == 302
    db_session.expire_all()
    assert submission.case_file is not None and submission.case_file.surname == "الحسن"
