"""Walks every registered back-office route with every kind of visitor.

A new back-office route fails this test until it is listed in EXPECTED with the roles
that may open it, so no route can slip out without its role check.
"""
import pytest

from portal.config import settings_of
from tests.support.helpers import csrf_token_from, sign_in

STAFF = {"caseworker", "team_lead", "admin"}
SIGNED_IN = STAFF | {"dpo", "editor"}
EDITORS = {"editor", "team_lead", "admin"}
EXPECTED = {
    # endpoint: roles allowed (None: open to anonymous visitors)
    "backoffice.login": None,
    "backoffice.login_code": None,
    "backoffice.login_challenge": None,
    "backoffice.two_factor": SIGNED_IN,
    "backoffice.reset_two_factor": {"admin"},
    "backoffice.logout": SIGNED_IN,
    "backoffice.choose_language": SIGNED_IN,
    "backoffice.dashboard": SIGNED_IN,
    "backoffice.staff_list": {"admin"},
    "backoffice.api_clients": {"admin"},
    "backoffice.api_client_create": {"admin"},
    "backoffice.api_client_revoke": {"admin"},
    "backoffice.sites_overview": {"team_lead", "admin"},
    "backoffice.queue": STAFF,
    "backoffice.submission": STAFF,
    "backoffice.submission_claim": STAFF,
    "backoffice.submission_release": STAFF,
    "backoffice.document": STAFF,
    "backoffice.reject_submission": STAFF,
    "backoffice.close_submission": STAFF,
    "backoffice.invite_to_appointment": STAFF,
    "backoffice.request_documents": STAFF,
    "backoffice.print_request_letter": STAFF,
    "backoffice.attach_to_case_file": STAFF,
    "backoffice.open_new_case_file": STAFF,
    "backoffice.confirm_new_case_file": STAFF,
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
    "backoffice.case_file_xdomea": {"team_lead", "admin"},
    "backoffice.case_file_spelling_add": STAFF,
    "backoffice.case_file_spelling_remove": STAFF,
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
    "backoffice.inbound_mail_add_to_named": STAFF,
    "backoffice.form_translate": EDITORS,
    "backoffice.form_preview": EDITORS,
    "backoffice.form_compare": EDITORS,
    "backoffice.form_list": EDITORS,
    "backoffice.form_new": EDITORS,
    "backoffice.form_history": EDITORS,
    "backoffice.form_new_version": EDITORS,
    "backoffice.form_restore": EDITORS,
    # Publishing and rejecting are refused to editors by the workflow (versions.transition).
    "backoffice.form_transition": EDITORS,
    "backoffice.form_version": EDITORS,
    "backoffice.form_service": EDITORS,
    "backoffice.form_step_new": EDITORS,
    "backoffice.form_step": EDITORS,
    "backoffice.form_step_move": EDITORS,
    "backoffice.form_step_remove": EDITORS,
    "backoffice.form_field_new": EDITORS,
    "backoffice.form_field": EDITORS,
    "backoffice.form_field_move": EDITORS,
    "backoffice.form_field_remove": EDITORS,
    "backoffice.form_rule_add": EDITORS,
    "backoffice.form_rule_remove": EDITORS,
    "backoffice.form_slot_new": EDITORS,
    "backoffice.form_slot": EDITORS,
    "backoffice.form_slot_move": EDITORS,
    "backoffice.form_slot_remove": EDITORS,
}
# Views that check what their form says and answer the walk's made-up form (which has none of
# their inputs) with 400 and the message next to the field, changing nothing.
CHECKS_ITS_INPUT = {"backoffice.form_new"}

VISITORS = ["anonymous", "caseworker", "caseworker_other_site", "team_lead", "admin", "dpo", "editor"]
# Who walks: everyone but the Dillenburg caseworker works at Wetzlar, except the team lead and the
# admin, who are of Dillenburg too: they work for both sites.
VISITOR_AS = {"caseworker": ("caseworker", "WZ"), "caseworker_other_site": ("caseworker", "DIL"),
              "team_lead": ("team_lead", "DIL"), "admin": ("admin", "DIL"), "dpo": ("dpo", "WZ"),
              "editor": ("editor", "WZ")}


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


# -- objects of the other site ----------------------------------------------------------------
# Every URL argument of a back-office route names an object. The walk makes one of each kind at
# Wetzlar and requests every route that takes it, with every method it has, as every visitor:
# a caseworker of Dillenburg gets 403 (written into the audit trail as "denied") and leaves the
# object as it was; the Wetzlar caseworker, team leads and admins get what their role allows.
# The routes and their arguments come from app.url_map, so a new route cannot slip past the
# rule; a new kind of argument fails the walk until it is taught below how to make one.

