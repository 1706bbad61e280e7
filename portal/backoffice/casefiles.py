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
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import selectinload
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from portal.audit import record
from portal.backoffice import CHANNEL_LABELS, bp, loaders
from portal.backoffice.guard import CASEWORK_STAFF, requires_role
from portal.casefiles.notes import NOTE_MAX_LENGTH, add_note
from portal.casefiles.person import person_of
from portal.casefiles.retention import RULE_YEARS, effective_retention_until
from portal.casefiles.timeline import bookings_of, by_year, submissions_of, timeline
from portal.casework import access
from portal.config import current_settings
from portal.extensions import db, get_storage
from portal.models import CaseFile, CaseFileNameKey
from portal.models._types import utcnow

SEARCH_LIMIT = 50
CASE_FILE_STATUS_LABELS = {"active": _l("Active"), "moved_away": _l("Moved away"), "closed": _l("Closed")}
RETENTION_RULE_LABELS = {"standard": _l("Standard: ten years after moving away")}


@bp.app_template_global()
def case_file_status_label(status: str) -> str:
    return str(CASE_FILE_STATUS_LABELS.get(status, status))


def _stripped(value):
    return value.strip() if isinstance(value, str) else value


class CaseFileNoteForm(FlaskForm):
    text = TextAreaField(_l("New note"), filters=[_stripped], validators=[
        DataRequired(_l("Enter the note.")),
        Length(max=NOTE_MAX_LENGTH, message=_l("A note can have at most %(max)d characters."))])


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
        # Surnames also by their Latin key, so that "Shevchenko" finds Шевченко once the keys exist.
        by_key = exists().where(CaseFileNameKey.case_file_id == CaseFile.id, CaseFileNameKey.kind == "surname",
                                CaseFileNameKey.key.like(_like_prefix(query.lower()), escape="\\"))
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

def _render_case_file(case_file: CaseFile, form: CaseFileNoteForm):
    submissions = submissions_of(db.session, case_file)
    entries = timeline(db.session, case_file, submissions)
    retention_until = effective_retention_until(case_file)
    return render_template(
        "backoffice/casefiles/show.html", case_file=case_file, person=person_of(case_file),
        years=by_year(entries, newest_first=True), entries=len(entries), submissions=submissions,
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
    return _render_case_file(item, CaseFileNoteForm())


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
        not_printable=_("cannot be printed"), footer=_("%(file_number)s · Page %(page)s of %(pages)s"))
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

