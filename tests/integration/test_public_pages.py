"""The start and contact pages show the office's sites and services; responses carry
the security headers; nothing is loaded from another origin."""
import re

import pytest


def test_start_page_lists_services_and_sites_with_hours(client, sites):
    body = client.get("/en/").get_data(as_text=True)
    assert "Residence permit for temporary protection" in body
    assert "Karl-Kellner-Ring 51" in body and "35683 Dillenburg" in body
    assert "Wednesday" not in body, "Wetzlar and Dillenburg are closed on Wednesdays"
    assert "Thursday" in body and "14:00–18:00" in body


def test_inactive_services_are_not_offered(client, sites, db_session):
    from portal.models import Service

    db_session.query(Service).filter_by(code="general-enquiry").update({"is_active": False})
    db_session.commit()
    assert "General enquiry" not in client.get("/en/").get_data(as_text=True)


@pytest.mark.parametrize("url", ["/de/", "/ar/contact", "/backoffice/login"])
def test_security_headers(client, sites, url):
    headers = client.get(url).headers
    csp = headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "'unsafe-inline'" not in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize("url", ["/de/", "/fa/", "/backoffice/login"])
def test_pages_load_nothing_from_elsewhere(client, sites, url):
    body = client.get(url).get_data(as_text=True)
    assert not re.search(r'(src|href)="(https?:)?//', body)
    for asset in re.findall(r'(?:src|href)="(/static/[^"]+)"', body):
        assert client.get(asset).status_code == 200, asset


def test_vendor_styles_reference_only_local_files(client):
    css = client.get("/static/vendor/fonts/fira-sans.css").get_data(as_text=True)
    assert "http" not in css
    css = client.get("/static/vendor/kern/kern.min.css").get_data(as_text=True)
    assert not re.search(r"url\((['\"])?https?:", css)


def test_health_check(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
