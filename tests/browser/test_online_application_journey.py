"""A Ukrainian applicant fills the § 24 form in Chromium with a passport PDF and a HEIC phone
photo, submits, opens the receipt and finds the application by its reference on the status page."""
import re

from playwright.sync_api import expect

from tests.support import samples


def _fill_date(page, name, day, month, year):
    page.locator(f"#f-{name}-day").fill(str(day))
    page.locator(f"#f-{name}-month").fill(str(month))
    page.locator(f"#f-{name}-year").fill(str(year))


def _continue(page):
    page.locator("button[name=action][value=continue]").click()


def test_temporary_protection_in_ukrainian(page, sites, tmp_path, live_server):
    passport = tmp_path / "паспорт.pdf"
    passport.write_bytes(samples.pdf_bytes(2))
    photo = tmp_path / "IMG_4032.HEIC"
    photo.write_bytes(samples.heic_bytes())
    certificate = tmp_path / "meldebescheinigung.jpg"
    certificate.write_bytes(samples.jpeg_bytes())

    page.goto("/uk/services/temporary-protection/")
    expect(page.locator("html")).to_have_attribute("lang", "uk")
    page.locator("form[action$='/start'] button").click()
    expect(page).to_have_url(re.compile(r"/uk/apply/temporary-protection/identity$"))

    # A mistake first: the error summary links to the field.
    _continue(page)
    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    summary.locator("a[href='#f-surname']").click()
    expect(page.locator("#f-surname")).to_be_focused()

    page.locator("#f-surname").fill("Шевченко")
    page.locator("#f-given_names").fill("Олександр")
    _fill_date(page, "date_of_birth", "", 3, 1987)
    page.locator("#f-place_of_birth").fill("Харків")
    page.locator("#f-nationality").select_option("UKR")
    _continue(page)

    page.locator("#f-email").fill("o.shevchenko@example.org")
    page.locator("#f-street").fill("Karl-Kellner-Ring 12")
    page.locator("#f-postcode").fill("35576")
    page.locator("#f-city").fill("Wetzlar")
    _continue(page)

    page.locator("#f-status_in_ukraine").check()
    page.locator("#f-in_ukraine_on_24_feb").check()
    _fill_date(page, "entry_date", 15, 3, 2022)
    page.locator("input[name=other_eu_application][value=no]").check()
    _continue(page)

    expect(page).to_have_url(re.compile(r"/documents(#.*)?$"))
    page.locator("#f-file-passport").set_input_files(str(passport))
    page.locator("#f-file-photo").set_input_files(str(photo))
    page.locator("#f-file-registration").set_input_files(str(certificate))
    page.locator("button[name=action][value=upload]").click()
    uploaded = page.locator(".uploaded-files")
    expect(uploaded).to_have_count(3)
    expect(page.locator(".document-slot").nth(0)).to_contain_text("паспорт.pdf")
    expect(page.locator(".document-slot").nth(1)).to_contain_text("IMG_4032.HEIC")
    _continue(page)

    expect(page).to_have_url(re.compile(r"/review(#.*)?$"))
    expect(page.locator(".review-list").first).to_contain_text("Шевченко")
    # A date of birth with an unknown day, as Ukrainian writes a month and year.
    expect(page.locator(".review-list").first).to_contain_text("березень 1987")
    _continue(page)

    page.locator("#f-declaration").check()
    page.locator("form[action$='/submit'] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/uk/apply/temporary-protection/done(#.*)?$"))
    reference = page.locator(".reference").inner_text()
    status_code = page.locator(".status-code").inner_text()
    assert re.fullmatch(r"ABH-\d{4}-\d{6}-\d", reference)

    receipt = page.request.get(f"{live_server}/uk/status/{reference}/receipt.pdf")
    assert receipt.ok and receipt.headers["content-type"] == "application/pdf"
    assert receipt.body().startswith(b"%PDF")

    # Another browser (no session) finds it with reference and status code.
    other = page.context.browser.new_context(base_url=live_server)
    stranger = other.new_page()
    stranger.goto("/uk/status/")
    stranger.locator("#f-reference").fill(reference)
    stranger.locator("#f-status_code").fill(status_code.lower())
    stranger.locator("form button[type=submit]").click()
    expect(stranger).to_have_url(re.compile(rf"/uk/status/{reference}$"))
    expect(stranger.locator(".current-status")).to_be_visible()
    other.close()