class Wetzlar:
    """Makes the walk's objects, all of them Wetzlar's, and remembers their rows, so that the
    walk can tell whether a request changed one (its row, or rows that hang on it)."""

    def __init__(self, app, db_session, make_submission, make_staff, case_files, sites):
        self.app, self.db_session, self.sites = app, db_session, sites
        self.make_submission, self.make_staff = make_submission, make_staff
        self.case_file = case_files[0]
        assert self.case_file.site.code == "WZ"
        self.watched: list[tuple] = []
        self.made: dict[str, object] = {}

    def watch(self, row):
        self.watched.append((row.__table__, row.id))
        return row

    def value(self, argument: str):
        """The URL value naming a Wetzlar object for this argument (made once per walk)."""
        if argument not in self.made:
            make = OTHER_SITE_OBJECTS.get(argument) or SITE_FREE_ARGUMENTS.get(argument)
            if make is None:
                pytest.fail(f"teach the walk how to make a {argument} of another site "
                            f"(OTHER_SITE_OBJECTS in {__name__})", pytrace=False)
            self.made[argument] = make(self)
            self.db_session.commit()
        return self.made[argument]

    def state(self) -> dict:
        """Every watched row and every row that points at one (the audit trail aside)."""
        from sqlalchemy import select

        from portal.extensions import db

        self.db_session.rollback()  # read what the requests committed
        state = {}
        for table, key in self.watched:
            (pk,) = table.primary_key.columns
            state[table.name, key] = [dict(row) for row in self.db_session.execute(
                select(table).where(pk == key)).mappings()]
            for other in db.metadata.sorted_tables:
                if other.name == "audit_event":
                    continue
                for fk in other.foreign_keys:
                    if fk.column.table is table:
                        rows = self.db_session.execute(select(other).where(fk.parent == key)).mappings()
                        state[table.name, key, other.name, fk.parent.name] = sorted(
                            repr(sorted(dict(row).items())) for row in rows)
        return state


def _submission(wz: Wetzlar) -> str:
    return wz.watch(wz.make_submission().submission).reference


def _document(wz: Wetzlar) -> int:
    """A document of a Wetzlar submission that is filed in a Wetzlar case file."""
    from sqlalchemy import select

    from portal.casefiles.operations import attach_submission
    from portal.models import Document

    submission = wz.make_submission(surname="Yılmaz", given_names="Ayşe", language="tr").submission
    attach_submission(wz.db_session, submission, wz.case_file)
    wz.db_session.commit()
    return wz.watch(wz.db_session.scalars(select(Document).where(Document.submission_id == submission.id)).first()).id


def _case_file(wz: Wetzlar) -> str:
    return wz.watch(wz.case_file).file_number


def _inbound_mail(wz: Wetzlar) -> int:
    """A mail naming a Wetzlar file number (so its submission is Wetzlar's), waiting in
    quarantine, where "process again" and "dismiss" would act on it."""
    from portal.documents.storage import DocumentStorage
    from portal.intake.email.process import take_in
    from portal.models import InboundMail, InboundMailSource
    from tests.support import mail_corpus as corpus

    with wz.app.app_context():
        outcome = take_in(wz.db_session, DocumentStorage(settings_of(wz.app).storage_dir),
                          corpus.with_attachments(subject=f"Aktenzeichen {wz.case_file.file_number}"),
                          source=InboundMailSource.FILE, source_detail="walk.eml", settings=settings_of(wz.app).mail_intake)
    mail = wz.db_session.get(InboundMail, outcome.mail_id)
    assert mail.submission.site.code == "WZ"
    mail.status = "quarantined"
    return wz.watch(mail).id


def _scan_batch(wz: Wetzlar) -> int:
    """A delivery for Wetzlar's files only: a failed row (its path names the person) and an imported one."""
    from portal.models import ScanBatch, ScanBatchRow, ScanBatchStatus, ScanRowStatus

    batch = ScanBatch(batch_id="LDK-2026-0001", status=ScanBatchStatus.IMPORTED, rows_imported=1, rows_failed=1)
    batch_rows = [
        ScanBatchRow(row_number=2, file_number=wz.case_file.file_number, sha256="a" * 64, path="akten/wz/antrag.pdf",
                     status=ScanRowStatus.IMPORTED, case_file_id=wz.case_file.id),
        ScanBatchRow(row_number=3, file_number="WZ-2023-00999", sha256="b" * 64,
                     path="akten/wz-2023-00999/шевченко-пасс.pdf", status=ScanRowStatus.FAILED,
                     reason_code="missing_file", reason="not delivered"),
    ]
    wz.db_session.add(batch)
    wz.db_session.flush()
    for row in batch_rows:
        row.scan_batch_id = batch.id
    wz.db_session.add_all(batch_rows)
    return wz.watch(batch).id


