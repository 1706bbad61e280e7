"""The form editor's pages for one field of a version: its settings (type, German label and hint,
required, length, choices, display, district check, autocomplete), when it is asked (condition
rows) and its rules (added and removed one at a time). See form_editor.py for how changes are
saved; a field's name is its stable identifier and is given only when it is added."""
from __future__ import annotations

from flask import render_template, request
from flask_babel import gettext as _
from flask_babel import ngettext

from portal.backoffice import bp, form_words
from portal.backoffice.form_editor import (
    VERSION, act, condition_from_form, condition_values, offset, overview, read_only, save,
)
from portal.backoffice.form_versions import Loaded, load_version, refused, service_name
from portal.backoffice.guard import EDITORS, requires_role
from portal.forms.authoring import editing, rule_editing
from portal.forms.authoring.check import DATE_KINDS
from portal.forms.authoring.editing import CHOICE_LIST_KINDS, EditRefused
from portal.forms.definitions.rules import PATTERNS, RULE_KINDS, TODAY

FIELD_INPUTS = ("type", "label", "hint", "max_length", "choices", "display", "autocomplete")
RULE_INPUTS = ("kind", "other", "from", "days", "min", "max", "pattern", "when_field", "when_operator", "when_value",
               "target", "message")
RULE_WHERE = {"when": "when_field", "field": "target"}  # editing's names → the page's inputs
CHOICES_LIMIT = 200


def _choices_text(field: dict) -> str:
    return "\n".join(f"{choice.get('value')} = {form_words.german(choice.get('label'))}"
                     for choice in field.get("choices") or [] if isinstance(choice, dict))


def parse_choices(text: str) -> list[dict]:
    """One choice a line, "value = label"; empty lines left out."""
    choices = []
    for line in text.replace("\r\n", "\n").split("\n"):
        if not line.strip():
            continue
        value, equals, label = line.partition("=")
        if not equals or not value.strip() or not label.strip():
            raise EditRefused(_("Write each choice on a line of its own as value = label, for example: married = "
                                "verheiratet."), "choices")
        choices.append({"value": value.strip(), "label": label.strip()})
    if len(choices) > CHOICES_LIMIT:
        raise EditRefused(ngettext("At most %(num)s choice.", "At most %(num)s choices.", CHOICES_LIMIT), "choices")
    return choices


def _field_values(definition: dict, field: dict) -> dict:
    return {"name": field.get("name", ""), "type": field.get("type", "text"),
            "label": form_words.german(field.get("label")), "hint": form_words.german(field.get("hint")),
            "required": field.get("required", True), "max_length": field.get("max_length", ""),
            "choices": _choices_text(field), "display": field.get("display", "radio"),
            "district_check": bool(field.get("district_check")), "autocomplete": field.get("autocomplete", ""),
            **condition_values(definition, field.get("show_if"))}


def _submitted_field(values: dict) -> dict:
    """The page's inputs into `values` (to show them again); the changes for editing.update_field."""
    form = request.form
    values.update({name: form.get(name, "") for name in FIELD_INPUTS})
    values.update({"required": form.get("required") == "yes", "district_check": form.get("district_check") == "yes"})
    changes = {name: values[name] for name in FIELD_INPUTS if name != "choices"}
    changes.update({"required": values["required"], "district_check": values["district_check"]})
    if values["type"] in CHOICE_LIST_KINDS:
        changes["choices"] = parse_choices(values["choices"])
    return changes


def _option(field: dict) -> tuple[str, str]:
    return str(field.get("name")), f"{form_words.german(field.get('label')) or field.get('name')} ({field.get('name')})"


def _rule_values() -> dict:
    return {name: "" for name in RULE_INPUTS} | {"when_operator": "equals", "other": TODAY}


def _field_page(loaded: Loaded, values: dict, errors: dict, *, step_at: int, new: bool, condition_fields: list,
                rule_values: dict | None = None, rule_errors: dict | None = None):
    name = values.get("name", "")
    earlier = [field for s, _p, field in editing.fields_in_order(loaded.definition) if s <= step_at
               and field.get("name") != name]
    field = editing.field_of(loaded.definition, name) if not new else {}
    status = 400 if errors or rule_errors else 200
    return render_template(
        "backoffice/forms/field.html", loaded=loaded, code=loaded.code, number=loaded.number,
        name=service_name(loaded.definition, loaded.code), values=values, errors=errors, new=new,
        step=editing.steps_of(loaded.definition)[step_at], fields=condition_fields,
        rule_options=[_option(other) for other in earlier],
        date_options=[_option(other) for other in earlier if other.get("type") in DATE_KINDS],
        rules=[form_words.rule_words(loaded.definition, rule) for rule in field.get("rules") or []],
        rule_values=rule_values or _rule_values(), rule_errors=rule_errors or {}, words=form_words,
        german=form_words.german, kinds=form_words.KIND_LABELS, operators=form_words.OPERATOR_LABELS,
        rule_kinds=RULE_KINDS, patterns=PATTERNS, autocompletes=editing.AUTOCOMPLETE, today=TODAY), status


