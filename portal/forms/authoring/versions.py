"""The office's versions of a service's form: make one, change it while it is a draft, move it
through the content's workflow (portal.content.workflow), restore an earlier one.

Every function writes the audit entry of its change ("form_<action>", object "form_version",
the service code as object id, the version in the detail) and leaves the commit to the caller.
`staff` None is the command line (an operator with the server's shell), recorded as such;
moving a version through the workflow always needs a person with the role for it.

A published version never changes: a change is a new version, numbered on from the service's
newest one (the shipped file is version 1). Publishing refuses a definition with problems
(portal.forms.authoring.check) and a version older than the one published already.
"""
from __future__ import annotations

import copy
import hashlib
import re
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.audit import record
from portal.content import workflow
from portal.content.workflow import WorkflowRefused
from portal.forms.definitions.store import definition_of, newest_number
from portal.models import Service, StaffUser
from portal.models._types import utcnow
from portal.models.content import WorkflowState
from portal.models.form import FormVersion

CODE = re.compile(r"[a-z][a-z0-9_-]{0,59}")
NOTE_LIMIT = 1000
# The workflow's transitions a form version has (a form is superseded by a newer one, never expired),
# and the audit action of each.
ACTIONS = {"submit": "form_submit", "retract": "form_retract", "publish": "form_publish", "reject": "form_reject"}
COMMAND_LINE = "command line"


class FormVersionRefused(ValueError):
    """A change refused: `code` names why, `message` says it (a lazy string), `problems` lists
    what is wrong with a definition that cannot be published."""

    def __init__(self, code: str, message, problems: list | tuple = ()):
        super().__init__(code)
        self.code = code
        self.message = message
        self.problems = list(problems)

    def __str__(self) -> str:
        return str(self.message)


def problems_of(definition: dict) -> list:
    """What is wrong with a definition, in words an editor can act on (empty: nothing); each a
    portal.forms.authoring.check.Problem (`where` in the definition, `message`)."""
    from portal.forms.authoring.check import problems

    return list(problems(definition))


def _audit(session: Session, action: str, version: FormVersion, staff: StaffUser | None, client_address: str,
           via: str = "", **detail) -> None:
    detail = {"version": version.number, "state": version.state, **detail}
    if staff is None:
        detail["by"] = COMMAND_LINE
    elif via:
        detail["via"] = via
    record(session, action, staff=staff, object_type="form_version", object_id=version.service_code,
           client_address=client_address, detail=detail)


def _may_edit(staff: StaffUser | None) -> None:
    if staff is not None and not (staff.is_active_account and workflow.can_edit(staff.role)):
        raise FormVersionRefused("not_allowed", _l("Your role may not change online forms."))


def _checked(code: str, definition, note: str | None) -> tuple[dict, str | None]:
    if not isinstance(definition, dict):
        raise FormVersionRefused("not_a_definition", _l("A form definition is a JSON object."))
    if not CODE.fullmatch(code or ""):
        raise FormVersionRefused("code_invalid", _l(
            "A service code consists of lower-case letters, digits, “_” and “-”, starts with a letter and has "
            "at most 60 characters."))
    if definition.get("code") != code:
        raise FormVersionRefused("code_mismatch", _l(
            "The definition is the form of “%(found)s”, not of “%(code)s”.", found=definition.get("code"), code=code))
    if note is not None:
        note = note.replace("\r\n", "\n").strip()
        if len(note) > NOTE_LIMIT:
            raise FormVersionRefused("note_too_long", _l("The note on the change is too long."))
    # A copy of its own: the caller's dict (or a shipped definition) is not shared with the row.
    return copy.deepcopy(definition), note


def _lock_service(session: Session, code: str) -> None:
    """One new version of a service at a time (PostgreSQL; SQLite's single writer orders them),
    so that two at once do not both take the next number."""
    if session.get_bind().dialect.name == "postgresql":
        key = int.from_bytes(hashlib.sha256(f"form_version:{code}".encode()).digest()[:8], "big", signed=True)
        session.execute(select(func.pg_advisory_xact_lock(key)))


def _make(session: Session, code: str, definition: dict, staff: StaffUser | None, note: str,
          based_on: int | None, now: datetime) -> FormVersion:
    _lock_service(session, code)
    version = FormVersion(service_code=code, number=newest_number(session, code) + 1, definition=definition,
                          state=WorkflowState.PRIVATE.value, based_on=based_on, note=note, created_at=now,
                          changed_at=now, created_by_id=staff.id if staff is not None else None)
    session.add(version)
    session.flush()
    return version