def _staff_member(wz: Wetzlar) -> int:
    """A Wetzlar caseworker with a second factor (what an admin may reset)."""
    from portal.models._types import utcnow
    from tests.support.helpers import STAFF_TOTP_SECRET

    member = wz.make_staff("caseworker", "WZ")
    member.totp_secret, member.totp_enrolled_at = STAFF_TOTP_SECRET, utcnow()
    return wz.watch(member).id


def _content_item(wz: Wetzlar) -> int:
    from portal.content.editing import create_item
    from portal.models._types import utcnow

    return create_item(wz.db_session, kind="page", slug="first-visit", texts={"title": "Ihr erster Besuch"},
                       staff=None, now=utcnow()).id


def _document_request(wz: Wetzlar) -> int:
    """A request for documents recorded as sent by post (no e-mail address on record), on the
    walk's Wetzlar submission (the routes take both): what "print the letter" would change."""
    from datetime import timedelta

    from sqlalchemy import select

    from portal.casework.requests import ask_for_documents
    from portal.domain.office_time import office_today
    from portal.models import Submission
    from portal.models._types import utcnow

    submission = wz.db_session.scalar(select(Submission).where(Submission.reference == wz.value("reference")))
    submission.applicant_email = ""
    today = office_today(utcnow())
    with wz.app.test_request_context():
        made = ask_for_documents(wz.db_session, submission, None, ["attachment"], "Bitte Pass nachreichen",
                                 deadline=today + timedelta(days=14), today=today,
                                 office=settings_of(wz.app).office)
    assert made.request.delivery == "post"
    return wz.watch(made.request).id


# URL argument -> how to make a Wetzlar object for it.
OTHER_SITE_OBJECTS = {
    "reference": _submission,
    "request_id": _document_request,
    "document_id": _document,
    "file_number": _case_file,
    "mail_id": _inbound_mail,
    "scan_batch_id": _scan_batch,
    "staff_id": _staff_member,
}
def _api_client(wz: Wetzlar) -> int:
    """A system using the API (admins only; one limited to Wetzlar)."""
    from portal.clients.accounts import create_client

    return wz.watch(create_client(wz.db_session, "Fachverfahren Wetzlar", ["submissions:read"],
                                  site_code="WZ").client).id


# URL arguments that name nothing of a site: the portal's content is the whole office's; API
# clients are the office's (admins make them for either site).
SITE_FREE_ARGUMENTS = {
    "item_id": _content_item,
    "api_client_id": _api_client,
    "language": lambda wz: "de",
    "code": lambda wz: "general-enquiry",  # an online form: the shipped version 1 of a service
    "number": lambda wz: 1,
    "lang": lambda wz: "en",  # an applicant language to translate a form into
    # A step, a field and a slot of that version, and a step of a version's workflow (the shipped
    # version is published: the editor's pages send back to it, its changes are refused).
    "key": lambda wz: "identity",
    "name": lambda wz: "surname",
    "action": lambda wz: "submit",
}


def _booking(wz: Wetzlar):
    """A booking at Wetzlar today. Bookings travel in forms and links, not in the URL path:
    the walk sends it (and the Wetzlar case file) along with every request, under the names the
    back office's forms use, so a route taking them cannot change them for Dillenburg either."""
    from datetime import datetime, time, timedelta, timezone

    from sqlalchemy import select

    from portal.domain.dates import PartialDate
    from portal.domain.office_time import OFFICE_TZ, office_today
    from portal.models import Booking, BookingStatus, Service, Slot
    from portal.models._types import utcnow

    day = office_today(utcnow())
    service = wz.db_session.scalar(select(Service).where(Service.code == "card-collection"))
    start = datetime.combine(day, time(8, 0), tzinfo=OFFICE_TZ).astimezone(timezone.utc)
    slot = Slot(site_id=wz.sites["WZ"].id, service_id=service.id, starts_at=start,
                ends_at=start + timedelta(minutes=service.appointment_minutes), capacity=2, staff_reserved=0,
                taken=1, public_taken=1)
    booking = Booking(reference="TER-W4LK-0001", token_hash="0" * 32, slot=slot, status=BookingStatus.CONFIRMED,
                      surname="Шевченко", given_names="Олександр", person_key="шевченко",
                      date_of_birth=PartialDate(1987, 3), email="", language="uk", created_at=utcnow())
    wz.db_session.add(booking)
    wz.db_session.commit()
    wz.watch(booking)
    return booking, day


def test_the_walk_refuses_an_argument_it_cannot_make(app, db_session, make_submission, make_staff, case_files,
                                                     sites):
    wz = Wetzlar(app, db_session, make_submission, make_staff, case_files, sites)
    with pytest.raises(pytest.fail.Exception, match="teach the walk how to make a gizmo_id of another site"):
        wz.value("gizmo_id")


