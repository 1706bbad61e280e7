"""The case file in the back office: person data, timeline by the documents' own dates, notes,
linked submissions and bookings, search, the PDF export; every view in the audit trail."""
from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from portal.models import AuditEvent, Booking, BookingStatus, CaseFile, CaseFileNote, Document, Service, Slot
from tests.support import samples
from tests.support.case_files import FILE, add_document, file_id, utc
from tests.support.helpers import csrf_token_from, sign_in, staff_in_english



@pytest.fixture
def timeline_documents(app, db_session, case_files):
    """Four documents whose arrival order differs from their own dates, over three years."""
    cid = file_id(db_session)
    old_scan = add_document(app, db_session, cid, content=samples.pdf_bytes(2, "Alte Akte 2021"),
                            title="Aktenauszug Stadt Gießen", document_date=date(2021, 11, 3),
                            received_at=utc(2024, 5, 2), source="scan", page_count=2)
    web = add_document(app, db_session, cid, content=samples.pdf_bytes(1, "Antrag"), title="Antrag.pdf",
                       document_date=date(2023, 2, 10), received_at=utc(2023, 2, 12), source="web", page_count=1)
    mail = add_document(app, db_session, cid, content=samples.pdf_bytes(3, "Mail"), title="Bescheinigung.pdf",
                        document_date=date(2023, 7, 1), received_at=utc(2023, 1, 5), source="email", page_count=3)
    undated = add_document(app, db_session, cid, content=samples.pdf_bytes(1, "Vermerk"), title="Vermerk.pdf",
                           document_date=None, received_at=utc(2022, 6, 15), source="staff", page_count=1)
    return {"old_scan": old_scan, "web": web, "mail": mail, "undated": undated}


def test_viewing_a_case_file_writes_an_audit_entry(client, make_staff, case_files, db_session):
    caseworker = staff_in_english(make_staff, db_session, "caseworker", "WZ")
    client.environ_base["REMOTE_ADDR"] = "10.20.30.40"
    sign_in(client, caseworker.email)
    response = client.get(f"/backoffice/casefiles/{FILE}")
    assert response.status_code == 200
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "view"))
    assert (event.staff_user_id, event.object_type, event.object_id, event.client_address) == \
        (caseworker.id, "case_file", FILE, "10.20.30.40")
    assert event.at is not None


def test_unknown_file_is_404_and_not_audited(client, make_staff, case_files, db_session):
    sign_in(client, staff_in_english(make_staff, db_session).email)
    assert client.get("/backoffice/casefiles/WZ-1999-99999").status_code == 404
    assert db_session.scalar(select(AuditEvent).where(AuditEvent.action == "view")) is None


def test_person_data_with_transliteration_and_aliases(client, make_staff, case_files, db_session):
    sign_in(client, staff_in_english(make_staff, db_session).email)
    page = client.get(f"/backoffice/casefiles/{FILE}").get_data(as_text=True)
    assert "Шевченко" in page and "Олександр" in page
    assert "00.03.1987" in page and "Charkiw" in page and "Ukraine" in page and "Wetzlar" in page
    assert "Shevchenko" in page  # the known spelling
    # The Latin transliteration stands beside the Cyrillic name.
    assert re.search(r"Олександр</bdi> <span[^>]*transliteration[^>]*>\(Oleksandr\)", page)
    assert "Standard" in page  # the retention rule


