"""The demo shows its mail: in development the worker delivers into a Maildir and /dev/mailbox
lists every mail with working links, on whatever port the portal runs (PORT). Production has
no such page and refuses the setting."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.config import ConfigError, load_settings
from portal.models import OutboundMail
from tests.support import samples
from tests.support.app_factory import app_for
from tests.support.helpers import Applicant, csrf_token_from


@pytest.fixture
def demo_app(app, test_environ, tmp_path):
    """The app as scripts/serve-demo runs it: development, the demo mailbox, port 8123."""
    return app_for({**test_environ, "PORTAL_ENV": "development", "PORT": "8123",
                    "PORTAL_DEV_MAILBOX_DIR": str(tmp_path / "demo-mailbox")})


def test_the_resume_link_arrives_in_the_demo_mailbox_and_works(demo_app, sites, db_session):
    from portal.jobs import JOBS, run_round

    client = demo_app.test_client()
    applicant = Applicant(client, "uk")
    applicant.start("temporary-protection")
    applicant.step("temporary-protection", "identity", samples.STEPS["temporary-protection"]["identity"])
    page = client.get("/uk/apply/temporary-protection/save").get_data(as_text=True)
    saved = client.post("/uk/apply/temporary-protection/save",
                        data={"csrf_token": csrf_token_from(page), "email": "o.shevchenko@example.org"})
    assert saved.status_code == 200
    assert db_session.scalars(select(OutboundMail)).one().status == "pending"
    assert 'id="dev-mails"' in client.get("/dev/mailbox").get_data(as_text=True)
    with demo_app.app_context():
        (name, report, ok), = run_round(tuple(job for job in JOBS if job.name == "mail"))
    assert ok and report.sent == 1

    listing = client.get("/dev/mailbox")
    assert listing.status_code == 200 and listing.headers["Cache-Control"] == "no-store"
    body = listing.get_data(as_text=True)
    assert "o.shevchenko@example.org" in body
    key = re.search(r'href="/dev/mailbox/([^"]+)"', body).group(1)
    mail = client.get(f"/dev/mailbox/{key}").get_data(as_text=True)
    links = re.findall(r'<a class="kern-link" href="(http[^"]+)"', mail)
    resume = [link for link in links if "/resume/" in link]
    assert resume and resume[0].startswith("http://127.0.0.1:8123/uk/resume/"), links
    # The link opens the saved application (in a browser of its own: a fresh client).
    opened = demo_app.test_client().get(resume[0].removeprefix("http://127.0.0.1:8123"))
    assert opened.status_code == 302 and "/uk/apply/temporary-protection/" in opened.headers["Location"]
    assert client.get("/dev/mailbox/..%2F..%2Fetc").status_code == 404


def test_a_receipt_and_its_attachment_in_the_demo_mailbox(demo_app, sites, db_session):
    from portal.jobs import JOBS, run_round

    client = demo_app.test_client()
    response = Applicant(client, "de").apply("general-enquiry", samples.STEPS["general-enquiry"],
                                             samples.FILES["general-enquiry"])
    assert response.status_code == 302
    with demo_app.app_context():
        run_round(tuple(job for job in JOBS if job.name == "mail"))
    key = re.search(r'href="/dev/mailbox/([^"]+)"', client.get("/dev/mailbox").get_data(as_text=True)).group(1)
    mail = client.get(f"/dev/mailbox/{key}").get_data(as_text=True)
    assert "http://127.0.0.1:8123/de/status/" in mail
    html = client.get(f"/dev/mailbox/{key}/html")  # the receipt mail has an HTML version
    assert html.status_code == 200 and "/de/status/" in html.get_data(as_text=True)
    assert "sandbox" in html.headers["Content-Security-Policy"] and "script" not in html.headers[
        "Content-Security-Policy"]
    attachment = re.search(r'href="(/dev/mailbox/[^"]+/attachment/0)"', mail).group(1)
    receipt = client.get(attachment)
    assert receipt.status_code == 200 and receipt.mimetype == "application/pdf" and receipt.data.startswith(b"%PDF")


def test_production_has_no_mailbox_page(test_environ, tmp_path, app):
    production = {**test_environ, "PORTAL_ENV": "production", "PORTAL_PUBLIC_BASE_URL": "https://portal.example.org"}
    with pytest.raises(ConfigError, match="PORTAL_DEV_MAILBOX_DIR"):
        load_settings(tmp_path, {**production, "PORTAL_DEV_MAILBOX_DIR": str(tmp_path / "mail")})
    for environ in (production, {**test_environ, "PORTAL_ENV": "development"}):
        other = app_for(environ)
        assert not [rule.rule for rule in other.url_map.iter_rules() if rule.rule.startswith("/dev")]
        assert other.test_client().get("/dev/mailbox").status_code == 404


def test_port_sets_the_public_address_outside_production(tmp_path):
    key = {"PORTAL_SECRET_KEY": "p" * 40}
    assert load_settings(tmp_path, {**key, "PORT": "8123"}).office.public_base_url == "http://127.0.0.1:8123"
    assert load_settings(tmp_path, {**key, "FLASK_RUN_PORT": "5050"}).office.public_base_url == "http://127.0.0.1:5050"
    assert load_settings(tmp_path, key).office.public_base_url == "http://127.0.0.1:5000"
    chosen = {**key, "PORT": "8123", "PORTAL_PUBLIC_BASE_URL": "http://demo.local:9000/"}
    assert load_settings(tmp_path, chosen).office.public_base_url == "http://demo.local:9000"
    with pytest.raises(ConfigError, match="PORT"):
        load_settings(tmp_path, {**key, "PORT": "eighty"})