def test_every_url_argument_has_an_object_of_another_site(app):
    known = set(OTHER_SITE_OBJECTS) | set(SITE_FREE_ARGUMENTS)
    for rule in _backoffice_rules(app):
        for argument in rule.arguments:
            assert argument in known, (f"{rule.endpoint}: teach the walk how to make a {argument} of another site "
                                       f"(OTHER_SITE_OBJECTS in {__name__})")


@pytest.mark.parametrize("visitor", VISITORS)
def test_walk_all_backoffice_routes(app, client, make_staff, make_submission, db_session, case_files, sites,
                                    visitor):
    from sqlalchemy import select

    from portal.models import AuditEvent

    wz = Wetzlar(app, db_session, make_submission, make_staff, case_files, sites)
    rules = [rule for rule in _backoffice_rules(app) if rule.endpoint != "backoffice.logout"]
    # signing out would end the walk; covered in test_staff_sign_in
    for rule in rules:
        for argument in rule.arguments:
            wz.value(argument)
    booking, day = _booking(wz)
    query = {"site": "WZ", "day": day.isoformat(), "reference": booking.reference}
    form = {"booking_id": booking.id, "booking": booking.id, "site": "WZ", "day": day.isoformat(),
            "action": "no_show", "case_file": wz.case_file.id, "reason": "Prüfung durch die Ausländerbehörde",
            "note": "Rückruf erbeten", "text": "Telefonat mit dem Antragsteller", "message": "Bitte Pass nachreichen",
            "slot": "passport"}

    role = None
    if visitor != "anonymous":
        role, site = VISITOR_AS[visitor]
        assert sign_in(client, make_staff(role, site).email).status_code == 302
    token = csrf_token_from(client.get("/backoffice/login").get_data(as_text=True)) \
        if visitor == "anonymous" else csrf_token_from(client.get("/backoffice/").get_data(as_text=True))
    other_site = visitor == "caseworker_other_site"
    before = wz.state() if other_site else None

    def denied(endpoint: str) -> int:
        db_session.rollback()
        return sum(1 for event in db_session.scalars(select(AuditEvent).where(AuditEvent.action == "denied"))
                   if event.detail.get("endpoint") == endpoint)

    for rule in rules:
        site_bound = bool(set(rule.arguments) & set(OTHER_SITE_OBJECTS))
        url = rule.build({argument: wz.value(argument) for argument in rule.arguments})[1]
        for method in sorted(rule.methods & {"GET", "POST"}):
            denied_before = denied(rule.endpoint) if other_site else 0
            if method == "GET":
                response = client.get(url, query_string=query)
            else:
                response = client.post(url, data={**form, "csrf_token": token})
            allowed = EXPECTED[rule.endpoint]
            where = f"{visitor} {method} {rule.endpoint} {url}"
            if allowed is None:
                assert response.status_code in (200, 302), where
            elif visitor == "anonymous":
                assert response.status_code == 302, where
                assert "/backoffice/login?next=" in response.headers["Location"], where
            elif role not in allowed:
                assert response.status_code == 403, where
            elif other_site and site_bound:
                assert response.status_code == 403, where
                assert denied(rule.endpoint) == denied_before + 1, f"{where}: refusal not in the audit trail"
            elif other_site and response.status_code == 403:
                # A route that takes a Wetzlar booking from its form or link: refused like the others.
                assert denied(rule.endpoint) == denied_before + 1, f"{where}: a 403 that is not a site refusal"
            else:
                checked = method == "POST" and rule.endpoint in CHECKS_ITS_INPUT
                assert response.status_code in ((200, 302, 400) if checked else (200, 302)), where
                assert "/backoffice/login" not in response.headers.get("Location", ""), where
            if other_site:
                assert wz.state() == before, f"{where} changed an object of Wetzlar"
    if other_site:
        refused = {(e.object_type, e.object_id) for e in
                   db_session.scalars(select(AuditEvent).where(AuditEvent.action == "denied"))}
        assert {("case_file", wz.value("file_number")), ("submission", wz.value("reference")),
                ("inbound_mail", str(wz.value("mail_id"))), ("document", str(wz.value("document_id"))),
                ("scan_batch", "LDK-2026-0001"), ("booking", booking.reference)} <= refused


def test_forbidden_page_is_german_and_reveals_nothing(client, make_staff):
    sign_in(client, make_staff("caseworker").email)
    response = client.get("/backoffice/admin/staff")
    body = response.get_data(as_text=True)
    assert response.status_code == 403 and "Zugriff verweigert" in body and "@abh-test.example" not in body


def test_backoffice_responses_are_not_cached(client, make_staff):
    sign_in(client, make_staff("caseworker").email)
    assert client.get("/backoffice/").headers["Cache-Control"] == "no-store"
