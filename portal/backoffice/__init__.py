"""Caseworker blueprint: every view requires sign-in and declares its roles."""
from __future__ import annotations

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from portal.backoffice.guard import guard_backoffice_request

bp = Blueprint("backoffice", __name__, url_prefix="/backoffice")
bp.before_request(guard_backoffice_request)

ROLE_LABELS = {
    "caseworker": _l("Caseworker"),
    "team_lead": _l("Team lead"),
    "admin": _l("Administrator"),
    "dpo": _l("Data protection officer"),
    "editor": _l("Editor"),
}


CHANNEL_LABELS = {"web": _l("Online form"), "email": _l("E-mail"), "scan": _l("Scanned paper file"),
                  "staff": _l("Entered by staff"), "transfer": _l("Handed over by another office")}
STATUS_LABELS = {
    "received": _l("Received"), "in_progress": _l("In progress"), "awaiting_documents": _l("Awaiting documents"),
    "attached": _l("Attached to case file"), "rejected": _l("Rejected"), "closed": _l("Closed"),
}


@bp.app_template_global()
def role_label(role: str) -> str:
    return str(ROLE_LABELS.get(role, role))


@bp.app_template_global()
def channel_label(channel: str) -> str:
    return str(CHANNEL_LABELS.get(channel, channel))


@bp.app_template_global()
def submission_status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


# What a document's readable copy changed (models.CopyReason); an image's PDF needs no note.
COPY_NOTES = {
    "password_removed": _l("copy without the password protection"),
    "form_scripts_removed": _l("copy without the form's scripts"),
    "password_and_scripts_removed": _l("copy without the password protection and the form's scripts"),
}


@bp.app_template_global()
def copy_note(reason: str | None) -> str:
    return str(COPY_NOTES.get(reason, "")) if reason else ""

from portal.backoffice import appointments, audit_views, auth, casefiles, casework, lookup, queue, statistics, views  # noqa: E402,F401  (routes register on bp)
from portal.backoffice import inbound_mail, mail_follow_ups  # noqa: E402,F401  (routes register on bp)
from portal.backoffice import scan_batches  # noqa: E402,F401  (scanned paper files)
from portal.backoffice import content_edit, content_items, content_media  # noqa: E402,F401  (portal content)
from portal.backoffice import api_clients  # noqa: E402,F401  (systems using the API)
from portal.backoffice import labels  # noqa: E402,F401  (codes in words: languages, the audit trail)
from portal.backoffice import document_requests  # noqa: E402,F401  (asking for documents, the conversation)
from portal.backoffice import invitations  # noqa: E402,F401  (inviting an applicant to book)
from portal.backoffice import form_translations  # noqa: E402,F401  (online forms: translations, preview, comparison)
from portal.backoffice import form_editor, form_fields, form_slots, form_versions  # noqa: E402,F401  (form editor)
