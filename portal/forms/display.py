"""Stored form values as people read them: choice labels, country names, dates."""
from __future__ import annotations

from flask_babel import force_locale

from portal.domain.dates import PartialDate
from portal.forms import countries
from portal.forms.fields import BIRTH_DATE, CHECKBOX, CHECKBOXES, CHOICE_KINDS, COUNTRY_KINDS, DATE, FieldSpec
from portal.forms.spec import ServiceForm


# Fields that hold a name, a place of birth or an address: the back office shows a Latin form
# beside a value in another script. Free text (a message, remarks) is shown as written only:
# transliterating it would be neither a translation nor a name.
ROMANISED_FIELDS = frozenset({
    "surname", "given_names", "birth_name", "place_of_birth", "street", "city", "previous_street",
    "previous_city", "visitor_surname", "visitor_given_names",
})


def display_value(spec: FieldSpec, value: str, language: str) -> str:
    """Call inside a request or app context (labels are translated with Flask-Babel)."""
    if not value:
        return ""
    if spec.kind in (DATE, BIRTH_DATE):
        try:
            return PartialDate.parse(value).german()
        except ValueError:
            return value
    if spec.kind in COUNTRY_KINDS:
        return countries.country_name(value, language)
    with force_locale(language):
        if spec.kind in CHOICE_KINDS:
            return next((str(label) for code, label in spec.choices if code == value), value)
        if spec.kind == CHECKBOXES:
            labels = {code: str(label) for code, label in spec.choices}
            return ", ".join(labels.get(code, code) for code in value.split(","))
        if spec.kind == CHECKBOX:
            return str(_yes()) if value == "yes" else ""
    return value


def _yes():
    from flask_babel import lazy_gettext as _l

    return _l("Yes")


def summary(form: ServiceForm, values: dict, language: str) -> list[tuple[object, list[tuple[FieldSpec, str]]]]:
    """(step title, [(field, shown value)]) for every step asked, with the fields asked: review page,
    receipt."""
    return [(step.title, [(spec, display_value(spec, values.get(spec.name, ""), language))
                          for spec in form.visible_fields(step, values)]) for step in form.visible_steps(values)]


def label_in(label, language: str) -> str:
    with force_locale(language):
        return str(label)
