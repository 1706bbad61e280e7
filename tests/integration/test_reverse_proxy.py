"""Behind reverse proxies (PORTAL_PROXY_COUNT) the client address comes from X-Forwarded-For,
so that rate limits, booking limits and the audit trail see the applicant, not the proxy;
without it the header is ignored, so that no client can choose its own address."""
from __future__ import annotations

from sqlalchemy import select

from portal.models import AuditEvent
from tests.support.app_factory import app_for
from tests.support.helpers import sign_in


def _failed_sign_in_address(client, db_session, email: str) -> str:
    client.environ_base["HTTP_X_FORWARDED_FOR"] = "203.0.113.9"
    assert sign_in(client, email, password="not the password").status_code == 200
    return db_session.scalars(select(AuditEvent.client_address).where(AuditEvent.action == "login_failed")
                              .order_by(AuditEvent.id.desc())).first()


def test_the_trusted_proxy_gives_the_client_address(test_environ, db_session, make_staff):
    proxied = app_for({**test_environ, "PORTAL_PROXY_COUNT": "1"})
    assert _failed_sign_in_address(proxied.test_client(), db_session, make_staff().email) == "203.0.113.9"


def test_without_a_proxy_the_header_is_ignored(client, db_session, make_staff):
    assert _failed_sign_in_address(client, db_session, make_staff().email) == "127.0.0.1"
