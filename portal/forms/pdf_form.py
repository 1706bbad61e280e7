"""An online form as a fillable PDF (the e-mail fallback); field names are the form's own."""
from __future__ import annotations

from portal.forms import countries
from portal.forms.display import label_in
from portal.forms.fields import (
    BIRTH_DATE, CHECKBOX, CHECKBOXES, CHOICE_KINDS, COUNTRY_KINDS, DATE, NATIONALITY, TEXTAREA,
)
from portal.forms.spec import ServiceForm

DECLARATION_FIELD = "declaration"


def fillable_spec(form: ServiceForm, entry, language: str, office_name: str, office_email: str):
    from flask_babel import lazy_gettext as _l

    from portal.pdf.fillable import FillableField, FillableFormSpec, FillableSection

    date_hint = _l("Format: DD.MM.YYYY")
    sections = []
    for step in form.steps:
        fields = []
        for spec in step.fields:
            kind, choices, hint = "text", [], spec.hint
            if spec.kind == TEXTAREA:
                kind = "multiline"
            elif spec.kind == CHECKBOX:
                kind = "checkbox"
            elif spec.kind in CHOICE_KINDS:
                kind, choices = "choice", [(code, label_in(label, language)) for code, label in spec.choices]
            elif spec.kind in COUNTRY_KINDS:
                kind, choices = "choice", countries.country_choices(language, nationality=spec.kind == NATIONALITY)
            elif spec.kind == CHECKBOXES:
                # A PDF list box of several choices is unreliable across readers: the values, one per line.
                kind = "multiline"
                hint = " · ".join(f"{code}: {label_in(label, language)}" for code, label in spec.choices)
            elif spec.kind in (DATE, BIRTH_DATE):
                hint = date_hint
            fields.append(FillableField(name=spec.name, label=label_in(spec.label, language),
                                        label_de=label_in(spec.label, "de"), kind=kind, choices=choices,
                                        required=spec.required, hint=label_in(hint, language) if hint else ""))
        sections.append(FillableSection(title=label_in(step.title, language), title_de=label_in(step.title, "de"),
                                        fields=fields))
    sections.append(FillableSection(
        title=label_in(_l("Declaration"), language), title_de=label_in(_l("Declaration"), "de"),
        fields=[FillableField(name=DECLARATION_FIELD, label=label_in(form.declaration, language),
                              label_de=label_in(form.declaration, "de"), kind="checkbox", required=True)]))
    return FillableFormSpec(service_code=form.code, form_version=form.version, language=language,
                            title=label_in(entry.title, language), title_de=entry.name_de,
                            office_name=office_name, office_email=office_email, sections=sections)
