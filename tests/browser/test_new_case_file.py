"""A caseworker opens a new case file in Chromium: the button leads to a confirmation page with
the person as the submission has it (Arabic script with its Latin form beside), the proposed
passport spelling to correct and the other usual spellings; nothing is opened before the
caseworker confirms, and the file then holds the passport's spelling and the original script."""
from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlalchemy import select

from portal.models import CaseFile
from tests.support.helpers import STAFF_PASSWORD


def test_open_a_new_case_file_with_the_passport_spelling(page, app, db_session, make_staff, make_submission):
    submission = make_submission(surname="الحسن", given_names="محمد علي", language="ar").submission
    caseworker = make_staff("caseworker", "WZ")

    page.goto("/backoffice/login")
    page.get_by_label("E-Mail-Adresse").fill(caseworker.email)
    page.get_by_label("Passwort").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    expect(page.locator("h1")).to_have_text("Übersicht")

    page.goto(f"/backoffice/submissions/{submission.reference}")
    # Beside the name in Arabic script, the spelling a passport would most likely carry.
    expect(page.locator(".submission-fields")).to_contain_text("(Mohammad Ali)")
    page.get_by_role("link", name="Neue Akte anlegen").click()

    expect(page).to_have_url(re.compile(rf"/backoffice/submissions/{submission.reference}/new-case-file$"))
    expect(page.locator("h1")).to_have_text("Neue Akte anlegen")
    person = page.locator(".new-case-file-person")
    expect(person).to_contain_text("الحسن")
    expect(person).to_contain_text("(Al-Hassan)")
    expect(person).to_contain_text("00.03.1987")
    surname = page.get_by_label("Familienname wie im Pass")
    given = page.get_by_label("Vornamen wie im Pass")
    expect(surname).to_have_value("Al-Hassan")
    expect(given).to_have_value("Mohammad Ali")
    expect(page.locator(".other-spellings")).to_contain_text("Al-Hasan, Mohammad Ali")
    assert db_session.scalar(select(CaseFile.id)) is None  # nothing opened by looking

    # The passport writes it differently: corrected letter by letter, then confirmed.
    surname.fill("ALHASAN")
    given.fill("MOHAMAD ALI")
    page.get_by_label("Familienname", exact=True).fill("Al Hassan")
    page.get_by_role("button", name="Akte anlegen").click()

    expect(page).to_have_url(re.compile(r"/backoffice/casefiles/WZ-\d{4}-00001$"))
    expect(page.locator(".kern-alert--success")).to_contain_text("Neue Akte WZ-")
    expect(page.locator(".casefile-person")).to_contain_text("(ALHASAN)")
    spellings = page.locator(".casefile-aliases")
    expect(spellings.locator(".casefile-alias--passport")).to_contain_text("ALHASAN")
    expect(spellings.locator(".casefile-alias--passport")).to_contain_text("Reisepass")
    expect(spellings.locator(".casefile-alias--earlier_passport")).to_contain_text("Al Hassan")
    expect(spellings.locator(".casefile-alias--script_original")).to_contain_text("الحسن")
    db_session.expire_all()
    case_file = db_session.scalars(select(CaseFile)).one()
    assert case_file.surname == "الحسن" and submission.case_file_id == case_file.id
