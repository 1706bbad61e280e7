"""The online forms by service code and version, made from their definitions (docs/forms.md).

The shipped definitions are version 1. The office's published versions come from the database,
through a source the app installs (portal.public.form_source): it keeps them per change of the
"forms" generation, so a request costs no query for them. Without a source (outside the portal's
app: a script, a unit test) only the shipped forms exist.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Callable

from portal.forms.definitions.compile import service_form
from portal.forms.definitions.shipped import SHIPPED_VERSION, shipped
from portal.forms.spec import ServiceForm

_shipped_forms: dict[str, ServiceForm] = {}
_lock = threading.Lock()


@dataclass
class PublishedForms:
    """What one database holds at one generation: each service's newest published form, and any
    other version asked for since (a draft's, a submission's)."""
    current: dict[str, ServiceForm]
    version_of: Callable[[str, int], dict | None]  # (code, number) → its definition, from the database
    versions: dict[tuple[str, int], ServiceForm | None] = field(default_factory=dict)

    def form(self, code: str, version: int | None) -> ServiceForm | None:
        current = self.current.get(code)
        if version is None or (current is not None and current.version == version):
            return current
        key = (code, version)
        if key not in self.versions:
            if version == SHIPPED_VERSION and shipped_form(code) is not None:
                self.versions[key] = shipped_form(code)
            else:
                definition = self.version_of(code, version)
                self.versions[key] = service_form(definition, version) if definition is not None else None
        return self.versions[key]


def published_forms(published: dict[str, tuple[int, dict]], version_of) -> PublishedForms:
    """The shipped forms, each replaced by the office's newest published version where there is one."""
    current = {code: shipped_form(code) for code in shipped()}
    for code, (number, definition) in published.items():
        if number != SHIPPED_VERSION or code not in shipped():
            current[code] = service_form(definition, number)
    return PublishedForms(current, version_of)


_source: Callable[[], PublishedForms | None] = lambda: None  # noqa: E731 - replaced by the app


def install_source(source: Callable[[], PublishedForms | None]) -> None:
    """The app's way to the published forms of its database (None when it has none to offer)."""
    global _source
    _source = source


def shipped_form(code: str) -> ServiceForm | None:
    if not _shipped_forms:
        with _lock:
            if not _shipped_forms:
                _shipped_forms.update({c: service_form(d, SHIPPED_VERSION) for c, d in shipped().items()})
    return _shipped_forms.get(code)


def current_forms() -> dict[str, ServiceForm]:
    """Every service's newest published form, by code."""
    return dict(current_forms_view())


def current_forms_view() -> dict[str, ServiceForm]:
    """The same, not copied: the same object until a form is published (do not change it)."""
    published = _source()
    if published is None:
        shipped_form("")
        return _shipped_forms
    return published.current


def form_for(code: str, version: int | None = None) -> ServiceForm | None:
    """The newest published form of the service, or the given version of it (a draft's, a
    submission's): a version once published never changes, so the answers made with it are
    read with its own fields and labels."""
    published = _source()
    if published is None:
        form = shipped_form(code)
        return form if version in (None, SHIPPED_VERSION) else None
    return published.form(code, version)


def submission_form(submission) -> ServiceForm | None:
    """The form a submission was made with (its answers are read with that version's fields)."""
    return form_for(submission.service.code, submission.form_version)
