"""Walks every registered back-office route with every kind of visitor.

A new back-office route fails this test until it is listed in EXPECTED with the roles
that may open it, so no route can slip out without its role check.
"""
import pytest

from tests.helpers import csrf_token_from, sign_in

STAFF = {"caseworker", "team_lead", "admin"}
SIGNED_IN = STAFF | {"dpo", "editor"}
EDITORS = {"editor", "team_lead", "admin"}
EXPECTED = {
    # endpoint: roles allowed (None: open to anonymous visitors)
    "backoffice.login": None,
    "backoffice.login_code": None,
    "backoffice.two_factor": SIGNED_IN,
    "backoffice.reset_two_factor": {"admin"},
    "backoffice.logout": SIGNED_IN,
    "backoffice.choose_language": SIGNED_IN,
    "backoffice.dashboard": SIGNED_IN,
    "backoffice.staff_list": {"admin"},
    "backoffice.sites_overview": {"team_lead", "admin"},
    "backoffice.queue": STAFF,
    "backoffice.submission": STAFF,
    "backoffice.submission_claim": STAFF,
    "backoffice.submission_release": STAFF,
    "backoffice.document": STAFF,
    "backoffice.reject_submission": STAFF,
    "backoffice.close_submission": STAFF,
    "backoffice.request_documents": STAFF,
    "backoffice.attach_to_case_file": STAFF,
    "backoffice.open_new_case_file": STAFF,
    "backoffice.statistics": {"team_lead", "admin"},
    "backoffice.lookup": STAFF,
    "backoffice.appointments_day": STAFF,
    "backoffice.appointments_day_pdf": STAFF,
    "backoffice.appointment_attendance": STAFF,
    "backoffice.appointment_note": STAFF,
    "backoffice.appointment_book": STAFF,
    "backoffice.appointment_booking": STAFF,
    "backoffice.appointments_suspicious": {"team_lead", "admin"},
    "backoffice.appointments_cancel": {"team_lead", "admin"},
    "backoffice.booking_rules": {"admin"},
    "backoffice.booking_rules_window": {"admin"},
    "backoffice.booking_rules_counters": {"admin"},
    "backoffice.booking_rules_add_closure": {"admin"},
    "backoffice.booking_rules_remove_closure": {"admin"},
    "backoffice.casefile_search": STAFF,
    "backoffice.case_file": STAFF,
    "backoffice.case_file_note": STAFF,
    "backoffice.case_file_export": STAFF,
    "backoffice.scan_batches": STAFF,
    "backoffice.scan_batch": STAFF,
    "backoffice.scan_batch_checked": STAFF,
    "backoffice.audit_log": {"admin", "dpo"},
    "backoffice.audit_csv": {"admin", "dpo"},
    "backoffice.content_list": EDITORS,
    "backoffice.content_new": EDITORS,
    "backoffice.content_item": EDITORS,
    "backoffice.content_settings": EDITORS,
    "backoffice.content_menu_order": EDITORS,
    "backoffice.content_media_list": EDITORS,
    "backoffice.content_edit": EDITORS,
    "backoffice.content_history": EDITORS,
    "backoffice.content_submit": EDITORS,
    "backoffice.content_retract": EDITORS,
    "backoffice.content_publish": {"team_lead", "admin"},
    "backoffice.content_reject": {"team_lead", "admin"},
    "backoffice.content_expire": {"team_lead", "admin"},
    "backoffice.content_restore": {"team_lead", "admin"},
    "backoffice.inbound_mail_list": STAFF,
    "backoffice.inbound_mail_detail": STAFF,
    "backoffice.inbound_mail_raw": STAFF,
    "backoffice.inbound_mail_process": STAFF,
    "backoffice.inbound_mail_dismiss": STAFF,
}

# URL parameters naming a submission, document or case file of Wetzlar: a caseworker of
# Dillenburg gets 403 on every route that takes one (portal.casework.access).
SITE_BOUND_ARGUMENTS = {"reference", "document_id", "file_number"}
VISITORS = ["anonymous", "caseworker", "caseworker_other_site", "team_lead", "admin", "dpo", "editor"]


def _backoffice_rules(app):
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("backoffice.")]


def test_every_backoffice_route_is_listed(app):
    endpoints = {rule.endpoint for rule in _backoffice_rules(app)}
    assert endpoints == set(EXPECTED), "list new back-office routes in EXPECTED with their roles"


