"""The online forms' languages in the back office: a version's texts side by side with German (to
translate them), the form as an applicant sees it in one language (preview), and what changed
between two versions (compare). The structure and the German texts: the structure editor
(backoffice.form_list, form_history, form_version)."""
from __future__ import annotations

import re

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from portal.backoffice import bp
from portal.backoffice.guard import EDITORS, requires_role
from portal.config import LANGUAGES
from portal.extensions import db
from portal.forms.authoring import compare, describe, translating
from portal.forms.authoring.versions import FormVersionRefused, change_definition, problems_of
from portal.forms.definitions.compile import service_form
from portal.forms.definitions.store import definition_of, row_of, versions_of
from portal.forms.definitions.texts import in_language
from portal.i18n import AUTONYMS, text_direction
from portal.models.content import WorkflowState
from portal.models.form import FormVersion

LARGEST_NUMBER = 2**31 - 1  # a version number the database can hold
NUMBER = re.compile(r"[0-9]{1,10}")
TEXT_FIELD = "t:"  # a translation's input is named "t:<path>"
SHOWN_FIELD = "o:"  # and the text it showed, "o:<path>" (what the editor changed is what differs)
TODO = "todo"  # ?show=todo: only texts without a translation or with an outdated one


def _version(code: str, number: int) -> tuple[dict, FormVersion | None]:
    """The version's definition and row (None: the shipped version 1); 404 for no such version."""
    if number > LARGEST_NUMBER:
        abort(404)
    row = row_of(db.session, code, number)
    definition = row.definition if row is not None else definition_of(db.session, code, number)
    if definition is None:
        abort(404)
    return definition, row


def _editable(row: FormVersion | None) -> bool:
    return row is not None and row.state != WorkflowState.PUBLISHED


def _state(row: FormVersion | None) -> str:
    return row.state if row is not None else WorkflowState.PUBLISHED.value


def version_url(code: str, number: int) -> str:
    """The structure editor's page of the version."""
    return url_for("backoffice.form_version", code=code, number=number)


def _languages(current: str, *, german: bool) -> list[tuple[str, str, str]]:
    """(code, name, direction) of the languages to switch to."""
    return [(code, AUTONYMS[code], text_direction(code)) for code in LANGUAGES
            if code != current and (german or code in translating.TRANSLATED_LANGUAGES)]


# -- translating -------------------------------------------------------------------------------

def _changes(definition: dict, language: str, submitted: dict[str, str], shown: dict[str, str],
             confirmed: list[str]) -> dict[str, str]:
    """The translations the editor changed (from what the page showed: a text another editor
    changed since is kept unless this one changed it too), and the outdated ones confirmed as
    still right. A path the form does not have is passed on: set_translations refuses it."""
    entries = {entry.path: entry for entry in translating.texts_of(definition)}
    changes = {}
    for path, value in submitted.items():
        entry = entries.get(path)
        before = shown.get(path, entry.translation(language).text if entry is not None else None)
        if entry is None or translating.normalised(value) != translating.normalised(before or ""):
            changes[path] = value
    for path in confirmed:
        entry = entries.get(path)
        if entry is None:
            changes.setdefault(path, "")
        elif path not in changes and entry.translation(language).outdated:
            changes[path] = entry.translation(language).text
    return changes


def _fields(prefix: str) -> dict[str, str]:
    return {key[len(prefix):]: value for key, value in request.form.items() if key.startswith(prefix)}


def _save(code: str, number: int, lang: str, definition: dict, row: FormVersion, here: str):
    submitted, shown = _fields(TEXT_FIELD), _fields(SHOWN_FIELD)
    changes = _changes(definition, lang, submitted, shown, request.form.getlist("confirm"))
    if not changes:
        flash(_("Nothing has changed."), "info")
        return redirect(here)
    try:
        updated = translating.set_translations(definition, lang, changes)
        change_definition(db.session, row, updated, current_user, client_address=request.remote_addr or "")
    except translating.TranslationRefused as refused:
        db.session.rollback()
        flash(str(refused.message), "error")
        return _translate_page(code, number, lang, definition, row, submitted, shown)
    except FormVersionRefused as refused:
        db.session.rollback()
        flash(str(refused.message), "error")
        return redirect(here)
    db.session.commit()
    flash(ngettext("%(num)s translation saved.", "%(num)s translations saved.", len(changes)), "success")
    return redirect(here)


