"""What an online form is made of: steps of fields, document slots, cross-field rules."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Mapping

from flask_babel import lazy_gettext as _l

from portal.domain.dates import PartialDate
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

    def validate(self, form: Mapping[str, str]) -> tuple[dict[str, str], dict[str, object]]:
        """Clean every field; returns (values, errors by field name)."""
        raw = {f.name: f.raw_from(form) for f in self.fields}
        values, errors = {}, {}
        for spec in self.fields:
            try:
                values[spec.name] = spec.clean(raw[spec.name], raw)
            except FieldError as exc:
                errors[spec.name] = exc.message
                values[spec.name] = raw[spec.name]
        if not errors:
            for check in self.checks:
                errors.update(check(values))
        return values, errors


@dataclass(frozen=True)
class DocumentSlot:
    key: str  # stable: passport, photo, registration, ...
    label: object
    hint: object | None = None
    required: bool = True
    max_files: int = 3


@dataclass(frozen=True)
class ServiceForm:
    code: str
    version: int
    steps: tuple[StepSpec, ...]
    documents: tuple[DocumentSlot, ...]
    declaration: object = field(default=_l(
        "I declare that the information I have given is true and complete. I know that false "
        "information can lead to a refusal and may be a criminal offence."))

    @property
    def step_keys(self) -> tuple[str, ...]:
        return tuple(s.key for s in self.steps) + (DOCUMENTS, REVIEW, DECLARATION)

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
        """Every step again, as at submission: the e-mail intake and replays go through this too."""
        errors = {}
        for step in self.steps:
            form = {}
            for spec in step.fields:
                value = values.get(spec.name, "")
                if spec.input_names != (spec.name,):
                    form.update(_split_date(spec, value))
                else:
                    form[spec.name] = value
            errors.update(step.validate(form)[1])
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
