"""After repeated failed sign-ins to an account, its owner signs in in Chromium: the back office's
sign-in page shows the proof of work, which solves itself under the Content-Security-Policy."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from portal.staff.sign_in_limits import FAILURES
from tests.support.helpers import STAFF_PASSWORD, sign_in


def test_the_owner_gets_in_after_someone_else_guessed(page, app, make_staff):
    user = make_staff("caseworker", email="mariam.haddad@abh-test.example")
    guesser = app.test_client()
    for i in range(FAILURES.amount):
        sign_in(guesser, user.email, password=f"Rateversuch-{i:03d}")
    problems = []
    page.on("console", lambda m: problems.append(m.text)
            if m.type == "error" or "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda error: problems.append(str(error)))

    page.goto("/backoffice/login")
    expect(page.locator("altcha-widget")).to_have_count(0)
    page.locator("#email").fill(user.email)
    page.locator("#password").fill(STAFF_PASSWORD)
    page.locator("form button[type=submit]").click()
    expect(page.locator("#password-error")).to_contain_text("zu viele fehlgeschlagene Anmeldeversuche")

    expect(page.locator("altcha-widget .altcha")).to_have_attribute("data-state", "verified", timeout=30_000)
    expect(page.locator("altcha-widget .altcha-label")).to_have_text("Überprüft")
    page.locator("#password").fill(STAFF_PASSWORD)
    page.locator("form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/backoffice/$"))
    # The refused sign-in answers 429, which the browser's console reports; nothing else.
    assert [p for p in problems if "status of 429" not in p] == [], problems
