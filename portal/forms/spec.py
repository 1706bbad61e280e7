"""What an online form is made of: steps of fields, document slots, cross-field rules."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Mapping

from flask_babel import lazy_gettext as _l

from portal.domain.dates import PartialDate
from portal.forms.definitions import rules
from portal.forms.definitions.conditions import holds
from portal.forms.fields import FieldError, FieldSpec

# Steps every form has after its own: documents, review, declaration.
DOCUMENTS, REVIEW, DECLARATION = "documents", "review", "declaration"


@dataclass(frozen=True)
class StepSpec:
    key: str
    title: object
    fields: tuple[FieldSpec, ...]
    intro: object | None = None
    # Checks across fields of this step: values -> {field name: message}.
    checks: tuple[Callable[[Mapping[str, str]], dict], ...] = ()
    show_if: Mapping | None = None  # a condition on earlier steps' values (docs/forms.md)

    def validate(self, form: Mapping[str, str], earlier: Mapping[str, str] | None = None
                 ) -> tuple[dict[str, str], dict[str, object]]:
        """Clean every field that is asked (its condition holds on `earlier` steps' values and this
        step's fields before it); a field not asked is stored empty. Then the rules as data, of
        each field without an error of its own, on every value of this step and the earlier ones.
        Returns (values, errors by field name)."""
        raw = {f.name: f.raw_from(form) for f in self.fields}
        known = dict(earlier or {})
        values, errors = {}, {}
        for spec in self.fields:
            if not holds(spec.show_if, known):
                values[spec.name] = known[spec.name] = ""
                continue
            try:
                values[spec.name] = spec.clean(raw[spec.name], raw)
            except FieldError as exc:
                errors[spec.name] = exc.message
                values[spec.name] = raw[spec.name]
            known[spec.name] = values[spec.name] if spec.name not in errors else ""
        for spec in self.fields:
            if spec.checks and spec.name not in errors and holds(spec.show_if, known):
                error = _first_rule_error(spec, known, errors)
                if error is not None:
                    errors[spec.name] = error
        if not errors:
            for check in self.checks:
                errors.update(check(values))
        return values, errors


def _first_rule_error(spec: FieldSpec, known: Mapping[str, str], errors: Mapping[str, object]):
    """A rule that names a field with an error of its own says nothing (that error is reported)."""
    for rule in spec.checks:
        if rules.fields_named_by_rule(rule) & set(errors):
            continue
        error = rules.rule_error(rule, spec.name, known.get(spec.name, ""), known)
        if error is not None:
            return error
    return None


@dataclass(frozen=True)
class DocumentSlot:
    key: str  # stable: passport, photo, registration, ...
    label: object
    hint: object | None = None
    required: bool = True
    max_files: int = 3
    show_if: Mapping | None = None  # asked for only when this holds on the form's values


@dataclass(frozen=True)
class ServiceForm:
    code: str
    version: int
    steps: tuple[StepSpec, ...]
    documents: tuple[DocumentSlot, ...]
    declaration: object = field(default=_l(
        "I declare that the information I have given is true and complete. I know that false "
        "information can lead to a refusal and may be a criminal offence."))
    # The definition it was made from (docs/forms.md), None for a form made in code (tests).
    definition: Mapping | None = field(default=None, compare=False, repr=False)

    @property
    def step_keys(self) -> tuple[str, ...]:
        """Every step the form has, asked or not."""
        return tuple(s.key for s in self.steps) + (DOCUMENTS, REVIEW, DECLARATION)

    def keys_for(self, values: Mapping[str, str]) -> tuple[str, ...]:
        """The steps asked of an applicant with these values: a step whose condition does not
        hold is passed over."""
        return tuple(s.key for s in self.visible_steps(values)) + (DOCUMENTS, REVIEW, DECLARATION)

    def visible_steps(self, values: Mapping[str, str]) -> tuple[StepSpec, ...]:
        return tuple(s for s in self.steps if holds(s.show_if, values))

    def visible_fields(self, step: StepSpec, values: Mapping[str, str]) -> tuple[FieldSpec, ...]:
        return tuple(f for f in step.fields if holds(f.show_if, values))

    def asked_values(self, values: Mapping[str, str]) -> dict[str, str]:
        """Every field's value as submitted: empty where the field was not asked with these answers
        (an answer given before an earlier one changed, a step passed over)."""
        asked = {f.name for step in self.visible_steps(values) for f in self.visible_fields(step, values)}
        return {f.name: values.get(f.name, "") if f.name in asked else "" for f in self.fields}

    def documents_for(self, values: Mapping[str, str]) -> tuple[DocumentSlot, ...]:
        """The document slots asked for with these values."""
        return tuple(d for d in self.documents if holds(d.show_if, values))

    def step(self, key: str) -> StepSpec | None:
        return next((s for s in self.steps if s.key == key), None)

    def field(self, name: str) -> FieldSpec | None:
        return next((f for s in self.steps for f in s.fields if f.name == name), None)

    @property
    def fields(self) -> tuple[FieldSpec, ...]:
        return tuple(f for s in self.steps for f in s.fields)

    def slot(self, key: str) -> DocumentSlot | None:
        return next((d for d in self.documents if d.key == key), None)

    def validate_all(self, values: Mapping[str, str]) -> dict[str, object]:
        """Every step asked again, as at submission: the e-mail intake and replays go through this."""
        errors = {}
        for step in self.visible_steps(values):
            form = {}
            for spec in step.fields:
                value = values.get(spec.name, "")
                if spec.input_names != (spec.name,):
                    form.update(_split_date(spec, value))
                else:
                    form[spec.name] = value
            errors.update(step.validate(form, values)[1])
        return errors


def _split_date(spec: FieldSpec, value: str) -> dict[str, str]:
    day_name, month_name, year_name = spec.input_names
    try:
        parsed = PartialDate.parse(value) if value else PartialDate(None)
    except ValueError:
        return {year_name: value}
    return {day_name: str(parsed.day or ""), month_name: str(parsed.month or ""), year_name: str(parsed.year or "")}


def date_inputs(spec: FieldSpec, value: str) -> dict[str, str]:
    """Day, month and year inputs for a stored date value (to show it again)."""
    return _split_date(spec, value)