@bp.route(f"{VERSION}/steps/<key>/add-field", methods=["GET", "POST"])
@requires_role(*EDITORS)
def form_field_new(code: str, number: int, key: str):
    loaded = load_version(code, number)
    if not loaded.editable:
        return read_only(loaded)
    try:
        step_at = editing.step_index(loaded.definition, key)
    except EditRefused as exc:
        refused(exc)
        return overview(loaded)
    fields = [field for s, _p, field in editing.fields_in_order(loaded.definition) if s <= step_at]
    values = {**_field_values(loaded.definition, {}), "name": ""}
    errors: dict[str, str] = {}
    if request.method == "POST":
        values["name"] = request.form.get("name", "")
        try:
            combine, rows, _replace = condition_from_form(values)
            changes = _submitted_field(values)
            definition = editing.add_field(loaded.definition, key, {"name": values["name"], **changes})
            definition = rule_editing.set_field_condition(definition, values["name"].strip(), rows, combine)
        except EditRefused as exc:
            errors[exc.where or "name"] = str(exc.message)
        else:
            return save(loaded, definition, _("The field is added."), f"field-{values['name'].strip()}")
    return _field_page(loaded, values, errors, step_at=step_at, new=True, condition_fields=fields)


def _existing(loaded: Loaded, name: str) -> tuple[dict, int] | None:
    try:
        return editing.field_of(loaded.definition, name), editing.field_place(loaded.definition, name)[0]
    except EditRefused as exc:
        refused(exc)
        return None


@bp.route(f"{VERSION}/fields/<name>", methods=["GET", "POST"])
@requires_role(*EDITORS)
def form_field(code: str, number: int, name: str):
    loaded = load_version(code, number)
    if not loaded.editable:
        return read_only(loaded)
    found = _existing(loaded, name)
    if found is None:
        return overview(loaded)
    field, step_at = found
    values, errors = _field_values(loaded.definition, field), {}
    if request.method == "POST":
        try:
            combine, rows, replace = condition_from_form(values)
            changes = _submitted_field(values)
            definition = editing.update_field(loaded.definition, name, changes)
            if replace:
                definition = rule_editing.set_field_condition(definition, name, rows, combine)
        except EditRefused as exc:
            errors[exc.where or "label"] = str(exc.message)
        else:
            return save(loaded, definition, _("The field is saved."), f"field-{name}")
    return _field_page(loaded, values, errors, step_at=step_at, new=False,
                       condition_fields=editing.nameable_fields(loaded.definition, "field", name))


@bp.post(f"{VERSION}/fields/<name>/move")
@requires_role(*EDITORS)
def form_field_move(code: str, number: int, name: str):
    return act(code, number, lambda definition: editing.move_field(definition, name, offset()),
               _("The field is moved."), f"field-{name}")


@bp.post(f"{VERSION}/fields/<name>/remove")
@requires_role(*EDITORS)
def form_field_remove(code: str, number: int, name: str):
    return act(code, number, lambda definition: editing.remove_field(definition, name), _("The field is removed."),
               "steps")


@bp.post(f"{VERSION}/fields/<name>/rules")
@requires_role(*EDITORS)
def form_rule_add(code: str, number: int, name: str):
    loaded = load_version(code, number)
    if not loaded.editable:
        return read_only(loaded)
    found = _existing(loaded, name)
    if found is None:
        return overview(loaded)
    field, step_at = found
    rule = {input_name: request.form.get(input_name, "") for input_name in RULE_INPUTS}
    params = {"when": [{"field": rule["when_field"], "operator": rule["when_operator"], "value": rule["when_value"]}],
              "combine": "all", "field": rule["target"], "other": rule["other"], "from": rule["from"],
              "days": rule["days"], "min": rule["min"], "max": rule["max"], "pattern": rule["pattern"]}
    try:
        definition = rule_editing.add_rule(loaded.definition, name, rule["kind"], params, rule["message"])
    except EditRefused as exc:
        return _field_page(loaded, _field_values(loaded.definition, field), {}, step_at=step_at, new=False,
                           condition_fields=editing.nameable_fields(loaded.definition, "field", name),
                           rule_values=rule,
                           rule_errors={RULE_WHERE.get(exc.where, exc.where or "kind"): str(exc.message)})
    return save(loaded, definition, _("The rule is added."), f"field-{name}")


@bp.post(f"{VERSION}/fields/<name>/rules/remove")
@requires_role(*EDITORS)
def form_rule_remove(code: str, number: int, name: str):
    index = request.form.get("rule", "")
    return act(code, number, lambda definition: rule_editing.remove_rule(
        definition, name, int(index) if index.isdigit() and len(index) <= 4 else -1), _("The rule is removed."),
        f"field-{name}")
