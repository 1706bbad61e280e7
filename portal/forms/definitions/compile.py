"""A definition (docs/forms.md) as the ServiceForm that the application steps, the review page,
the receipt, the fillable PDF, the e-mail read-back and the back office use."""
from __future__ import annotations

from typing import Mapping

from portal.forms.definitions.texts import localised
from portal.forms.fields import CHECKBOXES, CHOICE, TEXTAREA, YES_NO, YES_NO_CHOICES, FieldSpec
from portal.forms.spec import DocumentSlot, ServiceForm, StepSpec

DEFAULT_MAX_LENGTH = 200
DEFAULT_TEXTAREA_LENGTH = 2000
DEFAULT_MAX_FILES = 3


def _field(data: Mapping) -> FieldSpec:
    kind = data["type"]
    if kind == YES_NO:
        choices = YES_NO_CHOICES
    elif kind in (CHOICE, CHECKBOXES):
        choices = tuple((choice["value"], localised(choice["label"])) for choice in data.get("choices") or ())
    else:
        choices = ()
    return FieldSpec(
        name=data["name"], label=localised(data["label"]), kind=kind, required=data.get("required", True),
        hint=localised(data.get("hint")), choices=choices,
        max_length=data.get("max_length", DEFAULT_TEXTAREA_LENGTH if kind == TEXTAREA else DEFAULT_MAX_LENGTH),
        autocomplete=data.get("autocomplete"), show_if=data.get("show_if"), checks=tuple(data.get("rules") or ()),
        display=data.get("display", "radio"), district_check=bool(data.get("district_check")),
    )


def _step(data: Mapping) -> StepSpec:
    return StepSpec(key=data["key"], title=localised(data["title"]), intro=localised(data.get("intro")),
                    fields=tuple(_field(f) for f in data["fields"]), show_if=data.get("show_if"))


def _slot(data: Mapping) -> DocumentSlot:
    return DocumentSlot(key=data["key"], label=localised(data["label"]), hint=localised(data.get("hint")),
                        required=data.get("required", True), max_files=data.get("max_files", DEFAULT_MAX_FILES),
                        show_if=data.get("show_if"))


def service_form(definition: Mapping, version: int) -> ServiceForm:
    """The form of a checked definition (check.problems finds nothing): built as it says."""
    return ServiceForm(code=definition["code"], version=version,
                       steps=tuple(_step(s) for s in definition["steps"]),
                       documents=tuple(_slot(d) for d in definition.get("documents") or ()),
                       declaration=localised(definition["declaration"]), definition=definition)
