"""Stored form values as people read them: choice labels, country names, dates."""
from __future__ import annotations

from flask_babel import force_locale

from portal.domain.dates import PartialDate
from portal.forms import countries
from portal.forms.fields import BIRTH_DATE, CHECKBOX, CHOICE, COUNTRY, DATE, FieldSpec
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
    if spec.kind == COUNTRY:
        return countries.country_name(value, language)
    with force_locale(language):
        if spec.kind == CHOICE:
            return next((str(label) for code, label in spec.choices if code == value), value)
        if spec.kind == CHECKBOX:
            return str(_yes()) if value == "yes" else ""
    return value


def _yes():
    from flask_babel import lazy_gettext as _l

    return _l("Yes")


def summary(form: ServiceForm, values: dict, language: str) -> list[tuple[object, list[tuple[FieldSpec, str]]]]:
    """(step title, [(field, shown value)]) for every step with fields: review page, receipt."""
    return [(step.title, [(spec, display_value(spec, values.get(spec.name, ""), language))
                          for spec in step.fields]) for step in form.steps]


def label_in(label, language: str) -> str:
    with force_locale(language):
        return str(label)
