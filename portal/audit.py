"""Writing the audit trail. Operations record their own changes (in the session they change, in
a request or not); views record only what staff (or an API client) read. The caller commits
with the change."""
from __future__ import annotations

from sqlalchemy.orm import Session

from portal.models import ApiClient, AuditEvent, StaffUser


def record(session: Session, action: str, *, staff: StaffUser | None, object_type: str = "", object_id=None,
           client_address: str = "", detail: dict | None = None, api_client: ApiClient | None = None) -> AuditEvent:
    """One entry; who: `staff`, or `api_client` for a call of the API (a system, not a person)."""
    event = AuditEvent(
        action=action,
        staff_user_id=staff.id if staff is not None else None,
        api_client_id=api_client.id if api_client is not None else None,
        object_type=object_type,
        object_id="" if object_id is None else str(object_id),
        client_address=client_address or "",
        detail=detail or {},
    )
    session.add(event)
    return event
