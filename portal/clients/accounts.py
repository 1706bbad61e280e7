"""Making, listing, revoking and recognising API clients.

A token is 32 random bytes (URL-safe base64, prefixed "abh_" so that a leaked one is easy to
spot in logs and code); only its SHA-256 is stored, and it is shown once, when the client is
made. A high-entropy token needs no slow hash: guessing it is hopeless, and the hash is only
there so that a copy of the database opens nothing. Every change is in the audit trail.
"""
from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from portal.audit import record
from portal.models import ApiClient, Site, StaffUser
from portal.models._types import utcnow

TOKEN_PREFIX = "abh_"  # noqa: S105 - the marker in front of every token, not a secret
_NAME = re.compile(r"^[\w .:/()-]{2,80}$")


class Scope(StrEnum):
    SUBMISSIONS_READ = "submissions:read"
    SUBMISSIONS_WRITE = "submissions:write"
    CASEFILES_READ = "casefiles:read"
    CASEFILES_WRITE = "casefiles:write"
    APPOINTMENTS_READ = "appointments:read"


SCOPES = tuple(scope.value for scope in Scope)


class ClientError(ValueError):
    """The client cannot be made or changed: `code` says why (name_taken, bad_name, no_scope,
    unknown_scope, unknown_site, unknown_client, revoked)."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(detail or code)
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class NewClient:
    client: ApiClient
    token: str  # shown once, never stored


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def create_client(session: Session, name: str, scopes: list[str] | tuple[str, ...], *, site_code: str | None = None,
                  staff: StaffUser | None = None, client_address: str = "") -> NewClient:
    """A new client with a new token (in the caller's transaction, audited)."""
    name = " ".join((name or "").split())
    if not _NAME.match(name):
        raise ClientError("bad_name", "2 to 80 letters, digits, spaces or . : / ( ) - _")
    wanted = sorted({scope.strip() for scope in scopes if scope.strip()})
    if not wanted:
        raise ClientError("no_scope", "name at least one scope")
    unknown = [scope for scope in wanted if scope not in SCOPES]
    if unknown:
        raise ClientError("unknown_scope", ", ".join(unknown))
    site = None
    if site_code:
        site = session.scalar(select(Site).where(Site.code == site_code.strip().upper()))
        if site is None:
            raise ClientError("unknown_site", site_code)
    if session.scalar(select(ApiClient.id).where(ApiClient.name == name)) is not None:
        raise ClientError("name_taken", name)
    token = new_token()
    client = ApiClient(name=name, token_hash=hash_token(token), token_hint=token[:len(TOKEN_PREFIX) + 4],
                       scopes=" ".join(wanted), site=site, created_by_id=staff.id if staff is not None else None)
    session.add(client)
    session.flush()
    record(session, "create", staff=staff, object_type="api_client", object_id=client.name,
           client_address=client_address,
           detail={"scopes": wanted, "site": site.code if site is not None else "all"})
    return NewClient(client, token)


def revoke_client(session: Session, client: ApiClient, *, staff: StaffUser | None = None,
                  client_address: str = "") -> None:
    """From now on its token opens nothing (audited); the row stays for the audit trail."""
    if client.is_revoked:
        raise ClientError("revoked", client.name)
    client.revoked_at = utcnow()
    record(session, "revoke", staff=staff, object_type="api_client", object_id=client.name,
           client_address=client_address)


def find_by_name(session: Session, name: str) -> ApiClient | None:
    return session.scalar(select(ApiClient).where(ApiClient.name == " ".join((name or "").split())))


def all_clients(session: Session) -> list[ApiClient]:
    """Active ones first, then by name."""
    return list(session.scalars(select(ApiClient).options(selectinload(ApiClient.site))
                                .order_by(ApiClient.revoked_at.is_not(None), ApiClient.name)))


def client_for_token(session: Session, token: str) -> ApiClient | None:
    """The client a token belongs to (revoked ones too: the caller tells them apart), or None."""
    if not token or len(token) > 200:
        return None
    return session.scalar(select(ApiClient).where(ApiClient.token_hash == hash_token(token)))
