"""The office's online forms in the back office: the list of services with a form, a new service's
form, a service's versions (a new version to edit, restoring one, comparing two) and the workflow
of a version (submit, retract, publish, reject). Changing a version's structure: form_editor.py
and form_fields.py. Every change goes through portal.forms.authoring.versions, which audits it
and refuses what a role or a state does not allow (publishing is for team leads and admins)."""
from __future__ import annotations

from dataclasses import dataclass

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from portal.backoffice import bp
from portal.backoffice.content_items import STATE_LABELS
from portal.backoffice.guard import EDITORS, requires_role
from portal.content import workflow
from portal.extensions import db
from portal.forms.authoring import editing, versions
from portal.forms.authoring.editing import EditRefused
from portal.forms.authoring.versions import FormVersionRefused
from portal.forms.definitions.shipped import shipped
from portal.forms.definitions.store import (
    SHIPPED_VERSION, definition_of, every_service, newest_number, row_of, service_codes, versions_of,
)
from portal.models import FormVersion
from portal.models.content import WorkflowState

PUBLISHED = WorkflowState.PUBLISHED.value
ACTIONS = tuple(versions.ACTIONS)
LARGEST_NUMBER = 2**31 - 1  # a version number the database can hold
ACTION_PATTERN = f"<any({','.join(ACTIONS)}):action>"


@dataclass(frozen=True)
class Loaded:
    """One version of a service's form as the editor reads it (the shipped version has no row)."""
    code: str
    number: int
    definition: dict
    state: str
    row: FormVersion | None

    @property
    def editable(self) -> bool:
        return self.row is not None and self.state != PUBLISHED


def load_version(code: str, number: int) -> Loaded:
    if number > LARGEST_NUMBER:
        abort(404)
    row = row_of(db.session, code, number)
    if row is not None:
        return Loaded(code, number, row.definition, row.state, row)
    if number == SHIPPED_VERSION and code in shipped():
        return Loaded(code, number, shipped()[code], PUBLISHED, None)
    abort(404)


def client_address() -> str:
    return request.remote_addr or ""


def refused(exc: FormVersionRefused | EditRefused) -> None:
    db.session.rollback()
    flash(str(exc.message), "error")


def service_name(definition: dict | None, code: str) -> str:
    service = (definition or {}).get("service")
    return str(service.get("name_de") or code) if isinstance(service, dict) else code


@bp.get("/forms/")
@requires_role(*EDITORS)
def form_list():
    rows = []
    for code, (found, definition) in every_service(db.session).items():
        newest = found[0] if found else None
        published = next((version for version in found if version.state == PUBLISHED), None)
        rows.append({"code": code, "name": service_name(definition, code) if newest else code, "newest": newest,
                     "published": published, "shipped": code in shipped()})
    rows.sort(key=lambda row: row["name"].casefold())
    return render_template("backoffice/forms/list.html", rows=rows,
                           may_edit=workflow.can_edit(current_user.role))


@bp.route("/forms/new", methods=["GET", "POST"])
@requires_role(*EDITORS)
def form_new():
    values = {"code": "", "name_de": ""}
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = {key: request.form.get(key, "").strip() for key in values}
        try:
            if values["code"] in service_codes(db.session):
                raise EditRefused(_("The service “%(code)s” has an online form already: make a new version of it.",
                                    code=values["code"]), "code")
            definition = editing.new_definition(values["code"], values["name_de"])
            version = versions.new_version(db.session, values["code"], definition, current_user,
                                           client_address=client_address())
        except EditRefused as exc:
            db.session.rollback()
            errors["code" if exc.where == "code" else "name_de"] = str(exc.message)
        except FormVersionRefused as exc:
            db.session.rollback()
            errors["code"] = str(exc.message)
        else:
            db.session.commit()
            flash(_("Online form created as version %(number)s (private draft).", number=version.number), "success")
            return redirect(url_for("backoffice.form_version", code=version.service_code, number=version.number))
    return render_template("backoffice/forms/new.html", values=values, errors=errors), 400 if errors else 200


@bp.get("/forms/<code>/")
@requires_role(*EDITORS)
def form_history(code: str):
    found = versions_of(db.session, code)
    if not found:
        abort(404)
    newest = found[0]
    return render_template("backoffice/forms/history.html", code=code, versions=found, newest=newest,
                           name=service_name(definition_of(db.session, code, newest.number), code),
                           compare_url=url_for("backoffice.form_compare", code=code),
                           may_edit=workflow.can_edit(current_user.role))


@bp.post("/forms/<code>/new-version")
@requires_role(*EDITORS)
def form_new_version(code: str):
    newest = newest_number(db.session, code)
    definition = definition_of(db.session, code, newest) if newest else None
    if definition is None:
        abort(404)
    try:
        version = versions.new_version(db.session, code, definition, current_user, based_on=newest,
                                       client_address=client_address())
    except FormVersionRefused as exc:
        refused(exc)
        return redirect(url_for("backoffice.form_history", code=code))
    db.session.commit()
    flash(_("Version %(number)s made from version %(old)s (private draft).", number=version.number, old=newest),
          "success")
    return redirect(url_for("backoffice.form_version", code=code, number=version.number))


@bp.post("/forms/<code>/restore")
@requires_role(*EDITORS)
def form_restore(code: str):
    number = request.form.get("number", "")
    if not versions_of(db.session, code):
        abort(404)
    try:
        if not (number.isdigit() and len(number) <= 9):
            raise FormVersionRefused("version_unknown", _("There is no such version."))
        version = versions.restore(db.session, code, int(number), current_user, client_address=client_address())
    except FormVersionRefused as exc:
        refused(exc)
        return redirect(url_for("backoffice.form_history", code=code))
    db.session.commit()
    flash(_("Version %(old)s restored as version %(new)s (private draft).", old=number, new=version.number), "success")
    return redirect(url_for("backoffice.form_version", code=code, number=version.number))


@bp.post(f"/forms/<code>/<int:number>/{ACTION_PATTERN}")
@requires_role(*EDITORS)
def form_transition(code: str, number: int, action: str):
    loaded = load_version(code, number)
    try:
        if loaded.row is None:
            raise FormVersionRefused("published", _(
                "Version %(number)s is published and never changes: make a new version.", number=number))
        version = versions.transition(db.session, loaded.row, action, current_user, client_address=client_address())
    except FormVersionRefused as exc:
        refused(exc)
        if exc.problems:
            flash(ngettext("%(num)s problem is listed at the top of the version.",
                           "%(num)s problems are listed at the top of the version.", len(exc.problems)), "error")
    else:
        db.session.commit()
        flash(_("Done: %(state)s.", state=STATE_LABELS.get(version.state, version.state)), "success")
    return redirect(url_for("backoffice.form_version", code=code, number=number))
