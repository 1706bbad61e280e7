"""axe-core in Chromium on every public page (German and Arabic, right to left) and on the back
office's main pages: no serious or critical violation of WCAG 2.1 A/AA.

axe comes from npm (node_modules/axe-core, used by the tests only, never served). The pages'
Content-Security-Policy forbids inline scripts, so the library is not added as a <script>:
page.evaluate() runs it through the DevTools protocol, which the page's CSP does not govern.
The pages are thus checked under the policy they really have (no bypass_csp context).

One browser context per language; form steps are filled through the context's own request API
(same cookies as the page) so that each step is opened in the browser only to be checked.
"""
from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from portal.config import settings_of
from tests.support import booking_setup, samples
from tests.support.helpers import ROOT, STAFF_PASSWORD, solve_human_check

AXE_SOURCE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
  return result.violations
    .filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => ({rule: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 6).map(n => n.target.join(' ') + '  ' + n.failureSummary.split('\\n').slice(1, 2).join(''))}));
}"""
PUBLIC_FORMS = sorted(samples.STEPS)
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class Axe:
    """Runs axe on the page as it is now and collects the violations by page, to report all at once."""

    def __init__(self, page, every_page: tuple[str, ...] = ()):
        if not AXE_SOURCE.is_file():
            pytest.fail(f"{AXE_SOURCE} is missing: run `npm ci` (scripts/setup)")
        self.page, self.source, self.found, self.checked = page, AXE_SOURCE.read_text(encoding="utf-8"), {}, []
        self.every_page = every_page  # selectors that each checked page must have exactly once

    def check(self, label: str) -> None:
        self.page.wait_for_load_state("load")
        if not self.page.evaluate("() => typeof window.axe === 'object'"):
            self.page.evaluate(self.source)
        violations = self.page.evaluate(RUN_AXE, WCAG_TAGS)
        self.checked.append(label)
        for selector in self.every_page:
            if self.page.locator(selector).count() != 1:
                violations.append({"rule": "portal-link-once", "impact": "serious", "help": "one link on every page",
                                   "nodes": [selector]})
        if violations:
            self.found[f"{label} ({self.page.url})"] = violations

    def visit(self, path: str, label: str | None = None, status: int = 200) -> None:
        response = self.page.goto(path)
        assert response.status == status, (path, response.status)
        self.check(label or path)

    def assert_clean(self) -> None:
        assert not self.found, "serious or critical accessibility violations:\n" + json.dumps(
            self.found, indent=1, ensure_ascii=False)


def _csrf(page, path: str) -> str:
    response = page.request.get(path)
    assert response.ok, (path, response.status)
    return CSRF.search(response.text()).group(1)


def _post(page, path: str, data: dict | None = None, multipart: dict | None = None, token_from: str | None = None):
    token = _csrf(page, token_from or path)
    if multipart is not None:
        response = page.request.post(path, multipart={**multipart, "csrf_token": token}, max_redirects=0)
    else:
        from playwright.sync_api import FormData

        form = FormData()  # a list is several values of one name (ticked checkboxes)
        for name, value in {**(data or {}), "csrf_token": token}.items():
            for one in value if isinstance(value, list) else [value]:
                form.append(name, one)
        response = page.request.post(path, form=form, max_redirects=0)
    assert response.status in (200, 302, 303), (path, response.status, response.text()[:300])
    return response


def _walk_form(axe: Axe, lang: str, code: str, *, submit: bool) -> None:
    """Every step of one online form with a draft in progress: fields, documents (empty and with
    uploads), review, declaration; and, when `submit`, the confirmation page."""
    base = f"/{lang}/apply/{code}"
    _post(axe.page, f"/{lang}/services/{code}/start", token_from=f"/{lang}/services/{code}/")
    for step, data in samples.STEPS[code].items():
        axe.visit(f"{base}/{step}", f"{code}: {step}")
        response = _post(axe.page, f"{base}/{step}", {**data, "action": "continue"})
        assert response.status == 302, (code, step, response.text()[:500])
    axe.visit(f"{base}/documents", f"{code}: documents, none uploaded")
    files = {f"file-{slot}": {"name": name, "mimeType": "application/octet-stream",
                              "buffer": content()}
             for slot, ((name, content), *_rest) in samples.FILES[code].items()}
    if submit:  # once: a refused file, shown as the browser shows it (the upload script rewrites the page)
        axe.page.locator(f"#f-file-{next(iter(samples.FILES[code]))}").set_input_files(
            files=[{"name": "kaputt.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.7 broken"}])
        axe.page.locator("button[name=action][value=upload]").click()
        expect(axe.page.locator("#error-summary")).to_be_visible()
        axe.check(f"{code}: documents with a refused file")
        # A file over the limit, refused by the browser before sending (js/upload-progress.js).
        axe.page.locator(f"#f-file-{next(iter(samples.FILES[code]))}").set_input_files(
            files=[{"name": "scan.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.7\n" + b"0" * 11_000_000}])
        axe.page.locator("button[name=action][value=upload]").click()
        expect(axe.page.locator("#upload-problems")).to_be_visible()
        axe.check(f"{code}: documents with a file the browser refused")
        axe.visit(f"/{lang}/apply/{code}/save", f"{code}: save for later")
    _post(axe.page, f"{base}/documents", multipart={**files, "action": "upload"})
    axe.visit(f"{base}/documents", f"{code}: documents uploaded")
    assert _post(axe.page, f"{base}/documents", {"action": "continue"}).status == 302
    axe.visit(f"{base}/review", f"{code}: review")
    assert _post(axe.page, f"{base}/review", {"action": "continue"}).status == 302
    axe.visit(f"{base}/declaration", f"{code}: declaration")
    if submit:
        axe.page.locator("#f-declaration").check()
        axe.page.locator("form[action$='/submit'] button[type=submit]").click()
        expect(axe.page).to_have_url(re.compile(rf"/{lang}/apply/{code}/done(#.*)?$"))
        axe.check(f"{code}: done")


def _content(db_session):
    from portal.content.seed import load_seed_content
    from portal.models._types import utcnow

    load_seed_content(db_session, utcnow())
    db_session.commit()


@pytest.mark.parametrize("lang", ["de", "ar"])
def test_public_pages_have_no_serious_violations(page, lang, sites, db_session, make_submission, live_server):
    _content(db_session)
    booking_setup.counters(db_session, sites["WZ"], counters=2, staff=1)
    booking_setup.counters(db_session, sites["DIL"], counters=1, staff=0)  # two sites: the choice is shown
    slot = booking_setup.future_slot(db_session, sites["WZ"], capacity=2, staff_reserved=1)
    known = make_submission(language=lang)
    # The statement and the Leichte Sprache page are reachable from every public page.
    axe = Axe(page, every_page=("footer a[href$='/pages/accessibility']", "footer a[href$='/pages/easy-language']",
                                "footer a[href$='/pages/privacy']", "footer a[href$='/pages/imprint']"))

    axe.visit(f"/{lang}/", "start")
    expect(page.locator("html")).to_have_attribute("lang", lang)
    axe.visit(f"/{lang}/services/", "services")
    from portal.forms.catalogue import PUBLIC_CATALOGUE

    for entry in PUBLIC_CATALOGUE:
        axe.visit(f"/{lang}/services/{entry.code}/", f"service {entry.code}")

    # A step sent empty: the error summary and the fields' messages.
    _post(page, f"/{lang}/services/general-enquiry/start", token_from=f"/{lang}/services/general-enquiry/")
    page.goto(f"/{lang}/apply/general-enquiry/identity")
    page.locator("button[name=action][value=continue]").click()
    expect(page.locator("#error-summary")).to_be_visible()
    axe.check("general-enquiry: identity with errors")
    for code in PUBLIC_FORMS:
        _walk_form(axe, lang, code, submit=code == "general-enquiry")

    axe.visit(f"/{lang}/status/", "status lookup")
    page.locator("#f-reference").fill(known.submission.reference)
    page.locator("#f-status_code").fill("WRONG-CODE")
    page.locator("form button[type=submit]").click()
    expect(page.locator(".kern-alert--danger, #error-summary").first).to_be_visible()
    axe.check("status lookup with an error")
    axe.visit(f"/{lang}/status/open?reference={known.submission.reference}&code={known.status_code}", "status page")
    expect(page.locator(".current-status")).to_be_visible()

    axe.visit(f"/{lang}/appointments/", "appointments: services")
    axe.visit(f"/{lang}/appointments/card-collection/", "appointments: sites")
    expect(page.locator(f"a[href$='/{lang}/appointments/card-collection/DIL/']")).to_be_visible()
    axe.visit(f"/{lang}/appointments/card-collection/WZ/", "appointments: calendar")
    day = slot.starts_at.date().isoformat()
    axe.visit(f"/{lang}/appointments/card-collection/WZ/{day}", "appointments: day")
    _post(page, f"/{lang}/appointments/hold", {"slot": str(slot.id), "altcha": solve_human_check(live_server, lang)},
          token_from=f"/{lang}/appointments/card-collection/WZ/{day}")
    axe.visit(f"/{lang}/appointments/details", "appointments: details")
    page.locator("#details-form button[value=book]").click()
    expect(page.locator("#error-summary")).to_be_visible()
    axe.check("appointments: details with errors")
    page.locator("#f-surname").fill("Yılmaz")
    page.locator("#f-given_names").fill("Ayşe")
    page.locator("#f-date_of_birth-year").fill("1979")
    page.locator("#f-email").fill("ayse.yilmaz@example.org")
    page.locator("#details-form button[value=book]").click()
    expect(page.locator("div[role=status].kern-alert--warning")).to_contain_text("ayse.yilmaz@example.org")
    axe.check("appointments: check your mail")

    axe.visit(f"/{lang}/contact", "contact")
    for slug in ("accessibility", "easy-language", "fees", "first-visit", "contact", "privacy", "imprint"):
        axe.visit(f"/{lang}/pages/{slug}", f"page {slug}")
    axe.visit(f"/{lang}/search?q=Wetzlar", "search with results")
    expect(page.locator("#search-results li").first).to_be_visible()
    axe.visit(f"/{lang}/no-such-page", "not found", status=404)
    axe.visit(f"/{lang}/services/no-such-service/", "service not found", status=404)
    assert len(axe.checked) >= 60, axe.checked
    axe.assert_clean()


def _sign_in(page, email: str) -> None:
    page.goto("/backoffice/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(STAFF_PASSWORD)
    page.locator("form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/backoffice/$"))


def _back_office_data(app, db_session, sites, case_files, make_submission):
    from portal.documents.storage import DocumentStorage
    from portal.intake.email.process import take_in
    from portal.models import InboundMailSource, ScanBatch
    from tests.support import mail_corpus

    _content(db_session)
    slot = booking_setup.future_slot(db_session, sites["WZ"], capacity=2, days_ahead=1)
    submission = make_submission().submission
    storage = DocumentStorage(settings_of(app).storage_dir)
    with app.app_context():
        for raw in (mail_corpus.with_attachments(message_id="<ok@example.org>"),
                    mail_corpus.encrypted_pdf(message_id="<bad@example.org>")):
            take_in(db_session, storage, raw, source=InboundMailSource.FILE, source_detail="test.eml", settings=settings_of(app).mail_intake)
    db_session.add(ScanBatch(batch_id="LDK-2026-11-A", source_dir="/srv/scans/2026-11-a"))
    db_session.commit()
    return submission, slot


def test_back_office_pages_have_no_serious_violations(page, app, db_session, sites, case_files, make_staff,
                                                     make_submission):
    from sqlalchemy import select

    from portal.models.content import ContentItem

    submission, slot = _back_office_data(app, db_session, sites, case_files, make_submission)
    lead, dpo = make_staff("team_lead", "WZ"), make_staff("dpo", "WZ")
    page_id = db_session.scalar(select(ContentItem.id).where(ContentItem.slug == "accessibility"))
    axe = Axe(page)

    axe.visit("/backoffice/login", "login")
    page.locator("form button[type=submit]").click()  # empty: the error message
    axe.check("login with an error")
    _sign_in(page, lead.email)
    expect(page.locator("html")).to_have_attribute("lang", "de")
    axe.check("dashboard")
    axe.visit("/backoffice/queue", "queue")
    axe.visit(f"/backoffice/submissions/{submission.reference}", "submission")
    axe.visit("/backoffice/casefiles/WZ-2022-00017", "case file")
    axe.visit("/backoffice/lookup?q=Шевченко", "phone desk lookup")
    expect(page.locator("#q")).to_have_value("Шевченко")
    day = slot.starts_at.date().isoformat()
    axe.visit(f"/backoffice/appointments?site=WZ&day={day}", "appointments day")
    axe.visit("/backoffice/statistics", "statistics")
    axe.visit("/backoffice/content/", "content list")
    axe.visit(f"/backoffice/content/{page_id}/de", "content edit")
    axe.visit("/backoffice/mail", "mail list")
    axe.visit("/backoffice/scans", "scan batches")
    page.locator("form[action$='/backoffice/logout'] button").click()
    _sign_in(page, dpo.email)
    axe.visit("/backoffice/audit", "audit trail")
    assert len(axe.checked) >= 14
    axe.assert_clean()