def test_without_the_transliteration_module_the_page_still_shows(client, make_staff, case_files, db_session,
                                                                 monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "portal.matching.names", None)  # import fails
    sign_in(client, staff_in_english(make_staff, db_session).email)
    response = client.get(f"/backoffice/casefiles/{FILE}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Олександр" in page and "transliteration" not in page


def test_timeline_by_document_date_grouped_by_year_with_sources(client, make_staff, timeline_documents, db_session):
    docs = timeline_documents
    sign_in(client, staff_in_english(make_staff, db_session).email)
    page = client.get(f"/backoffice/casefiles/{FILE}").get_data(as_text=True)
    # Newest year first, and within a year the latest first, by the documents' own dates.
    years = re.findall(r'<h3 class="kern-heading-medium" id="year-(\d{4})">', page)
    assert years == ["2023", "2022", "2021"]
    order = [int(i) for i in re.findall(r'id="document-(\d+)"', page)]
    assert order == [docs["mail"].id, docs["web"].id, docs["undated"].id, docs["old_scan"].id]
    section_2023 = page[page.index('id="year-2023"'):page.index('id="year-2022"')]
    assert "Bescheinigung.pdf" in section_2023 and "Antrag.pdf" in section_2023
    for document, label in ((docs["mail"], "E-mail"), (docs["web"], "Online form"),
                            (docs["old_scan"], "Scanned paper file"), (docs["undated"], "Entered by staff")):
        entry = re.search(rf'id="document-{document.id}" data-source="([a-z]+)">(.*?)</li>', page, re.S)
        assert entry.group(1) == document.source
        assert label.lower() in entry.group(2).lower(), (label, entry.group(2))
        assert f'href="/backoffice/documents/{document.id}"' in entry.group(2)


def test_timeline_domain_order_is_chronological(app, db_session, timeline_documents):
    from portal.casefiles.timeline import by_year, timeline

    docs = timeline_documents
    with app.app_context():
        from portal.extensions import db

        case_file = db.session.get(CaseFile, file_id(db_session))
        entries = timeline(db.session, case_file)
        assert [e.id for e in entries] == [docs["old_scan"].id, docs["undated"].id, docs["web"].id, docs["mail"].id]
        # The undated one stands at the day it arrived (office time).
        assert entries[1].day == date(2022, 6, 15) and not entries[1].dated_by_document
        oldest_first = by_year(entries, newest_first=False)
        assert [year for year, _ in oldest_first] == [2021, 2022, 2023]
        assert [e.id for e in oldest_first[2][1]] == [docs["web"].id, docs["mail"].id]


def test_an_image_shows_once_as_its_pdf_with_the_original_linked(app, client, make_staff, case_files, db_session):
    cid = file_id(db_session)
    photo = add_document(app, db_session, cid, content=samples.jpeg_bytes(with_gps=False), media_type="image/jpeg",
                         title="Pass.jpg", document_date=date(2024, 3, 1), source="web")
    pdf = add_document(app, db_session, cid, content=samples.pdf_bytes(1, "Pass"), title="Pass.jpg",
                       document_date=date(2024, 3, 1), source="web", derived_from=photo, page_count=1)
    sign_in(client, staff_in_english(make_staff, db_session).email)
    page = client.get(f"/backoffice/casefiles/{FILE}").get_data(as_text=True)
    assert re.findall(r'id="document-(\d+)"', page) == [str(pdf.id)]
    entry = page[page.index(f'id="document-{pdf.id}"'):]
    entry = entry[:entry.index("</li>")]
    assert f'href="/backoffice/documents/{pdf.id}"' in entry and f'href="/backoffice/documents/{photo.id}"' in entry
    assert "Original" in entry
    # The link shows the document inline and is audited as a view of a document.
    response = client.get(f"/backoffice/documents/{pdf.id}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "attachment" not in response.headers.get("Content-Disposition", "")


def test_a_note_is_added_shown_and_audited(client, make_staff, case_files, db_session):
    caseworker = staff_in_english(make_staff, db_session)
    sign_in(client, caseworker.email)
    page = client.get(f"/backoffice/casefiles/{FILE}").get_data(as_text=True)
    token = csrf_token_from(page)
    text = "Rückruf am 3.3.: Pass liegt vor.\nTermin zur Abholung vereinbart. Олександр"
    response = client.post(f"/backoffice/casefiles/{FILE}/notes", data={"csrf_token": token, "text": text})
    assert response.status_code == 302
    note = db_session.scalar(select(CaseFileNote))
    assert note.text == text and note.staff_user_id == caseworker.id
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Rückruf am 3.3.: Pass liegt vor.<br>Termin zur Abholung vereinbart. Олександр" in page
    assert f'id="note-{note.id}"' in page and caseworker.full_name in page
    change = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "change"))
    assert (change.object_type, change.object_id, change.staff_user_id) == ("case_file", FILE, caseworker.id)
    assert change.detail == {"note_id": note.id, "length": len(text)}
    assert text not in str(change.detail)  # the trail does not copy the note


