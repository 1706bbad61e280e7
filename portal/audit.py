"""Writing the audit trail. The caller commits with the change it records."""
from __future__ import annotations

from portal.extensions import db
from portal.models import AuditEvent, StaffUser


def record(action: str, *, staff: StaffUser | None, object_type: str = "", object_id=None,
           client_address: str = "", detail: dict | None = None) -> AuditEvent:
    event = AuditEvent(
        action=action,
        staff_user_id=staff.id if staff is not None else None,
        object_type=object_type,
        object_id="" if object_id is None else str(object_id),
        client_address=client_address or "",
        detail=detail or {},
    )
    db.session.add(event)
    return event
