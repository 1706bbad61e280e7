"""Small things staff met: the audit trail names events in words, the applicant's language is
shown by its name, and a team lead's overview lists the content waiting for review."""
from __future__ import annotations

import re

from sqlalchemy import select

from portal.models import AuditEvent, Booking
from tests.support import booking_journey, mail_corpus
from tests.support.helpers import sign_in


def test_the_audit_trail_shows_events_in_words(app, client, db_session, make_staff):
    dpo = make_staff("dpo", "WZ")
    db_session.add(AuditEvent(action="login_failed", object_type="staff_user", client_address="10.1.0.9",
                              detail={"email": "x@abh-test.example"}))
    db_session.commit()
    sign_in(client, dpo.email)
    body = client.get("/backoffice/audit?action=login_failed").get_data(as_text=True)
    rows = re.findall(r'<tr id="audit-\d+">(.*?)</tr>', body, re.S)
    assert len(rows) == 1
    assert '<td data-action="login_failed">Anmeldung fehlgeschlagen</td>' in rows[0]
    assert '<td data-object-type="staff_user">Mitarbeiterkonto</td>' in rows[0]
    assert '<option value="login_failed" selected>Anmeldung fehlgeschlagen</option>' in body
    csv_text = client.get("/backoffice/audit.csv?action=login_failed").get_data(as_text=True)
    header, row = (line.split(";") for line in csv_text.lstrip("\ufeff").splitlines()[:2])
    assert header[3] == "Aktion" and row[3] == "login_failed"  # the code stays, for filters and scripts
    assert row[header.index("Aktion in Worten")] == "Anmeldung fehlgeschlagen"


def test_the_applicants_language_is_shown_by_name(app, client, db_session, make_staff, make_submission, take,
                                                  bookable):
    caseworker = make_staff("caseworker", "WZ")
    submission = make_submission(language="uk").submission
    mail = take(mail_corpus.plain(message_id="<lang@example.org>"))
    booking_journey.book(client, db_session, bookable)  # in Turkish
    booking = db_session.scalars(select(Booking)).one()
    staff = app.test_client()
    sign_in(staff, caseworker.email)
    page = staff.get(f"/backoffice/submissions/{submission.reference}").get_data(as_text=True)
    assert re.search(r'id="submission-language" data-language="uk">Ukrainisch<', page)
    page = staff.get(f"/backoffice/mail/{mail.id}").get_data(as_text=True)
    assert re.search(rf'id="mail-language" data-language="{mail.language}">{_german(mail.language)}<', page)
    page = staff.get(f"/backoffice/appointments/booking?reference={booking.reference}").get_data(as_text=True)
    assert re.search(r'id="booking-language" data-language="tr">Türkisch<', page)


def _german(code: str) -> str:
    from babel import Locale

    return Locale("de").languages[code]


def test_a_team_lead_sees_content_waiting_for_review(app, client, db_session, make_staff):
    from portal.content.editing import apply_transition, create_item, save_version
    from portal.models import ContentItem
    from portal.models._types import utcnow

    editor, lead = make_staff("editor", "WZ"), make_staff("team_lead", "WZ")
    item = create_item(db_session, kind="page", slug="gebuehren", staff=editor, now=utcnow(),
                       texts={"title": "Gebühren", "body": "Die Gebühren."})
    db_session.flush()
    save_version(db_session, item, "uk", {"title": "Збори", "body": "Збори."}, staff=editor, now=utcnow())
    db_session.flush()
    apply_transition(db_session, item.translation("uk"), "submit", staff=editor, now=utcnow())
    db_session.commit()
    sign_in(client, lead.email)
    body = client.get("/backoffice/").get_data(as_text=True)
    table = re.search(r'<table class="data-table" id="content-review".*?</table>', body, re.S).group(0)
    assert f'href="/backoffice/content/{item.id}/uk"' in table and "Збори" in table and "Ukrainisch" in table
    assert editor.full_name in table
    assert "Gebühren" not in table, "the German text was not submitted"
    # Published, it is no longer waiting; an editor's own overview has no such list.
    apply_transition(db_session, db_session.get(ContentItem, item.id).translation("uk"), "publish", staff=lead,
                     now=utcnow())
    db_session.commit()
    assert 'id="content-review-empty"' in client.get("/backoffice/").get_data(as_text=True)
    other = app.test_client()
    sign_in(other, editor.email)
    assert "content-review" not in other.get("/backoffice/").get_data(as_text=True)
