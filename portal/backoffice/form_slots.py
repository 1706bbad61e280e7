"""The form editor's pages for the document slots of a version: add, change (German label and
hint, required, number of files, when it is asked for), move and remove. See form_editor.py for
how changes are saved; a slot's key is its stable identifier and is given only when it is added."""
from __future__ import annotations

from flask import request
from flask_babel import gettext as _

from portal.backoffice import bp, form_words
from portal.backoffice.form_editor import (
    VERSION, act, condition_from_form, condition_values, offset, overview, page, read_only, save,
)
from portal.backoffice.form_versions import Loaded, load_version, refused
from portal.backoffice.guard import EDITORS, requires_role
from portal.forms.authoring import editing, rule_editing
from portal.forms.authoring.editing import EditRefused


def _slot_values(definition: dict, slot: dict | None) -> dict:
    slot = slot or {}
    return {"key": slot.get("key", ""), "label": form_words.german(slot.get("label")),
            "hint": form_words.german(slot.get("hint")), "required": slot.get("required", True),
            "max_files": slot.get("max_files", 3), **condition_values(definition, slot.get("show_if"))}


def _submitted_slot(values: dict, new: bool) -> tuple[str, list[dict], bool]:
    form = request.form
    values.update({"label": form.get("label", ""), "hint": form.get("hint", ""),
                   "required": form.get("required") == "yes", "max_files": form.get("max_files", "")})
    if new:
        values["key"] = form.get("key", "")
    return condition_from_form(values)


def _slot_page(loaded: Loaded, values: dict, errors: dict, new: bool):
    return page("slot.html", loaded, 400 if errors else 200, values=values, errors=errors, new=new,
                fields=editing.nameable_fields(loaded.definition, "slot", None))


@bp.route(f"{VERSION}/add-slot", methods=["GET", "POST"])
@requires_role(*EDITORS)
def form_slot_new(code: str, number: int):
    loaded = load_version(code, number)
    if not loaded.editable:
        return read_only(loaded)
    values, errors = _slot_values(loaded.definition, None), {}
    if request.method == "POST":
        combine, rows, _replace = _submitted_slot(values, True)
        try:
            definition = editing.add_slot(loaded.definition, {key: values[key] for key in (
                "key", "label", "hint", "required", "max_files")})
            definition = rule_editing.set_slot_condition(definition, values["key"].strip(), rows, combine)
        except EditRefused as exc:
            errors[exc.where or "key"] = str(exc.message)
        else:
            return save(loaded, definition, _("The document is added."), f"slot-{values['key'].strip()}")
    return _slot_page(loaded, values, errors, True)


@bp.route(f"{VERSION}/slots/<key>", methods=["GET", "POST"])
@requires_role(*EDITORS)
def form_slot(code: str, number: int, key: str):
    loaded = load_version(code, number)
    if not loaded.editable:
        return read_only(loaded)
    try:
        slot = editing.slots_of(loaded.definition)[editing.slot_index(loaded.definition, key)]
    except EditRefused as exc:
        refused(exc)
        return overview(loaded)
    values, errors = _slot_values(loaded.definition, slot), {}
    if request.method == "POST":
        combine, rows, replace = _submitted_slot(values, False)
        try:
            definition = editing.update_slot(loaded.definition, key, {name: values[name] for name in (
                "label", "hint", "required", "max_files")})
            if replace:
                definition = rule_editing.set_slot_condition(definition, key, rows, combine)
        except EditRefused as exc:
            errors[exc.where or "label"] = str(exc.message)
        else:
            return save(loaded, definition, _("The document is saved."), f"slot-{key}")
    return _slot_page(loaded, values, errors, False)


@bp.post(f"{VERSION}/slots/<key>/move")
@requires_role(*EDITORS)
def form_slot_move(code: str, number: int, key: str):
    return act(code, number, lambda definition: editing.move_slot(definition, key, offset()),
               _("The document is moved."), f"slot-{key}")


@bp.post(f"{VERSION}/slots/<key>/remove")
@requires_role(*EDITORS)
def form_slot_remove(code: str, number: int, key: str):
    return act(code, number, lambda definition: editing.remove_slot(definition, key), _("The document is removed."),
               "documents")
