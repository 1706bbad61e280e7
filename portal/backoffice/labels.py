"""Codes as staff read them: the applicant's language by its name, and the audit trail's
actions and object types in words ("login_failed" is "Anmeldung fehlgeschlagen")."""
from __future__ import annotations

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from portal.backoffice import bp

# Every action the code records (tests/unit/test_audit_labels.py finds them in the code).
AUDIT_ACTION_LABELS = {
    "view": _l("Viewed"),
    "view_document": _l("Document viewed"),
    "download": _l("Downloaded"),
    "lookup": _l("Phone-desk lookup"),
    "change": _l("Changed"),
    "create": _l("Created"),
    "attach": _l("Attached to case file"),
    "claim": _l("Claimed"),
    "release": _l("Claim released"),
    "reject": _l("Rejected"),
    "close": _l("Closed"),
    "in_progress": _l("Taken into work"),
    "request_documents": _l("Documents requested"),
    "print_request_letter": _l("Letter requesting documents printed"),
    "answer_request": _l("Applicant answered a request for documents"),
    "remind_request": _l("Reminder of a request's deadline sent"),
    "note": _l("Note written"),
    "denied": _l("Access refused"),
    "login": _l("Signed in"),
    "login_failed": _l("Sign-in failed"),
    "logout": _l("Signed out"),
    "session_expired": _l("Session expired"),
    "ended_session_refused": _l("Ended session refused"),
    "totp_enrol": _l("Second factor set up"),
    "totp_reset": _l("Second factor reset"),
    "password_changed": _l("Password changed"),
    "role_changed": _l("Role changed"),
    "account_deactivated": _l("Account deactivated"),
    "account_activated": _l("Account activated"),
    "revoke": _l("Access revoked"),
    "import": _l("Scan delivery imported"),
    "process_again": _l("Mail processed again"),
    "dismiss": _l("Mail dismissed"),
    "add_named_mail": _l("Mail added to submission"),
    "book": _l("Appointment booked"),
    "invite_to_appointment": _l("Invited to book an appointment"),
    "book_by_invitation": _l("Appointment booked through an invitation"),
    "cancel": _l("Appointment cancelled"),
    "check_in": _l("Arrival recorded"),
    "no_show": _l("No-show recorded"),
    "reset_attendance": _l("Attendance reset"),
    "add_closure": _l("Closure day added"),
    "remove_closure": _l("Closure day removed"),
    "retention_delete": _l("Deleted under the retention rules"),
    "content_create": _l("Content created"),
    "content_edit": _l("Content edited"),
    "content_submit": _l("Content submitted for review"),
    "content_retract": _l("Content withdrawn from review"),
    "content_publish": _l("Content published"),
    "content_reject": _l("Content sent back"),
    "content_expire": _l("Content taken offline"),
    "content_restore": _l("Content version restored"),
    "content_settings": _l("Content settings changed"),
    "content_menu": _l("Menu changed"),
    "content_media_upload": _l("Image or PDF uploaded for content"),
    "form_create": _l("Form version created"),
    "form_edit": _l("Form version changed"),
    "form_submit": _l("Form version submitted for review"),
    "form_retract": _l("Form version withdrawn from review"),
    "form_publish": _l("Form version published"),
    "form_reject": _l("Form version sent back"),
    "form_restore": _l("Earlier form version restored"),
    "virus_found": _l("Malware found by the virus scanner"),
    "transfer_import": _l("Case file of another office taken in (xdomea)"),
}

AUDIT_OBJECT_LABELS = {
    "case_file": _l("Case file"),
    "submission": _l("Submission"),
    "document": _l("Document"),
    "booking": _l("Appointment"),
    "day_list": _l("Day list"),
    "staff_user": _l("Staff account"),
    "search": _l("Search query"),
    "audit_log": _l("Audit trail"),
    "inbound_mail": _l("Inbound mail"),
    "scan_batch": _l("Scan delivery"),
    "content": _l("Content"),
    "content_media": _l("Content image or PDF"),
    "form_version": _l("Online form version"),
    "site_booking_rules": _l("Booking rules"),
    "service_counters": _l("Counters per service"),
    "site_closure": _l("Closure day"),
    "application_draft": _l("Online application (draft)"),
    "document_request": _l("Request for documents"),
    "upload": _l("Uploaded file"),
    "api": _l("Interface (API)"),
    "api_client": _l("API access"),
}


@bp.app_template_global()
def audit_action_label(action: str) -> str:
    """In words; an action without a label (written by a newer version) shows its code."""
    return str(AUDIT_ACTION_LABELS.get(action, action))


@bp.app_template_global()
def audit_object_label(object_type: str) -> str:
    return str(AUDIT_OBJECT_LABELS.get(object_type, object_type)) if object_type else ""


@bp.app_template_global()
def language_name(code: str) -> str:
    """The applicant's language by its name in the language of the back office ("Ukrainisch")."""
    if not code:
        return ""
    locale = get_locale()
    name = locale.languages.get(code) if locale is not None else None
    return name or code


@bp.app_template_global()
def audit_action_choices(chosen: str = "") -> list[tuple[str, str]]:
    """The actions for the trail's filter, by their words; one chosen in a link that has no
    label (yet) is kept as it is."""
    return _choices(AUDIT_ACTION_LABELS, chosen)


@bp.app_template_global()
def audit_object_choices(chosen: str = "") -> list[tuple[str, str]]:
    return _choices(AUDIT_OBJECT_LABELS, chosen)


def _choices(labels: dict, chosen: str) -> list[tuple[str, str]]:
    choices = sorted(((code, str(label)) for code, label in labels.items()), key=lambda item: item[1].casefold())
    if chosen and chosen not in labels:
        choices.append((chosen, chosen))
    return choices
