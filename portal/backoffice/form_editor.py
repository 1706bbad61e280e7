"""The back office's form editor: one version of a service's form in words (its settings, steps,
fields, document slots, the declaration, what the check finds), and the pages that change the
service settings and the steps (fields and rules: form_fields.py; document slots: form_slots.py).

Every change is made by portal.forms.authoring.editing on the version's definition and saved
with versions.change_definition (audited; a published version is refused: it never changes),
then the browser goes back to the overview (post/redirect/get). Input that cannot be right comes
back on its page with the message next to its field (400). Texts are plain text: templates escape."""
from __future__ import annotations

from typing import Callable

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.backoffice import bp, form_words
from portal.backoffice.form_versions import (
    PUBLISHED, Loaded, client_address, load_version, refused, service_name,
)
from portal.backoffice.guard import EDITORS, requires_role
from portal.config import LANGUAGES
from portal.content import workflow
from portal.extensions import db
from portal.forms.authoring import editing, rule_editing, versions
from portal.forms.authoring.check import problems
from portal.forms.authoring.editing import EditRefused
from portal.forms.authoring.versions import FormVersionRefused
from portal.forms.definitions.store import newest_number
from portal.forms.definitions.texts import SOURCE

VERSION = "/forms/<code>/<int:number>"
CONDITION_ROWS = 3
MOVES = {"up": -1, "down": 1}


# -- shared by the editor's pages ---------------------------------------------------------------

def overview(loaded: Loaded, anchor: str | None = None):
    return redirect(url_for("backoffice.form_version", code=loaded.code, number=loaded.number, _anchor=anchor))


def read_only(loaded: Loaded):
    flash(_("Version %(number)s is published and never changes: make a new version.", number=loaded.number), "error")
    return overview(loaded)


def save(loaded: Loaded, definition: dict, message: str, anchor: str | None = None):
    """The changed definition saved to the version, then back to the overview."""
    try:
        versions.change_definition(db.session, loaded.row, definition, current_user, client_address=client_address())
    except FormVersionRefused as exc:
        refused(exc)
    else:
        db.session.commit()
        flash(message, "success")
    return overview(loaded, anchor)


def act(code: str, number: int, change: Callable[[dict], dict], message: str, anchor: str | None = None):
    """A button's change (move, remove): refused with a message, else saved."""
    loaded = load_version(code, number)
    if not loaded.editable:
        return read_only(loaded)
    try:
        definition = change(loaded.definition)
    except EditRefused as exc:
        refused(exc)
        return overview(loaded, anchor)
    return save(loaded, definition, message, anchor)


def offset() -> int:
    direction = request.form.get("direction", "")
    if direction not in MOVES:
        raise EditRefused(_("An item moves one place up or down."))
    return MOVES[direction]


def condition_values(definition: dict, condition) -> dict:
    """The condition as the rows of the editor's form; `complex` (with the condition in words) when
    it is more than rows can show: it then stays unless the editor replaces it."""
    shown = rule_editing.condition_rows(condition)
    combine, rows = shown if shown is not None else ("all", [])
    rows = rows + [{"field": "", "operator": "equals", "value": ""}] * (CONDITION_ROWS - len(rows))
    return {"combine": combine, "rows": rows, "complex": shown is None,
            "words": form_words.condition_words(definition, condition) if shown is None else ""}


def condition_from_form(values: dict) -> tuple[str, list[dict], bool]:
    """(combine, rows, whether to set them): a condition the rows cannot show stays unless replaced."""
    form = request.form
    rows = [{"field": form.get(f"cond-{index}-field", ""), "operator": form.get(f"cond-{index}-operator", ""),
             "value": form.get(f"cond-{index}-value", "")} for index in range(CONDITION_ROWS)]
    combine = form.get("combine", "all")
    values.update({"combine": combine, "rows": rows, "replace": form.get("replace_condition") == "yes"})
    return combine, rows, not values["complex"] or values["replace"]


def page(template: str, loaded: Loaded, status: int, **context):
    return render_template(f"backoffice/forms/{template}", loaded=loaded, code=loaded.code, number=loaded.number,
                           name=service_name(loaded.definition, loaded.code), german=form_words.german,
                           operators=form_words.OPERATOR_LABELS, **context), status


# -- the overview -------------------------------------------------------------------------------

@bp.get(VERSION)
@requires_role(*EDITORS)
def form_version(code: str, number: int):
    loaded = load_version(code, number)
    definition = loaded.definition
    languages = [language for language in LANGUAGES if language != SOURCE]
    translate = {lang: url_for("backoffice.form_translate", code=code, number=number, lang=lang)
                 for lang in languages}
    found = []
    for problem in problems(definition):
        # A translation's problem is mended on the translation page, any other on the item's page.
        language = problem.where.rsplit(".", 1)[-1]
        endpoint, arguments = form_words.link_of(definition, problem.where)
        url = translate.get(language) or url_for(endpoint, code=code, number=number, **arguments)
        found.append({"where": form_words.where_words(definition, problem.where), "message": str(problem.message),
                      "url": url if loaded.editable else None})
    transitions = [action for action in workflow.available(loaded.state, current_user.role)
                   if action in versions.ACTIONS] if loaded.row is not None else []
    return render_template(
        "backoffice/forms/version.html", loaded=loaded, code=code, number=number, definition=definition,
        name=service_name(definition, code), problems=found, transitions=transitions,
        newest=newest_number(db.session, code), counts=form_words.translation_counts(definition),
        translate=translate,
        preview={lang: url_for("backoffice.form_preview", code=code, number=number, lang=lang)
                 for lang in LANGUAGES},
        words=form_words, german=form_words.german, kinds=form_words.KIND_LABELS, published=PUBLISHED)


