"""Open the portal in Ukrainian, switch to Arabic (the layout mirrors), sign in to the back office."""
import re

from playwright.sync_api import expect

from tests.support.helpers import STAFF_PASSWORD


def _box(page, selector):
    box = page.locator(selector).bounding_box()
    assert box, f"{selector} is not visible"
    return box


def test_ukrainian_then_arabic_then_back_office(page, sites, make_staff):
    caseworker = make_staff("caseworker", "WZ")

    page.set_extra_http_headers({"Accept-Language": "uk-UA,uk;q=0.9,de;q=0.5"})
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/uk/$"))
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "uk")
    expect(html).to_have_attribute("dir", "ltr")
    english = "Welcome to the online services"
    expect(page.locator("h1")).not_to_have_text(english)
    brand, switcher = _box(page, ".site-header__brand"), _box(page, ".language-switcher")
    assert brand["x"] < switcher["x"], "left to right: the office name stands on the left"

    # The skip link is the first stop for the keyboard, and it is translated.
    page.keyboard.press("Tab")
    focused = page.locator(":focus")
    expect(focused).to_have_class("skip-link")
    expect(focused).not_to_have_text("Skip to main content")

    page.get_by_role("link", name="العربية").click()
    expect(html).to_have_attribute("lang", "ar")
    expect(html).to_have_attribute("dir", "rtl")
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    brand, switcher = _box(page, ".site-header__brand"), _box(page, ".language-switcher")
    assert brand["x"] > switcher["x"], "right to left: the office name moves to the right"
    width = page.viewport_size["width"]
    assert brand["x"] + brand["width"] > width * 0.6
    # Arabic text is drawn with the font shipped by the portal, not a system fallback.
    page.evaluate("document.fonts.ready")
    assert page.evaluate("document.fonts.check('16px \"Noto Sans Arabic\"', 'مرحبا')")
    assert page.evaluate(
        "[...document.fonts].some(f => f.family.includes('Noto Sans Arabic') && f.status === 'loaded')")

    # The back office is locked: the sign-in page opens, in German.
    page.goto("/backoffice/")
    expect(page).to_have_url(re.compile(r"/backoffice/login\?next="))
    expect(html).to_have_attribute("lang", "de")
    page.get_by_label("E-Mail-Adresse").fill(caseworker.email)
    page.get_by_label("Passwort").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    expect(page.locator("h1")).to_have_text("Übersicht")
    expect(page.locator(".staff-nav")).to_contain_text(caseworker.full_name)