def test_every_backoffice_view_declares_its_roles(app):
    for rule in _backoffice_rules(app):
        view = app.view_functions[rule.endpoint]
        declared = getattr(view, "required_roles", None)
        if EXPECTED[rule.endpoint] is None:
            assert getattr(view, "allows_anonymous", False)
        else:
            assert declared == EXPECTED[rule.endpoint], rule.endpoint


@pytest.mark.parametrize("visitor", VISITORS)
def test_walk_all_backoffice_routes(app, client, make_staff, make_submission, db_session, case_files, visitor):
    from sqlalchemy import select

    from portal.models import Document

    submission = make_submission().submission
    # Values for URL parameters of routes that have them.
    sample_arguments = {"reference": submission.reference,
                        "document_id": db_session.scalar(select(Document.id).limit(1)),
                        "file_number": "WZ-2022-00017", "scan_batch_id": _scan_batch(db_session),
                        "mail_id": _inbound_mail(app, db_session)}
    sample_arguments["staff_id"] = make_staff("caseworker", "DIL").id
    sample_arguments.update(item_id=_content_item(db_session), language="de")
    if visitor != "anonymous":
        role, site = ("caseworker", "DIL") if visitor == "caseworker_other_site" else (visitor, "WZ")
        assert sign_in(client, make_staff(role, site).email).status_code == 302
    role = "caseworker" if visitor == "caseworker_other_site" else visitor
    token = csrf_token_from(client.get("/backoffice/login").get_data(as_text=True)) \
        if visitor == "anonymous" else csrf_token_from(client.get("/backoffice/").get_data(as_text=True))

    for rule in _backoffice_rules(app):
        if rule.endpoint == "backoffice.logout":
            continue  # signing out here would end the walk; covered in test_staff_sign_in
        url = rule.build({arg: sample_arguments[arg] for arg in rule.arguments})[1]
        if "GET" in rule.methods:
            response = client.get(url)
        else:
            response = client.post(url, data={"csrf_token": token})
        allowed = EXPECTED[rule.endpoint]
        where = f"{visitor} {rule.endpoint} {url}"
        if allowed is None:
            assert response.status_code in (200, 302), where
        elif visitor == "anonymous":
            assert response.status_code == 302, where
            assert "/backoffice/login?next=" in response.headers["Location"], where
        elif visitor == "caseworker_other_site" and SITE_BOUND_ARGUMENTS & set(rule.arguments):
            assert response.status_code == 403, where
        elif role in allowed:
            assert response.status_code in (200, 302), where
            assert "/backoffice/login" not in response.headers.get("Location", ""), where
        else:
            assert response.status_code == 403, where
    if visitor == "caseworker_other_site":
        from portal.models import AuditEvent

        denied = {(e.object_type, e.object_id) for e in
                  db_session.scalars(select(AuditEvent).where(AuditEvent.action == "denied"))}
        assert {("case_file", "WZ-2022-00017"), ("submission", submission.reference)} <= denied


def _content_item(db_session) -> int:
    from portal.content.editing import create_item
    from portal.models._types import utcnow

    item = create_item(db_session, kind="page", slug="first-visit", texts={"title": "Ihr erster Besuch"},
                       staff=None, now=utcnow())
    db_session.commit()
    return item.id


def _scan_batch(db_session) -> int:
    from portal.models import ScanBatch, ScanBatchStatus

    batch = ScanBatch(batch_id="LDK-2026-0001", status=ScanBatchStatus.IMPORTED)
    db_session.add(batch)
    db_session.commit()
    return batch.id


def _inbound_mail(app, db_session) -> int:
    from tests.mail_corpus import sample_inbound_mail

    return sample_inbound_mail(app, db_session).id


def test_forbidden_page_is_german_and_reveals_nothing(client, make_staff):
    sign_in(client, make_staff("caseworker").email)
    response = client.get("/backoffice/admin/staff")
    body = response.get_data(as_text=True)
    assert response.status_code == 403 and "Zugriff verweigert" in body and "@abh-test.example" not in body


def test_backoffice_responses_are_not_cached(client, make_staff):
    sign_in(client, make_staff("caseworker").email)
    assert client.get("/backoffice/").headers["Cache-Control"] == "no-store"
