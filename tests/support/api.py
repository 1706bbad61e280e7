"""API clients for tests: a token with the scopes wanted, and the header that carries it."""
from __future__ import annotations

from portal.clients.accounts import SCOPES, create_client

ALL_SCOPES = SCOPES


def make_client(db_session, name: str = "ADVIS Fachverfahren", scopes=ALL_SCOPES, site: str | None = None) -> str:
    """A committed API client; returns its token."""
    made = create_client(db_session, name, list(scopes), site_code=site)
    db_session.commit()
    return made.token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def is_problem(response, status: int, slug: str | None = None) -> bool:
    """A problem+json answer of that status (and kind)."""
    if response.status_code != status or response.mimetype != "application/problem+json":
        return False
    body = response.get_json()
    return body["status"] == status and (slug is None or body["type"].endswith("/problems/" + slug))