# -- the service's settings and the declaration -------------------------------------------------

SERVICE_TEXTS = ("name_de", "summary", "audience", "declaration")  # name_de is the German title too


@bp.route(f"{VERSION}/service", methods=["GET", "POST"])
@requires_role(*EDITORS)
def form_service(code: str, number: int):
    loaded = load_version(code, number)
    if not loaded.editable:
        return read_only(loaded)
    service = loaded.definition.get("service") or {}
    values = {"name_de": service.get("name_de") or "", "summary": form_words.german(service.get("summary")),
              "audience": form_words.german(service.get("audience")),
              "declaration": form_words.german(loaded.definition.get("declaration")),
              "needs_appointment": bool(service.get("needs_appointment")),
              "appointment_minutes": service.get("appointment_minutes", ""), "position": service.get("position", 50)}
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = request.form
        values = {**{key: form.get(key, "") for key in SERVICE_TEXTS}, "needs_appointment": form.get(
            "needs_appointment") == "yes", "appointment_minutes": form.get("appointment_minutes", ""),
            "position": form.get("position", "")}
        try:
            definition = editing.update_service(loaded.definition, {
                key: values[key] for key in values if key != "declaration"})
            definition = editing.set_german_text(definition, ("declaration",), values["declaration"])
        except EditRefused as exc:
            errors[exc.where or "name_de"] = str(exc.message)
        else:
            return save(loaded, definition, _("The service's settings are saved."), "service")
    return page("service.html", loaded, 400 if errors else 200, values=values, errors=errors)


# -- steps --------------------------------------------------------------------------------------

def _step_page(loaded: Loaded, values: dict, errors: dict, fields: list, new: bool):
    return page("step.html", loaded, 400 if errors else 200, values=values, errors=errors, fields=fields, new=new)


@bp.route(f"{VERSION}/add-step", methods=["GET", "POST"])
@requires_role(*EDITORS)
def form_step_new(code: str, number: int):
    loaded = load_version(code, number)
    if not loaded.editable:
        return read_only(loaded)
    fields = editing.nameable_fields(loaded.definition, "step", None)
    values = {"key": "", "title": "", "intro": "", **condition_values(loaded.definition, None)}
    errors: dict[str, str] = {}
    if request.method == "POST":
        values.update({key: request.form.get(key, "") for key in ("key", "title", "intro")})
        combine, rows, _replace = condition_from_form(values)
        try:
            definition = editing.add_step(loaded.definition, {key: values[key] for key in ("key", "title", "intro")})
            definition = rule_editing.set_step_condition(definition, values["key"].strip(), rows, combine)
        except EditRefused as exc:
            errors[exc.where or "key"] = str(exc.message)
        else:
            return save(loaded, definition, _("The step is added."), f"step-{values['key'].strip()}")
    return _step_page(loaded, values, errors, fields, True)


@bp.route(f"{VERSION}/steps/<key>", methods=["GET", "POST"])
@requires_role(*EDITORS)
def form_step(code: str, number: int, key: str):
    loaded = load_version(code, number)
    if not loaded.editable:
        return read_only(loaded)
    try:
        step = editing.steps_of(loaded.definition)[editing.step_index(loaded.definition, key)]
    except EditRefused as exc:
        refused(exc)
        return overview(loaded)
    fields = editing.nameable_fields(loaded.definition, "step", key)
    values = {"key": key, "title": form_words.german(step.get("title")), "intro": form_words.german(step.get("intro")),
              **condition_values(loaded.definition, step.get("show_if"))}
    errors: dict[str, str] = {}
    if request.method == "POST":
        values.update({name: request.form.get(name, "") for name in ("title", "intro")})
        combine, rows, replace = condition_from_form(values)
        try:
            definition = editing.update_step(loaded.definition, key, {"title": values["title"],
                                                                      "intro": values["intro"]})
            if replace:
                definition = rule_editing.set_step_condition(definition, key, rows, combine)
        except EditRefused as exc:
            errors[exc.where or "title"] = str(exc.message)
        else:
            return save(loaded, definition, _("The step is saved."), f"step-{key}")
    return _step_page(loaded, values, errors, fields, False)


@bp.post(f"{VERSION}/steps/<key>/move")
@requires_role(*EDITORS)
def form_step_move(code: str, number: int, key: str):
    return act(code, number, lambda definition: editing.move_step(definition, key, offset()), _("The step is moved."),
               f"step-{key}")


@bp.post(f"{VERSION}/steps/<key>/remove")
@requires_role(*EDITORS)
def form_step_remove(code: str, number: int, key: str):
    return act(code, number, lambda definition: editing.remove_step(definition, key), _("The step is removed."),
               "steps")
