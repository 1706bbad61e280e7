"""The digital case file in the back office: a simple search, the file with its person data,
known spellings, timeline, notes, submissions and bookings, and its export as one PDF.

Thin views: the timeline, the person and the export are in portal.casefiles. Every view
and download of a file, and every note, is in the audit trail.
"""
from __future__ import annotations

import tempfile

from flask import flash, redirect, render_template, request, send_file, url_for
from flask_babel import format_datetime, get_locale
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import selectinload
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from portal.audit import record
from portal.backoffice import CHANNEL_LABELS, bp, loaders
from portal.backoffice.guard import CASEWORK_STAFF, LEADS, requires_role
from portal.casefiles.notes import NOTE_MAX_LENGTH, add_note
from portal.casefiles.person import person_of
from portal.casefiles.retention import RULE_YEARS, effective_retention_until
from portal.casefiles.timeline import TimelineCursor, bookings_of, by_year, submissions_of, timeline_page
from portal.casework import access
from portal.config import current_settings
from portal.extensions import db, get_storage
from portal.casefiles.operations import record_spelling, remove_spelling
from portal.matching.names import key_prefixes
from portal.models import CaseFile, CaseFileAlias, CaseFileNameKey, SpellingKind
from portal.models._types import utcnow
from portal.row_ids import form_row_id

SEARCH_LIMIT = 50
CASE_FILE_STATUS_LABELS = {"active": _l("Active"), "moved_away": _l("Moved away"), "closed": _l("Closed")}
SPELLING_KIND_LABELS = {
    SpellingKind.PASSPORT: _l("Passport"),
    SpellingKind.EARLIER_PASSPORT: _l("Earlier passport"),
    SpellingKind.BIRTH_NAME: _l("Birth name"),
    SpellingKind.SCRIPT_ORIGINAL: _l("Original script"),
    SpellingKind.OTHER: _l("Seen elsewhere"),
}
NAME_MAX = 200  # CaseFileAlias.surname, given_names
RETENTION_RULE_LABELS = {"standard": _l("Standard: ten years after moving away")}


@bp.app_template_global()
def case_file_status_label(status: str) -> str:
    return str(CASE_FILE_STATUS_LABELS.get(status, status))


@bp.app_template_global()
def spelling_kind_label(kind: str) -> str:
    return str(SPELLING_KIND_LABELS.get(kind, kind))


@bp.app_template_global()
def spelling_kinds() -> list[tuple[str, str]]:
    """The kinds a caseworker records, the passport first."""
    return [(kind.value, str(label)) for kind, label in SPELLING_KIND_LABELS.items()]


def _stripped(value):
    return value.strip() if isinstance(value, str) else value


class CaseFileNoteForm(FlaskForm):
    text = TextAreaField(_l("New note"), filters=[_stripped], validators=[
        DataRequired(_l("Enter the note.")),
        Length(max=NOTE_MAX_LENGTH, message=lazy_ngettext("A note can have at most %(num)d character.",
                                                          "A note can have at most %(num)d characters.",
                                                          NOTE_MAX_LENGTH))])


def _client() -> str:
    return request.remote_addr or ""