def test_notes_without_token_empty_or_too_long_are_refused(client, make_staff, case_files, db_session):
    sign_in(client, staff_in_english(make_staff, db_session).email)
    token = csrf_token_from(client.get(f"/backoffice/casefiles/{FILE}").get_data(as_text=True))
    url = f"/backoffice/casefiles/{FILE}/notes"
    assert client.post(url, data={"text": "ohne Token"}).status_code in (302, 400)
    empty = client.post(url, data={"csrf_token": token, "text": "   "}, follow_redirects=True)
    assert empty.status_code == 200 and "Enter the note." in empty.get_data(as_text=True)
    long = client.post(url, data={"csrf_token": token, "text": "x" * 5001})
    assert long.status_code == 302
    assert client.post(url, data={"csrf_token": token, "text": "x" * 5000}).status_code == 302
    lengths = [len(n.text) for n in db_session.scalars(select(CaseFileNote))]
    assert lengths == [5000]


def test_linked_submission_its_status_documents_and_booking(app, client, make_staff, case_files, make_submission,
                                                          db_session):
    submission = make_submission().submission
    submission = db_session.merge(submission)
    submission.case_file_id = file_id(db_session)
    service = db_session.scalar(select(Service).where(Service.id == submission.service_id))
    starts = utc(2026, 3, 2, 9)
    slot = Slot(site_id=submission.site_id, service_id=service.id, starts_at=starts,
                ends_at=starts + timedelta(minutes=20), capacity=2, taken=1, public_taken=1)
    db_session.add(slot)
    db_session.flush()
    db_session.add(Booking(reference="TER-CASE-FILE", token_hash="0" * 64, slot_id=slot.id,
                           status=BookingStatus.CONFIRMED, surname="Шевченко", given_names="Олександр",
                           submission_id=submission.id))
    db_session.commit()
    sign_in(client, staff_in_english(make_staff, db_session).email)
    page = client.get(f"/backoffice/casefiles/{FILE}").get_data(as_text=True)
    assert f'href="/backoffice/submissions/{submission.reference}"' in page
    assert "TER-CASE-FILE" in page and "Mar 2, 2026, 10:00" in page  # office time
    assert "Confirmed" in page
    # The submission's status change and its document (not re-filed) are in the timeline.
    assert re.search(r'id="status-\d+" data-source="web"', page)
    document = db_session.scalar(select(Document).where(Document.submission_id == submission.id))
    assert f'id="document-{document.id}"' in page


def test_search_by_file_number_and_surname(client, make_staff, case_files, db_session):
    sign_in(client, staff_in_english(make_staff, db_session).email)
    exact = client.get("/backoffice/casefiles?q=wz-2022-00017")
    assert exact.status_code == 302 and exact.headers["Location"].endswith(f"/backoffice/casefiles/{FILE}")
    prefix = client.get("/backoffice/casefiles?q=WZ-20").get_data(as_text=True)
    assert FILE in prefix and "WZ-2011-00412" in prefix and "DIL-2016-00321" not in prefix
    # (SQLite folds the case of ASCII letters only; PostgreSQL's ILIKE of every script.)
    by_name = client.get("/backoffice/casefiles?q=Шев").get_data(as_text=True)
    assert FILE in by_name and "WZ-2011-00412" not in by_name
    # Another site's file is only counted, not listed (portal.casework.access).
    other_site = client.get("/backoffice/casefiles?q=al-h").get_data(as_text=True)
    assert "DIL-2016-00321" not in other_site and 'id="other-site-matches"' in other_site
    # By the Latin search key of a name in another script (kept by portal.matching).
    from portal.models import CaseFileNameKey

    db_session.add(CaseFileNameKey(case_file_id=file_id(db_session), kind="surname", key="shevchenko"))
    db_session.commit()
    assert FILE in client.get("/backoffice/casefiles?q=Shev").get_data(as_text=True)
    # Wildcards are taken literally.
    assert "WZ-20" not in client.get("/backoffice/casefiles?q=%25").get_data(as_text=True).split("</h2>")[-1]
    assert client.get("/backoffice/casefiles").status_code == 200


