"""The audit trail for admins: who saw, downloaded or changed what, when, from where.

Filter by staff member (or the API client that called), action, object, days and client address; newest first, paged by
keyset ("older than this event"), so that deep pages of a long trail stay fast. The
filtered list can be downloaded as CSV; that download is itself in the trail.
Admins and the data-protection officer read it.
"""
from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict, dataclass
from datetime import date, datetime, timezone

from flask import Response, render_template, request, stream_with_context
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import and_, or_, select

from portal.audit import record
from portal.backoffice import bp
from portal.backoffice.guard import AUDIT_READERS, requires_role
from portal.backoffice.labels import AUDIT_ACTION_LABELS
from portal.domain.office_time import aware, day_bounds, to_office_time
from portal.extensions import db
from portal.models import ApiClient, AuditEvent, StaffUser
from portal.models._types import utcnow

PAGE_SIZE = 100
_TEXT_MAX = 64  # the widest audit column
# A spreadsheet would run a cell that starts like a formula (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class AuditFilter:
    staff_id: int | None = None
    api_client_id: int | None = None
    action: str = ""
    object_type: str = ""
    object_id: str = ""
    date_from: date | None = None
    date_to: date | None = None
    client_address: str = ""

    @classmethod
    def from_args(cls, args) -> tuple[AuditFilter, list[str]]:
        """The filter from query parameters, and what could not be read (then left out)."""
        errors = []

        def text(name: str) -> str:
            return (args.get(name) or "").strip()[:_TEXT_MAX]

        def day(name: str) -> date | None:
            value = text(name)
            if not value:
                return None
            try:
                return date.fromisoformat(value)
            except ValueError:
                errors.append(_("Enter the days as dates."))
                return None

        staff, api_client = text("staff"), text("api_client")
        return cls(staff_id=int(staff) if staff.isdigit() else None,
                   api_client_id=int(api_client) if api_client.isdigit() else None, action=text("action"),
                   object_type=text("object_type"), object_id=text("object_id"), date_from=day("from"),
                   date_to=day("to"), client_address=text("address")), errors

    def conditions(self) -> list:
        found = []
        if self.staff_id is not None:
            found.append(AuditEvent.staff_user_id == self.staff_id)
        if self.api_client_id is not None:
            found.append(AuditEvent.api_client_id == self.api_client_id)
        for column, value in ((AuditEvent.action, self.action), (AuditEvent.object_type, self.object_type),
                              (AuditEvent.object_id, self.object_id)):
            if value:
                found.append(column == value)
        if self.date_from:
            found.append(AuditEvent.at >= day_bounds(self.date_from)[0])
        if self.date_to:
            found.append(AuditEvent.at < day_bounds(self.date_to)[1])
        if self.client_address:
            # "192.168.1." or "2001:db8:" names a network; anything else one address.
            if self.client_address.endswith((".", ":")):
                escaped = self.client_address.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
                found.append(AuditEvent.client_address.like(escaped + "%", escape="\\"))
            else:
                found.append(AuditEvent.client_address == self.client_address)
        return found

    def as_args(self) -> dict[str, str]:
        """Query parameters that give this filter again (for paging and the CSV link)."""
        values = {"staff": self.staff_id, "api_client": self.api_client_id, "action": self.action, "object_type": self.object_type,
                  "object_id": self.object_id, "from": self.date_from, "to": self.date_to,
                  "address": self.client_address}
        return {key: str(value) for key, value in values.items() if value not in (None, "")}

    def described(self) -> dict:
        """For the audit event of a download."""
        return {key: str(value) for key, value in asdict(self).items() if value not in (None, "")}


def _cursor(event: AuditEvent) -> str:
    return f"{aware(event.at).isoformat()}_{event.id}"


def _parse_cursor(text: str | None) -> tuple[datetime, int] | None:
    if not text or "_" not in text:
        return None
    stamp, _sep, ident = text.rpartition("_")
    try:
        return aware(datetime.fromisoformat(stamp)).astimezone(timezone.utc), int(ident)
    except (ValueError, OverflowError):
        return None


def _query(audit_filter: AuditFilter):
    return (select(AuditEvent, StaffUser, ApiClient)
            .outerjoin(StaffUser, AuditEvent.staff_user_id == StaffUser.id)
            .outerjoin(ApiClient, AuditEvent.api_client_id == ApiClient.id)
            .where(*audit_filter.conditions())
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()))


@bp.get("/audit")
@requires_role(*AUDIT_READERS)
def audit_log():
    audit_filter, errors = AuditFilter.from_args(request.args)
    query = _query(audit_filter)
    before = _parse_cursor(request.args.get("before"))
    if before:
        stamp, ident = before
        query = query.where(or_(AuditEvent.at < stamp, and_(AuditEvent.at == stamp, AuditEvent.id < ident)))
    rows = db.session.execute(query.limit(PAGE_SIZE + 1)).all()
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    staff = db.session.scalars(select(StaffUser).order_by(StaffUser.full_name, StaffUser.email)).all()
    api_clients = db.session.scalars(select(ApiClient).order_by(ApiClient.name)).all()
    return render_template("backoffice/audit/list.html", rows=rows, staff=staff, api_clients=api_clients,
                           audit_filter=audit_filter,
                           filter_args=audit_filter.as_args(), errors=errors, paged=before is not None,
                           next_cursor=_cursor(rows[-1][0]) if more else None)


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _csv_line(values) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";", lineterminator="\r\n").writerow([_cell(v) for v in values])
    return buffer.getvalue()


@bp.get("/audit.csv")
@requires_role(*AUDIT_READERS)
def audit_csv():
    audit_filter, _errors = AuditFilter.from_args(request.args)
    record(db.session, "download", staff=current_user, object_type="audit_log",
           client_address=request.remote_addr or "", detail={"format": "csv", "filter": audit_filter.described()})
    db.session.commit()
    query = _query(audit_filter).execution_options(yield_per=500)
    # Translated now: the rows are written after this request's context is gone (streamed).
    head = [_("Time"), _("Staff member"), _("E-mail address"), _("Action"), _("Object type"), _("Object"),
            _("Client address"), _("Details"), _("Action in words"), _("API client")]
    # Codes stay in their columns (for filters and scripts); the words come last, translated now.
    words = {code: str(label) for code, label in AUDIT_ACTION_LABELS.items()}

    def lines():
        # A byte order mark and semicolons: what spreadsheets in a German office open as columns.
        yield "\ufeff" + _csv_line(head)
        for event, staff, api_client in db.session.execute(query):
            yield _csv_line([
                to_office_time(event.at).isoformat(timespec="seconds"),
                staff.full_name if staff else "", staff.email if staff else "", event.action, event.object_type,
                event.object_id, event.client_address,
                json.dumps(event.detail or {}, ensure_ascii=False, sort_keys=True),
                words.get(event.action, event.action),
                api_client.name if api_client else "",
            ])

    name = f"audit-{to_office_time(utcnow()).strftime('%Y%m%d-%H%M')}.csv"
    return Response(stream_with_context(lines()), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