def _translate_page(code: str, number: int, lang: str, definition: dict, row: FormVersion | None,
                    submitted: dict[str, str] | None = None, shown: dict[str, str] | None = None):
    only_todo = request.args.get("show") == TODO
    problems = {problem.where: problem.message for problem in problems_of(definition)}
    rows = []
    for entry in translating.texts_of(definition):
        state = entry.translation(lang)
        if only_todo and state.text.strip() and not state.outdated:
            continue
        rows.append({"entry": entry, "state": state, "value": (submitted or {}).get(entry.path, state.text),
                     "shown": (shown or {}).get(entry.path, state.text),
                     "problem": problems.get(f"{entry.path}.{lang}") if state.text.strip() else None})
    missing, outdated = translating.summary(definition, lang)
    return render_template(
        "backoffice/forms/translate.html", code=code, number=number, lang=lang, rows=rows, only_todo=only_todo,
        missing=missing, outdated=outdated, editable=_editable(row), state=_state(row),
        language_name=AUTONYMS[lang], direction=text_direction(lang), languages=_languages(lang, german=False),
        version_link=version_url(code, number), text_field=TEXT_FIELD, shown_field=SHOWN_FIELD)


@bp.route("/forms/<code>/<int:number>/translate/<lang>", methods=["GET", "POST"])
@requires_role(*EDITORS)
def form_translate(code: str, number: int, lang: str):
    if lang not in translating.TRANSLATED_LANGUAGES:
        abort(404)
    definition, row = _version(code, number)
    here = url_for("backoffice.form_translate", code=code, number=number, lang=lang,
                   **({"show": TODO} if request.args.get("show") == TODO else {}))
    if request.method == "POST":
        if not _editable(row):
            flash(_("Version %(number)s is published and never changes: make a new version to change its "
                    "translations.", number=number), "error")
            return redirect(here)
        return _save(code, number, lang, definition, row, here)
    return _translate_page(code, number, lang, definition, row)


# -- preview -----------------------------------------------------------------------------------

def _title(definition: dict, lang: str) -> str:
    service = definition.get("service")
    title = service.get("title") if isinstance(service, dict) else None
    return in_language(title, lang) if isinstance(title, dict) else ""


@bp.get("/forms/<code>/<int:number>/preview/<lang>")
@requires_role(*EDITORS)
def form_preview(code: str, number: int, lang: str):
    if lang not in LANGUAGES:
        abort(404)
    definition, row = _version(code, number)
    try:
        form = service_form(definition, number)
    except (KeyError, TypeError, ValueError, AttributeError):  # a draft too broken to be a form
        form = None
    preview = None
    if form is not None:
        # The applicant's macros, texts and country names in the previewed language; the page
        # around it stays in the back office's language.
        with force_locale(lang):
            fragment = render_template("backoffice/forms/preview.html", fragment=True, form=form, lang=lang,
                                       service_title=_title(definition, lang),
                                       notes=describe.shown_when_notes(definition))
        preview = Markup(fragment)  # noqa: S704  (rendered by Jinja with autoescaping just above)
    return render_template(
        "backoffice/forms/preview.html", fragment=False, preview=preview, code=code, number=number, lang=lang,
        state=_state(row), language_name=AUTONYMS[lang], direction=text_direction(lang),
        languages=_languages(lang, german=True), version_link=version_url(code, number),
        problems=problems_of(definition) if form is None else [])


# -- compare -----------------------------------------------------------------------------------

def _number(text: str) -> int | None:
    return int(text) if NUMBER.fullmatch(text) and int(text) <= LARGEST_NUMBER else None


@bp.get("/forms/<code>/compare")
@requires_role(*EDITORS)
def form_compare(code: str):
    versions = versions_of(db.session, code)
    if not versions:
        abort(404)
    a, b = request.args.get("a", ""), request.args.get("b", "")
    if not a and not b and len(versions) >= 2:
        a, b = str(versions[1].number), str(versions[0].number)
    diff, error, status = None, None, 200
    if a or b:
        old, new = _number(a), _number(b)
        if old is None or new is None:
            error, status = _("Choose two versions to compare."), 400
        else:
            old_definition, new_definition = definition_of(db.session, code, old), definition_of(db.session, code, new)
            if old_definition is None or new_definition is None:
                abort(404)
            diff = compare.differences(old_definition, new_definition)
    return render_template("backoffice/forms/compare.html", code=code, versions=versions, a=a, b=b, diff=diff,
                           error=error, version_url=version_url, language_names=AUTONYMS), status
