"""Which fields a step shows: a field whose condition names only earlier steps is shown or left out
by the server; one whose condition names a field of the same step is shown or hidden in the browser
as the applicant answers (js/form-conditions.js), and judged again by the server on sending."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Mapping

from portal.forms.definitions.conditions import fields_named, holds
from portal.forms.spec import StepSpec


@dataclass(frozen=True)
class Shown:
    visible: bool
    live: str | None  # the condition as JSON for the browser, when it names this step's fields


def shown_fields(step: StepSpec, stored: Mapping[str, str], raw: Mapping | None) -> dict[str, Shown]:
    """name → Shown, for the step's fields; `raw` is the form just sent (shown again with errors)."""
    names = {f.name for f in step.fields}
    known = dict(stored)
    shown = {}
    for spec in step.fields:
        if raw is not None:
            known[spec.name] = spec.raw_from(raw)
        if spec.show_if is None:
            shown[spec.name] = Shown(True, None)
            continue
        live = json.dumps(spec.show_if, ensure_ascii=False) if fields_named(spec.show_if) & names else None
        shown[spec.name] = Shown(holds(spec.show_if, known), live)
    return shown