def test_export_pdf_has_cover_contents_and_every_document_in_order(app, client, make_staff, timeline_documents,
                                                                   db_session):
    cid = file_id(db_session)
    add_document(app, db_session, cid, content=b"%PDF-gone", title="Verschollen.pdf",
                 document_date=date(2022, 1, 1), store=False)
    db_session.add(CaseFileNote(case_file_id=cid, text="Akte vollständig übernommen."))
    db_session.commit()
    caseworker = staff_in_english(make_staff, db_session)
    sign_in(client, caseworker.email)
    response = client.get(f"/backoffice/casefiles/{FILE}/export.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"] and FILE in response.headers["Content-Disposition"]
    reader = PdfReader(io.BytesIO(response.get_data()))
    pages = [page.extract_text() for page in reader.pages]
    body = 2 + 1 + 1 + 3  # old scan, undated, web, mail: oldest first
    front = len(pages) - body
    assert front >= 2  # cover sheet, contents (and notes)
    assert "Шевченко" in pages[0] and FILE in pages[0] and caseworker.full_name in pages[0]
    assert "00.03.1987" in pages[0] and "Ukraine" in pages[0]
    contents = "\n".join(pages[1:front])
    assert "Contents" in contents and "Verschollen.pdf" in contents and "missing from storage" in contents
    assert "Akte vollständig übernommen." in contents
    texts = [re.sub(r"\s+", " ", page) for page in pages[front:]]
    assert "Alte Akte 2021 – 1" in texts[0] and "Alte Akte 2021 – 2" in texts[1]
    assert "Vermerk – 1" in texts[2] and "Antrag – 1" in texts[3] and "Mail – 1" in texts[4]
    # The contents give the page each document starts on.
    assert re.search(rf"Aktenauszug Stadt Gießen.*?{front + 1}", contents, re.S)
    assert re.search(rf"Bescheinigung\.pdf.*?{front + 5}", contents, re.S)
    # Every page carries its number.
    for number, text in enumerate(texts, start=front + 1):
        assert f"{FILE} · Page {number} of {len(pages)}" in text, number
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "download"))
    assert (event.object_type, event.object_id, event.staff_user_id) == ("case_file", FILE, caseworker.id)
    assert event.detail["skipped"] == 1 and event.detail["pages"] == len(pages)


def test_a_long_timeline_is_shown_a_page_at_a_time_newest_first(app, client, make_staff, case_files, db_session,
                                                                 monkeypatch):
    from portal.casefiles import timeline

    monkeypatch.setattr(timeline, "PAGE_SIZE", 3)
    cid = file_id(db_session)
    documents = [add_document(app, db_session, cid, content=samples.pdf_bytes(1, f"Blatt {n}"), title=f"Blatt {n}",
                              document_date=date(2020, 1, 1) + timedelta(days=n), store=False) for n in range(7)]
    sign_in(client, staff_in_english(make_staff, db_session).email)
    shown, url = [], f"/backoffice/casefiles/{FILE}"
    while url:
        page = client.get(url).get_data(as_text=True)
        ids = [int(i) for i in re.findall(r'id="document-(\d+)"', page)]
        assert len(ids) <= 3
        shown += ids
        older = re.search(r'href="([^"]+)" rel="next"', page)
        url = older.group(1).replace("&amp;", "&") if older else None
    assert shown == [d.id for d in reversed(documents)]  # every entry once, the latest first
    assert "3 of 7 entries shown." in client.get(f"/backoffice/casefiles/{FILE}").get_data(as_text=True)
