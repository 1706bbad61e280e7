"""Caseworkers see web submissions in the queue, with German labels and readable documents."""
import re

from sqlalchemy import select

from portal.models import AuditEvent, Submission
from tests.support import samples
from tests.support.helpers import Applicant, sign_in


def test_a_web_submission_reaches_the_queue_in_german(app, client, sites, make_staff, db_session):
    applicant = Applicant(app.test_client(), "ar")
    applicant.apply("temporary-protection", samples.STEPS["temporary-protection"], samples.FILES["temporary-protection"])
    caseworker = make_staff("caseworker", "WZ")
    sign_in(client, caseworker.email)

    queue = client.get("/backoffice/queue").get_data(as_text=True)
    assert "Aufenthaltserlaubnis zum vorübergehenden Schutz" in queue and "Шевченко" in queue
    reference = db_session.scalar(select(Submission.reference))
    page = client.get(f"/backoffice/submissions/{reference}").get_data(as_text=True)
    # German labels whatever language the applicant used; the values as entered.
    for label in ("Familienname", "Vornamen", "Geburtsdatum", "Staatsangehörigkeit", "Datum der Einreise nach Deutschland"):
        assert label in page, label
    assert "00.03.1987" in page and "Ukraine" in page and "15.03.2022" in page
    assert "(Shevchenko)" in page and "(Oleksandr)" in page, "a Latin transliteration beside Cyrillic names"

    frames = re.findall(r'(?:src)="(/backoffice/documents/\d+)"', page)
    assert len(frames) == 4, "passport PDF, HEIC photo as its PDF, JPEG certificate, PNG birth certificate"
    for url in frames:
        response = client.get(url)
        assert response.status_code == 200
        assert response.mimetype in ("application/pdf", "image/jpeg", "image/png")
        assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    actions = [e.action for e in db_session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert actions.count("view") == 1 and actions.count("view_document") == 4


def test_queue_pages_oldest_first(app, client, sites, make_staff, make_submission, monkeypatch):
    from portal.backoffice import queue as queue_module

    monkeypatch.setattr(queue_module, "PAGE_SIZE", 2)
    references = [make_submission(surname=f"Test{i}").submission.reference for i in range(5)]
    sign_in(client, make_staff().email)
    seen, url = [], "/backoffice/queue"
    while url:
        body = client.get(url).get_data(as_text=True)
        seen += re.findall(r">(ABH-\d{4}-\d{6}-\d)<", body)
        match = re.search(r'href="(/backoffice/queue\?after=[^"]+)"', body)
        url = match.group(1).replace("&amp;", "&") if match else None
    assert seen == references
