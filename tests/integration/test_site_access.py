"""Site-bound casework (portal.casework.access): caseworkers see and change the case files,
submissions and bookings of their own site (and submissions no site has been chosen for);
team leads and admins work for both sites. Refusals are 403 and in the audit trail."""
from sqlalchemy import select, update

from portal.models import AuditEvent, CaseFile, Document, Submission
from tests.helpers import csrf_token_from, sign_in

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
