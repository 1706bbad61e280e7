"""Who is calling: the bearer token names an API client (portal.clients), checked before every
API view against the scopes the view declares (portal.api.registry). Fails closed: no token,
an unknown or revoked token, a scope the client lacks, a view that declares nothing: refused
with a problem, and the refusals of a known client are in the audit trail.

The rate limit counts per client (the token's client), and per address for calls without a
valid token, so that one system cannot starve another and guessing tokens is slow too.
"""
from __future__ import annotations

from flask import current_app, g, request

from portal.api.problems import Problem
from portal.api.registry import operation_of
from portal.audit import record
from portal.clients.accounts import client_for_token
from portal.extensions import db
from portal.models import ApiClient

_NOT_LOOKED_UP = object()


def bearer_token() -> str | None:
    """The token of `Authorization: Bearer <token>`; "" for a header of another kind."""
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer":
        return ""
    return token.strip()


def _client() -> ApiClient | None:
    """The client the request's token names (revoked ones too), looked up once per request."""
    found = g.get("api_client_lookup", _NOT_LOOKED_UP)
    if found is _NOT_LOOKED_UP:
        token = bearer_token()
        found = client_for_token(db.session, token) if token else None
        g.api_client_lookup = found
    return found


def rate_limit_key() -> str:
    client = _client()
    if client is not None and not client.is_revoked:
        return f"api-client:{client.id}"
    return f"api-address:{request.remote_addr or ''}"


def current_client() -> ApiClient:
    """The client of this request (only inside a view that needs a token)."""
    return g.api_client


def _deny(client: ApiClient, why: str, **detail) -> None:
    record(db.session, "denied", staff=None, api_client=client, object_type="api", object_id=request.endpoint,
           client_address=request.remote_addr or "",
           detail={"why": why, "method": request.method, "path": request.path[:200], **detail})
    db.session.commit()


def authenticate() -> None:
    """before_request of the API blueprint."""
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    op = operation_of(view) if view is not None else None
    if op is None:
        raise Problem("not-allowed", "This address is not open to API clients.")
    if op.public:
        return
    token = bearer_token()
    if not token:
        raise Problem("missing-token", headers={"WWW-Authenticate": 'Bearer realm="api"'})
    client = _client()
    if client is None:
        raise Problem("invalid-token", "The token is not known.",
                      headers={"WWW-Authenticate": 'Bearer realm="api", error="invalid_token"'})
    if client.is_revoked:
        _deny(client, "revoked")
        raise Problem("invalid-token", "The token has been revoked.",
                      headers={"WWW-Authenticate": 'Bearer realm="api", error="invalid_token"'})
    if not set(op.scopes) & client.scope_set:
        _deny(client, "scope", needed=list(op.scopes))
        needed = " or ".join(op.scopes)
        raise Problem("insufficient-scope", f"This call needs the scope {needed}.",
                      headers={"WWW-Authenticate": f'Bearer realm="api", error="insufficient_scope", '
                                                   f'scope="{" ".join(op.scopes)}"'})
    g.api_client = client


def refuse_other_site(object_type: str, object_id, detail: str = "") -> None:
    """The client may not see this object (another site's): audited, then 403."""
    client = current_client()
    record(db.session, "denied", staff=None, api_client=client, object_type=object_type, object_id=object_id,
           client_address=request.remote_addr or "",
           detail={"why": "site", "method": request.method, "endpoint": request.endpoint})
    db.session.commit()
    raise Problem("other-site", detail or f"The {object_type.replace('_', ' ')} belongs to another site than this "
                                          "client's.")


def needs_scope(scope: str) -> None:
    """For a view open to several scopes: this object needs `scope` (audited refusal)."""
    client = current_client()
    if scope not in client.scope_set:
        _deny(client, "scope", needed=[scope])
        raise Problem("insufficient-scope", f"This needs the scope {scope}.",
                      headers={"WWW-Authenticate": f'Bearer realm="api", error="insufficient_scope", scope="{scope}"'})
