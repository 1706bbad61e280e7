"""The office makes a new online service through the web: an editor builds it with two steps, a
condition and a document slot and translates it (Arabic by hand), a team lead publishes it, an
applicant fills it in Arabic on a 320 px screen, and a caseworker reads it in the queue with German
labels. Then the editor rewords a label, the team lead publishes version 2, and a draft started on
version 1 still submits against version 1."""
from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlalchemy import select

from tests.support import samples
from tests.support.helpers import STAFF_PASSWORD

CODE = "status-certificate"
NAME = "Bescheinigung über den Aufenthaltsstatus"
ARABIC = {
    "Bescheinigung über den Aufenthaltsstatus": "شهادة وضع الإقامة",
    "Familie": "الأسرة",
    "Familienstand": "الحالة الاجتماعية",
    "ledig": "أعزب",
    "verheiratet": "متزوج",
    "Name des Ehepartners": "اسم الزوج أو الزوجة",
    "Heiratsurkunde": "عقد الزواج",
}


def _sign_in(page, email):
    page.goto("/backoffice/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(STAFF_PASSWORD)
    page.locator("form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/backoffice/$"))


def _sign_out(page):
    page.locator("form[action$='/backoffice/logout'] button").click()
    expect(page).to_have_url(re.compile(r"/backoffice/login"))


def _version_page(page, number):
    page.goto(f"/backoffice/forms/{CODE}/{number}")
    expect(page.locator("#version-state")).to_be_visible()


def _translate(page, number, lang, texts):
    """Every text of the version that has no translation yet: from `texts`, else a marked copy."""
    page.goto(f"/backoffice/forms/{CODE}/{number}/translate/{lang}")
    rows = page.locator("#texts tr[data-path]")
    for index in range(rows.count()):
        row = rows.nth(index)
        area = row.locator("textarea")
        if area.count() == 0 or area.input_value().strip():
            continue
        german = row.locator("td").first.inner_text().strip()
        area.fill(texts.get(german, f"[{lang}] {german}"))
    page.locator("#save-button").click()
    expect(page.locator(".kern-alert--success, .flash-success, [role=status]").first).to_be_visible()


def _build(page):
    page.locator(".staff-nav a[href$='/backoffice/forms/']").click()
    page.goto("/backoffice/forms/new")
    page.locator("#f-code").fill(CODE)
    page.locator("#f-name_de").fill(NAME)
    page.locator("#create-form").click()
    expect(page).to_have_url(re.compile(rf"/backoffice/forms/{CODE}/1$"))

    page.locator("#add-step").click()
    page.locator("#f-key").fill("family")
    page.locator("#f-title").fill("Familie")
    page.locator("#save").click()
    expect(page.locator("#step-family")).to_be_visible()

    page.locator("#add-field-family").click()
    page.locator("#f-name").fill("marital_status")
    page.locator("#f-type").select_option("choice")
    page.locator("#f-label").fill("Familienstand")
    page.locator("#f-choices").fill("single = ledig\nmarried = verheiratet")
    page.locator("#save").click()
    expect(page.locator("#field-marital_status")).to_be_visible()

    page.locator("#add-field-family").click()
    page.locator("#f-name").fill("spouse_name")
    page.locator("#f-type").select_option("text")
    page.locator("#f-label").fill("Name des Ehepartners")
    page.locator("#f-cond-0-field").select_option("marital_status")
    page.locator("#f-cond-0-operator").select_option("equals")
    page.locator("#f-cond-0-value").fill("married")
    page.locator("#save").click()
    expect(page.locator("#field-spouse_name")).to_contain_text("verheiratet")  # the condition in words

    page.locator("#add-slot").click()
    page.locator("#f-key").fill("marriage_certificate")
    page.locator("#f-label").fill("Heiratsurkunde")
    page.locator("#f-cond-0-field").select_option("marital_status")
    page.locator("#f-cond-0-operator").select_option("equals")
    page.locator("#f-cond-0-value").fill("married")
    page.locator("#save").click()
    expect(page.locator("#slot-marriage_certificate")).to_be_visible()
    # Not translated yet: the check says so and the version cannot be published.
    expect(page.locator("#problem-list")).to_be_visible()


def _apply_first_step(applicant):
    applicant.goto(f"/ar/services/{CODE}/")
    applicant.locator("form[action$='/start'] button").click()
    expect(applicant).to_have_url(re.compile(rf"/ar/apply/{CODE}/person$"))
    applicant.locator("#f-surname").fill("الحسن")
    applicant.locator("#f-given_names").fill("محمد")
    applicant.locator("#f-date_of_birth-year").fill("1990")
    applicant.locator("#f-email").fill("m.alhassan@example.org")
    applicant.locator("button[name=action][value=continue]").click()
    expect(applicant).to_have_url(re.compile(rf"/ar/apply/{CODE}/family$"))