def _like_prefix(text: str) -> str:
    """A LIKE pattern for "starts with": the user's % and _ match themselves."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


# -- search ------------------------------------------------------------------------------------

@bp.get("/casefiles")
@requires_role(*CASEWORK_STAFF)
def casefile_search():
    query = " ".join(request.args.get("q", "").split())[:100]
    results, elsewhere = [], 0
    if query:
        visible = access.case_file_condition(current_user)
        exact = db.session.scalar(select(CaseFile.file_number).where(CaseFile.file_number == query.upper(), visible))
        if exact:
            return redirect(url_for("backoffice.case_file", file_number=exact))
        pattern = _like_prefix(query)
        # Surnames also by their keys (every known spelling, in Latin letters), so that "Shevchenko"
        # finds Шевченко and "Лисе" a file known as Lysenko.
        prefixes = key_prefixes(query) or {query.lower()}
        by_key = exists().where(CaseFileNameKey.case_file_id == CaseFile.id, CaseFileNameKey.kind == "surname",
                                or_(*(CaseFileNameKey.key.like(_like_prefix(p), escape="\\") for p in prefixes)))
        matches = or_(CaseFile.file_number.ilike(pattern, escape="\\"),
                      CaseFile.surname.ilike(pattern, escape="\\"), by_key)
        results = db.session.scalars(
            select(CaseFile).where(matches, visible)
            .options(selectinload(CaseFile.site))
            .order_by(CaseFile.surname, CaseFile.given_names, CaseFile.file_number)
            .limit(SEARCH_LIMIT + 1)).all()
        if not access.sees_all_sites(current_user):
            # Only how many: so that nobody opens a second file for a person another site has.
            elsewhere = db.session.scalar(select(func.count()).select_from(CaseFile).where(
                matches, CaseFile.site_id != current_user.site_id))
    return render_template("backoffice/casefiles/search.html", query=query, results=results[:SEARCH_LIMIT],
                           more=len(results) > SEARCH_LIMIT, limit=SEARCH_LIMIT, elsewhere=elsewhere)


# -- the file ----------------------------------------------------------------------------------

def _render_case_file(case_file: CaseFile, form: CaseFileNoteForm, before: TimelineCursor | None = None):
    submissions = submissions_of(db.session, case_file)
    page = timeline_page(db.session, case_file, submissions, before=before)
    older_url = url_for("backoffice.case_file", file_number=case_file.file_number,
                        before=page.older.encode(), _anchor="timeline") if page.older else None
    retention_until = effective_retention_until(case_file)
    return render_template(
        "backoffice/casefiles/show.html", case_file=case_file, person=person_of(case_file),
        years=by_year(page.entries, newest_first=True), entries=page.total, shown=len(page.entries),
        older_url=older_url, newest_url=url_for("backoffice.case_file", file_number=case_file.file_number,
                                                _anchor="timeline") if before else None,
        submissions=submissions,
        bookings=bookings_of(db.session, submissions), form=form, note_max=NOTE_MAX_LENGTH,
        retention_rule=str(RETENTION_RULE_LABELS.get(case_file.retention_rule, case_file.retention_rule)),
        retention_until=retention_until,
        retention_computed=retention_until is not None and case_file.retention_until is None,
        retention_known=case_file.retention_rule in RULE_YEARS)


@bp.get("/casefiles/<file_number>")
@requires_role(*CASEWORK_STAFF)
def case_file(file_number: str):
    item = loaders.case_file(file_number)
    record(db.session, "view", staff=current_user, object_type="case_file", object_id=item.file_number,
           client_address=_client())
    db.session.commit()
    return _render_case_file(item, CaseFileNoteForm(), TimelineCursor.parse(request.args.get("before")))


@bp.post("/casefiles/<file_number>/notes")
@requires_role(*CASEWORK_STAFF)
def case_file_note(file_number: str):
    item = loaders.case_file(file_number)
    form = CaseFileNoteForm()
    if not form.validate_on_submit():
        message = form.text.errors[0] if form.text.errors else \
            _("The note could not be saved. Please reload the page and try again.")
        flash(str(message), "error")
        return redirect(url_for("backoffice.case_file", file_number=item.file_number) + "#notes")
    note = add_note(db.session, item, current_user, form.text.data, client_address=_client())
    db.session.commit()
    flash(_("Note saved."), "success")
    return redirect(url_for("backoffice.case_file", file_number=item.file_number) + f"#note-{note.id}")


def _back_to_spellings(item: CaseFile):
    return redirect(url_for("backoffice.case_file", file_number=item.file_number) + "#spellings")


@bp.post("/casefiles/<file_number>/spellings")
@requires_role(*CASEWORK_STAFF)
def case_file_spelling_add(file_number: str):
    """Record a known spelling (passport, earlier passport, birth name, original script …)."""
    item = loaders.case_file(file_number)
    surname = " ".join(request.form.get("surname", "").split())
    given_names = " ".join(request.form.get("given_names", "").split())
    kind = request.form.get("kind", "")
    if kind not in {k.value for k in SpellingKind}:
        flash(_("Choose what kind of spelling it is."), "error")
        return _back_to_spellings(item)
    if not surname:
        flash(_("Enter at least the surname of the spelling."), "error")
        return _back_to_spellings(item)
    if len(surname) > NAME_MAX or len(given_names) > NAME_MAX:
        flash(ngettext("A name may have at most %(num)s character.", "A name may have at most %(num)s characters.",
                         NAME_MAX), "error")
        return _back_to_spellings(item)
    added = record_spelling(db.session, item, surname, given_names, kind, current_user, client_address=_client())
    db.session.commit()
    if added is None:
        flash(_("The file knows this spelling already."), "info")
    else:
        spelling = ", ".join(part for part in (surname, given_names) if part)
        flash(_("Spelling recorded: %(spelling)s (%(kind)s).", spelling=spelling, kind=spelling_kind_label(kind)),
              "success")
    return _back_to_spellings(item)


@bp.post("/casefiles/<file_number>/spellings/remove")
@requires_role(*CASEWORK_STAFF)
def case_file_spelling_remove(file_number: str):
    item = loaders.case_file(file_number)
    alias = db.session.get(CaseFileAlias, form_row_id(request.form, "spelling") or 0)
    if alias is None or alias.case_file_id != item.id:
        flash(_("This spelling is not one of this case file (any more)."), "error")
        return _back_to_spellings(item)
    spelling = ", ".join(part for part in (alias.surname, alias.given_names) if part)
    remove_spelling(db.session, item, alias, current_user, client_address=_client())
    db.session.commit()
    flash(_("Spelling removed: %(spelling)s.", spelling=spelling), "success")
    return _back_to_spellings(item)


@bp.get("/casefiles/<file_number>/export.pdf")
@requires_role(*CASEWORK_STAFF)
def case_file_export(file_number: str):
    from portal.casefiles.export import PersonLabels, export_case_file
    from portal.pdf.case_file_export import ExportLabels

    item = loaders.case_file(file_number)
    now = utcnow()
    labels = ExportLabels(
        title=_("Case file"), file_number=_("File number"), person=_("Person"), aliases=_("Known spellings"),
        contents=_("Contents"), number=_("No."), date=_("Date"), document=_("Document"), source=_("Source"),
        page=_("Page"), notes=_("Notes"), no_documents=_("The case file holds no documents."),
        missing=_("missing from storage"), unreadable=_("could not be read"),
        not_printable=_("cannot be printed"), footer=_("%(file_number)s · Page %(page)s of %(pages)s"),
        applications=_("Applications"), application=_("Application %(reference)s"), received=_("Received"),
        service=_("Service"), channel=_("Channel"), field=_("Field"), value=_("Value"),
        no_answers=_("No answers were given."), receipt=_("Receipt %(reference)s"),
        scanned_page=_("%(title)s, page %(page)s of %(pages)s (an image of the page; its text is not tagged)"))
    person_labels = PersonLabels(
        name=_("Name"), birth_name=_("Birth name"), date_of_birth=_("Date of birth"),
        place_of_birth=_("Place of birth"), nationality=_("Nationality"), site=_("Site"), status=_("Status"))
    # Built in a temporary file, not in memory: a file can have hundreds of scanned pages.
    out = tempfile.TemporaryFile(prefix="case-file-export-")
    try:
        result = export_case_file(
            db.session, get_storage(), item, out,
            office_name=current_settings().office.name,
            exported=_("Exported on %(when)s by %(name)s", when=format_datetime(now, "short"),
                       name=current_user.full_name),
            labels=labels, person_labels=person_labels,
            source_labels={key: str(value) for key, value in CHANNEL_LABELS.items()},
            status_label=case_file_status_label(item.status), language=str(get_locale() or "de"))
        out.seek(0)
    except BaseException:
        out.close()
        raise
    record(db.session, "download", staff=current_user, object_type="case_file", object_id=item.file_number,
           client_address=_client(),
           detail={"export": "pdf", "pages": result.pages, "documents": result.documents, "skipped": result.skipped})
    db.session.commit()
    # send_file streams the temporary file and closes it (and so deletes it) when done.
    return send_file(out, mimetype="application/pdf", as_attachment=True,
                     download_name=f"{item.file_number}.pdf", max_age=0)


@bp.post("/casefiles/<file_number>/xdomea")
@requires_role(*LEADS)
def case_file_xdomea(file_number: str):
    """The file as an xdomea hand-over (portal.casefiles.xdomea.export) for team leads."""
    from portal.casefiles.xdomea.export import ExportError, export_case_file
    from portal.domain.office_time import office_today

    item = loaders.case_file(file_number)
    form = FlaskForm()
    if not form.validate_on_submit():
        flash(_("The form has expired. Please try again."), "error")
        return redirect(url_for("backoffice.case_file", file_number=item.file_number))
    recipient = " ".join(request.form.get("recipient", "").split())[:200]
    handed_over = request.form.get("handed_over") == "yes"
    out = tempfile.TemporaryFile(prefix="xdomea-export-")
    try:
        result = export_case_file(db.session, get_storage(), item, out, office_name=current_settings().office.name,
                                  recipient=recipient, staff=current_user, client_address=_client(),
                                  handed_over_on=office_today(utcnow()) if handed_over else None)
        out.seek(0)
    except ExportError:
        out.close()
        db.session.rollback()
        flash(_("The file cannot be handed over: a document is missing from the storage. "
                "Please tell the administrators."), "error")
        return redirect(url_for("backoffice.case_file", file_number=item.file_number))
    except BaseException:
        out.close()
        raise
    db.session.commit()
    return send_file(out, mimetype="application/zip", as_attachment=True, download_name=result.package_name,
                     max_age=0)

