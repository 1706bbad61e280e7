"""A caseworker rejects, closes or asks for documents; the applicant sees it on the status page
and gets the request by mail in their language."""
import re

from babel.dates import format_date
from sqlalchemy import select

from portal.casework.requests import default_deadline, token_hash
from portal.config import settings_of
from portal.domain.office_time import local_date
from portal.models import AuditEvent, DocumentRequest, OutboundMail, Submission
from portal.models._types import utcnow
from tests.support import samples
from tests.support.helpers import Applicant, csrf_token_from, sign_in


def _web_submission(app, lang="uk"):
    applicant = app.test_client()
    Applicant(applicant, lang).apply("temporary-protection", samples.STEPS["temporary-protection"],
                                     samples.FILES["temporary-protection"])
    return applicant


def _page(client, reference):
    return client.get(f"/backoffice/submissions/{reference}").get_data(as_text=True)


def test_asking_for_documents_mails_the_applicant_in_their_language(app, client, sites, make_staff, db_session):
    applicant = _web_submission(app, "uk")
    submission = db_session.scalars(select(Submission)).one()
    sign_in(client, make_staff().email)
    token = csrf_token_from(_page(client, submission.reference))
    response = client.post(f"/backoffice/submissions/{submission.reference}/request-documents",
                           data={"csrf_token": token, "slot": ["photo", "registration"],
                                 "message": "Das Foto ist zu dunkel."})
    assert response.status_code == 302
    db_session.expire_all()
    assert submission.status == "awaiting_documents"
    assert submission.history[-1].note == "Das Foto ist zu dunkel."
    mail = db_session.scalars(select(OutboundMail).order_by(OutboundMail.id.desc())).first()
    assert mail.language == "uk" and submission.reference in mail.subject
    assert "Біометричне" in mail.body_text or "біометричне" in mail.body_text.lower()
    # The answer link (its token's hash is what the request keeps) and the default deadline.
    request = db_session.scalars(select(DocumentRequest)).one()
    link = re.search(r"https?://\S+/uk/answer/([A-Za-z0-9_-]+)", mail.body_text)
    assert link and token_hash(link.group(1)) == request.token_hash
    assert request.deadline == default_deadline(local_date(utcnow()), settings_of(app).requests)
    assert format_date(request.deadline, "long", locale="uk") in mail.body_text
    status = applicant.get(f"/uk/status/{submission.reference}").get_data(as_text=True)
    assert "Das Foto ist zu dunkel." in status
    assert "request_documents" in {e.action for e in db_session.scalars(select(AuditEvent))}


def test_reject_needs_a_reason_and_close_ends_the_work(app, client, sites, make_staff, db_session):
    _web_submission(app, "de")
    submission = db_session.scalars(select(Submission)).one()
    sign_in(client, make_staff().email)
    url = f"/backoffice/submissions/{submission.reference}"
    client.post(url + "/reject", data={"csrf_token": csrf_token_from(_page(client, submission.reference)),
                                       "reason": "  "})
    db_session.expire_all()
    assert submission.status == "received"
    client.post(url + "/reject", data={"csrf_token": csrf_token_from(_page(client, submission.reference)),
                                       "reason": "Kein Aufenthalt im Kreisgebiet."})
    db_session.expire_all()
    assert submission.status == "rejected" and submission.history[-1].note == "Kein Aufenthalt im Kreisgebiet."
    client.post(url + "/close", data={"csrf_token": csrf_token_from(_page(client, submission.reference))})
    db_session.expire_all()
    assert submission.status == "rejected", "a finished submission stays as it is"
    assert [h.status for h in submission.history] == ["received", "rejected"]