def new_version(session: Session, code: str, definition: dict, staff: StaffUser | None, *, note: str = "",
                based_on: int | None = None, now: datetime | None = None, client_address: str = "") -> FormVersion:
    """A new private version of the service's form (or the first of a new service), numbered on
    from its newest version; `based_on` names the version it was made from."""
    _may_edit(staff)
    definition, note = _checked(code, definition, note or "")
    if based_on is not None and definition_of(session, code, based_on) is None:
        raise _unknown(code, based_on)
    version = _make(session, code, definition, staff, note, based_on, now or utcnow())
    _audit(session, "form_create", version, staff, client_address, based_on=based_on)
    return version


def change_definition(session: Session, version: FormVersion, definition: dict, staff: StaffUser | None,
                      note: str | None = None, *, now: datetime | None = None,
                      client_address: str = "") -> FormVersion:
    """A draft's definition (and note, unless None) changed in place. A version pending review
    becomes private again: what was submitted is not what is there now."""
    _may_edit(staff)
    if version.state == WorkflowState.PUBLISHED:
        raise _published(version)
    definition, note = _checked(version.service_code, definition, note)
    if definition == version.definition and (note is None or note == version.note):
        return version
    version.definition = definition
    if note is not None:
        version.note = note
    version.state = WorkflowState.PRIVATE.value
    version.changed_at = now or utcnow()
    session.flush()
    _audit(session, "form_edit", version, staff, client_address)
    return version


def transition(session: Session, version: FormVersion, action: str, staff: StaffUser, *,
               now: datetime | None = None, client_address: str = "", via: str = "") -> FormVersion:
    """Submit, retract, publish or reject the version, with the roles of the content's workflow:
    editors submit and retract, team leads and admins also publish and reject. `via` says how the
    person acted when it was not in the back office (e.g. "command line")."""
    if action not in ACTIONS:
        raise FormVersionRefused("unknown_action", _l("“%(action)s” is not a step of the workflow.", action=action))
    if not staff.is_active_account:
        raise FormVersionRefused("not_allowed", _l("Your role may not do this."))
    if version.state == WorkflowState.PUBLISHED:
        raise _published(version)
    try:
        step = workflow.check(action, version.state, staff.role)
    except WorkflowRefused as refused:
        if refused.code == "not_allowed":
            raise FormVersionRefused("not_allowed", _l("Your role may not do this.")) from refused
        raise FormVersionRefused("wrong_state", _l(
            "Version %(number)s cannot take this step in its present state.", number=version.number)) from refused
    now = now or utcnow()
    if action == "publish":
        newer = session.scalar(select(func.max(FormVersion.number)).where(
            FormVersion.service_code == version.service_code, FormVersion.state == WorkflowState.PUBLISHED,
            FormVersion.number > version.number))
        if newer is not None:
            raise FormVersionRefused("superseded", _l(
                "Version %(newer)s is published already; restore version %(number)s to make it current again.",
                newer=newer, number=version.number))
        found = problems_of(version.definition)
        if found:
            raise FormVersionRefused("problems", _l("The form has problems and cannot be published."), found)
        version.published_at = now
        version.published_by_id = staff.id
        _offer_service(session, version)
    version.state = step.target.value
    session.flush()
    _audit(session, ACTIONS[action], version, staff, client_address, via=via)
    return version


def _offer_service(session: Session, version: FormVersion) -> None:
    """The service's row names the published version; a new service gets its row (active), so that
    it is listed and takes applications. What an admin set on an existing row (appointment length,
    active) stays."""
    service = session.scalar(select(Service).where(Service.code == version.service_code))
    described = version.definition["service"]
    if service is None:
        service = Service(code=version.service_code, appointment_minutes=int(described["appointment_minutes"]),
                          needs_appointment=bool(described["needs_appointment"]), is_active=True)
        session.add(service)
    service.name_de = described["name_de"]
    service.has_online_form = True
    service.form_version = version.number


def restore(session: Session, code: str, number: int, staff: StaffUser | None, *, now: datetime | None = None,
            client_address: str = "") -> FormVersion:
    """An earlier version's definition as a new private version (based on it), to be published."""
    _may_edit(staff)
    definition = definition_of(session, code, number)
    if definition is None:
        raise _unknown(code, number)
    definition, note = _checked(code, definition, f"← {number}")
    version = _make(session, code, definition, staff, note, number, now or utcnow())
    _audit(session, "form_restore", version, staff, client_address, restored_from=number)
    return version


def _published(version: FormVersion) -> FormVersionRefused:
    return FormVersionRefused("published", _l(
        "Version %(number)s is published and never changes: make a new version.", number=version.number))


def _unknown(code: str, number: int) -> FormVersionRefused:
    return FormVersionRefused("version_unknown", _l(
        "The form of “%(code)s” has no version %(number)s.", code=code, number=number))
