"""An editor writes a closure notice in German and Ukrainian and submits it, a team lead
publishes it, and a visitor opening the Ukrainian start page sees the banner at once."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.support.helpers import STAFF_PASSWORD


def _sign_in(page, email):
    page.goto("/backoffice/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(STAFF_PASSWORD)
    page.locator("form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/backoffice/$"))


def _sign_out(page):
    page.locator("form[action$='/backoffice/logout'] button").click()
    expect(page).to_have_url(re.compile(r"/backoffice/login"))


def test_editor_writes_lead_publishes_visitor_sees_the_ukrainian_notice(page, browser, live_server, sites,
                                                                        make_staff):
    editor, lead = make_staff("editor", "DIL"), make_staff("team_lead", "WZ")
    problems = []
    page.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)

    _sign_in(page, editor.email)
    page.locator(".staff-nav a[href$='/backoffice/content/']").click()
    page.goto("/backoffice/content/new?kind=notice")
    page.locator("#kind").select_option("notice")
    page.locator("#slug").fill("dillenburg-24-december")
    page.locator("#title").fill("Dillenburg am 24. Dezember geschlossen")
    page.locator("#body").fill("Die Dienststelle Dillenburg ist an Heiligabend **geschlossen**.")
    page.locator("form[action$='/backoffice/content/new'] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/backoffice/content/\d+$"))
    item_id = re.search(r"/content/(\d+)$", page.url).group(1)

    page.goto(f"/backoffice/content/{item_id}/uk")
    expect(page.locator(".content-source")).to_contain_text("Dillenburg am 24. Dezember geschlossen")
    page.locator("#title").fill("Діленбург зачинено 24 грудня")
    page.locator("#body").fill("Відділ у Діленбурзі **зачинено** на Святвечір.")
    page.locator("#preview-button").click()
    expect(page.locator("#preview strong")).to_have_text("зачинено")
    page.locator("#save-button").click()
    page.locator("#action-submit").click()
    expect(page.locator("#workflow-state")).to_have_attribute("data-state", "pending")
    page.goto(f"/backoffice/content/{item_id}/de")
    page.locator("#action-submit").click()
    expect(page.locator("#workflow-state")).to_have_attribute("data-state", "pending")
    expect(page.locator("#action-publish")).to_have_count(0)  # editors do not publish
    _sign_out(page)

    _sign_in(page, lead.email)
    for language in ("uk", "de"):
        page.goto(f"/backoffice/content/{item_id}/{language}")
        page.locator("#action-publish").click()
        expect(page.locator("#workflow-state")).to_have_attribute("data-state", "published")
    _sign_out(page)

    visitor = browser.new_context(base_url=live_server).new_page()
    try:
        visitor.goto("/uk/")
        banner = visitor.locator("#notice-dillenburg-24-december")
        expect(banner).to_be_visible()
        expect(banner).to_contain_text("Діленбург зачинено 24 грудня")
        expect(banner.locator("strong")).to_have_text("зачинено")
        expect(banner.locator(".content-fallback-note")).to_have_count(0)
        visitor.goto("/de/")
        expect(visitor.locator("#notice-dillenburg-24-december")).to_contain_text("Dillenburg am 24. Dezember")
    finally:
        visitor.context.close()
    assert not problems, problems
