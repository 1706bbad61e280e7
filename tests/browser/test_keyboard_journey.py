"""A general enquiry from the start page with the keyboard alone: skip link, the service, every
step, a file chosen through the file dialog, review, declaration, sending. No click and no fill:
every field is reached with Tab and typed into, and every stop on the way shows its focus."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.support import samples

# The focus must be seen: an outline or a ring (box-shadow) on the focused element itself.
FOCUS_SHOWN = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return {shown: false, what: 'nothing focused'};
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
  const ring = style.boxShadow && style.boxShadow !== 'none';
  return {shown: outline || ring, what: el.outerHTML.slice(0, 160)};
}"""
FOCUSED_MATCHES = "(selector) => !!document.activeElement && document.activeElement.matches(selector)"
MAX_TABS = 120


class Keyboard:
    def __init__(self, page):
        self.page, self.stops = page, 0

    def focus_is_shown(self) -> None:
        seen = self.page.evaluate(FOCUS_SHOWN)
        assert seen["shown"], f"the focus is not visible on {seen['what']}"

    def tab_to(self, selector: str, *, backwards: bool = False) -> None:
        """Tab (or Shift+Tab) until the focused element matches; every stop must show its focus."""
        for _ in range(MAX_TABS):
            self.page.keyboard.press("Shift+Tab" if backwards else "Tab")
            self.stops += 1
            self.focus_is_shown()
            if self.page.evaluate(FOCUSED_MATCHES, selector):
                return
        raise AssertionError(f"{selector} was not reached with {MAX_TABS} presses of Tab")

    def type_into(self, selector: str, text: str) -> None:
        self.tab_to(selector)
        self.page.keyboard.type(text)

    def press_continue(self) -> None:
        self.tab_to("button[name=action][value=continue]")
        with self.page.expect_navigation():
            self.page.keyboard.press("Enter")


def test_general_enquiry_with_the_keyboard_only(page, sites, tmp_path):
    letter = tmp_path / "schreiben.pdf"
    letter.write_bytes(samples.pdf_bytes(1))
    keys = Keyboard(page)
    # Listening from the start switches Chromium's file-chooser interception on long before Space
    # is pressed: Playwright turns it on without waiting when the first listener appears, and on
    # a busy machine the key press could overtake it and open no chooser that the test can see.
    page.on("filechooser", lambda chooser: None)

    page.goto("/de/")
    # The skip link is the first stop and takes the keyboard past header and language switcher.
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_class("skip-link")
    keys.focus_is_shown()
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
    keys.tab_to("main a[href$='/de/services/general-enquiry/']")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    keys.tab_to("form[action$='/general-enquiry/start'] button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Space")
    expect(page).to_have_url(re.compile(r"/de/apply/general-enquiry/identity$"))

    # Sent empty: the focus lands on the error summary, whose links lead to the fields.
    keys.press_continue()
    expect(page.locator("#error-summary")).to_be_focused()
    keys.focus_is_shown()
    keys.tab_to("#error-summary a[href='#f-surname']")
    page.keyboard.press("Enter")
    expect(page.locator("#f-surname")).to_be_focused()
    keys.focus_is_shown()
    page.keyboard.type("الحسن")
    keys.type_into("#f-given_names", "محمد")
    keys.type_into("#f-date_of_birth-year", "1990")
    # Shift+Tab back to the month, which stays empty (only the year is known): the way back works too.
    keys.tab_to("#f-date_of_birth-month", backwards=True)
    keys.tab_to("#f-date_of_birth-year")
    keys.type_into("#f-place_of_birth", "Aleppo")
    keys.tab_to("#f-nationality")
    page.keyboard.type("Syrien")  # a closed select picks the option by typing its name
    expect(page.locator("#f-nationality")).to_have_value("SYR")
    keys.press_continue()

    expect(page).to_have_url(re.compile(r"/contact$"))
    keys.type_into("#f-email", "m.alhassan@example.org")
    keys.press_continue()

    expect(page).to_have_url(re.compile(r"/enquiry$"))
    keys.type_into("#f-file_number", "DIL-2016-00321")
    keys.type_into("#f-subject", "Frage zur Fiktionsbescheinigung")
    keys.type_into("#f-message", "Wann kann ich die Karte abholen?\nVielen Dank.")
    keys.press_continue()

    expect(page).to_have_url(re.compile(r"/documents$"))
    keys.tab_to("#f-file-attachment")
    with page.expect_file_chooser() as chooser:
        page.keyboard.press("Space")
    chooser.value.set_files(str(letter))
    keys.tab_to("button[name=action][value=upload]")
    page.keyboard.press("Enter")
    expect(page.locator(".uploaded-files")).to_contain_text("schreiben.pdf")
    keys.press_continue()

    expect(page).to_have_url(re.compile(r"/review$"))
    expect(page.locator(".review-list").first).to_contain_text("الحسن")
    keys.press_continue()

    expect(page).to_have_url(re.compile(r"/declaration$"))
    keys.tab_to("#f-declaration")
    page.keyboard.press("Space")
    expect(page.locator("#f-declaration")).to_be_checked()
    keys.tab_to("form[action$='/submit'] button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/de/apply/general-enquiry/done$"))
    assert re.fullmatch(r"ABH-\d{4}-\d{6}-\d", page.locator(".reference").inner_text())
    assert keys.stops > 20