def _finish(applicant, tmp_path, *, married: bool):
    spouse = applicant.locator("#f-spouse_name")
    if married:
        expect(spouse).to_be_hidden()  # shown only once "married" is chosen
        applicant.locator("input[name=marital_status][value=married]").check()
        expect(spouse).to_be_visible()
        spouse.fill("فاطمة الحسن")
    else:
        applicant.locator("input[name=marital_status][value=single]").check()
    applicant.locator("button[name=action][value=continue]").click()
    expect(applicant).to_have_url(re.compile(r"/documents(#.*)?$"))
    if married:
        certificate = tmp_path / "عقد-الزواج.pdf"
        certificate.write_bytes(samples.pdf_bytes())
        applicant.locator("#f-file-marriage_certificate").set_input_files(str(certificate))
        applicant.locator("button[name=action][value=upload]").click()
        expect(applicant.locator(".uploaded-files")).to_have_count(1)
    else:
        expect(applicant.locator("#f-file-marriage_certificate")).to_have_count(0)
    applicant.locator("button[name=action][value=continue]").click()
    expect(applicant).to_have_url(re.compile(r"/review(#.*)?$"))
    applicant.locator("button[name=action][value=continue]").click()
    applicant.locator("#f-declaration").check()
    applicant.locator("form[action$='/submit'] button[type=submit]").click()
    expect(applicant).to_have_url(re.compile(rf"/ar/apply/{CODE}/done(#.*)?$"))
    return applicant.locator(".reference").inner_text()


def test_the_office_makes_a_service_in_the_browser(page, browser, live_server, sites, make_staff, db_session,
                                                    tmp_path):
    from portal.models import Submission

    editor, lead = make_staff("editor", "WZ"), make_staff("team_lead", "WZ")
    _sign_in(page, editor.email)
    _build(page)
    _translate(page, 1, "ar", ARABIC)
    for lang in ("en", "uk", "ru", "tr", "fa"):
        _translate(page, 1, lang, {})
    page.goto(f"/backoffice/forms/{CODE}/1/preview/ar")
    expect(page.locator("#preview[lang=ar][dir=rtl]")).to_contain_text("الحالة الاجتماعية")
    _version_page(page, 1)
    expect(page.locator("#no-problems")).to_be_visible()
    page.locator("#action-submit").click()
    expect(page.locator("#version-state")).to_have_attribute("data-state", "pending")
    expect(page.locator("#action-publish")).to_have_count(0)  # editors do not publish
    _sign_out(page)

    _sign_in(page, lead.email)
    _version_page(page, 1)
    page.locator("#action-publish").click()
    expect(page.locator("#version-state")).to_have_attribute("data-state", "published")
    _sign_out(page)

    # An applicant in Arabic on a 320 px screen, married: the spouse's name and the certificate asked.
    narrow = browser.new_context(base_url=live_server, viewport={"width": 320, "height": 800})
    applicant = narrow.new_page()
    _apply_first_step(applicant)
    expect(applicant.locator("html")).to_have_attribute("dir", "rtl")
    expect(applicant.locator("legend", has_text="الحالة الاجتماعية")).to_be_visible()
    wide = applicant.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth")
    assert not wide
    reference = _finish(applicant, tmp_path, married=True)

    # A second applicant starts on version 1 and stops after the first step.
    later = browser.new_context(base_url=live_server).new_page()
    _apply_first_step(later)

    # The caseworker reads it with the German labels.
    made = db_session.scalar(select(Submission).where(Submission.reference == reference))
    assert made.form_version == 1 and made.field_values["spouse_name"] == "فاطمة الحسن"
    caseworker = make_staff("caseworker", made.site.code if made.site else "WZ")
    _sign_in(page, caseworker.email)
    page.goto("/backoffice/queue")
    expect(page.locator("main")).to_contain_text(reference)
    page.goto(f"/backoffice/submissions/{reference}")
    expect(page.locator("main")).to_contain_text("Familienstand")
    expect(page.locator("main")).to_contain_text("Name des Ehepartners")
    expect(page.locator("main")).to_contain_text("verheiratet")
    _sign_out(page)

    # Version 2: a reworded label, published by the team lead.
    _sign_in(page, editor.email)
    _version_page(page, 1)
    page.locator("#new-version").click()
    expect(page).to_have_url(re.compile(rf"/backoffice/forms/{CODE}/2$"))
    page.locator("#edit-field-spouse_name").click()
    page.locator("#f-label").fill("Vor- und Nachname des Ehepartners")
    page.locator("#save").click()
    expect(page.locator("#field-spouse_name")).to_contain_text("Vor- und Nachname des Ehepartners")
    page.locator("#action-submit").click()
    _sign_out(page)
    _sign_in(page, lead.email)
    _version_page(page, 2)
    page.locator("#action-publish").click()
    expect(page.locator("#version-state")).to_have_attribute("data-state", "published")

    # The draft started on version 1 still submits against version 1.
    later_reference = _finish(later, tmp_path, married=False)
    db_session.expire_all()
    kept = db_session.scalar(select(Submission).where(Submission.reference == later_reference))
    assert kept.form_version == 1
    narrow.close()
    later.context.close()
