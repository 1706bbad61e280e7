"""API clients for admins: the systems that may use the API, their scopes and sites; making one
(its token is shown once, on the page that answers the form) and revoking one. Thin views over
portal.clients.accounts, which writes the audit entries."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from portal.backoffice import bp
from portal.backoffice.guard import requires_role
from portal.backoffice.loaders import visible
from portal.clients.accounts import SCOPES, ClientError, all_clients, create_client, revoke_client
from portal.extensions import db
from portal.models import ApiClient, Role, Site

SCOPE_LABELS = {
    "submissions:read": _l("Read submissions and their documents, and the change feed"),
    "submissions:write": _l("Set the status of submissions (with a note for the applicant)"),
    "casefiles:read": _l("Find and read case files with their documents"),
    "casefiles:write": _l("Open case files and change their master data"),
    "appointments:read": _l("Read the day lists of appointments"),
}
ERRORS = {
    "bad_name": _l("The name needs 2 to 80 letters, digits, spaces or the characters . : / ( ) - _"),
    "no_scope": _l("Choose at least one permission."),
    "unknown_scope": _l("Choose permissions from the list."),
    "unknown_site": _l("Choose a site from the list."),
    "name_taken": _l("An API client of that name exists already."),
}


def _page(**extra):
    sites = db.session.scalars(select(Site).order_by(Site.name)).all()
    return render_template("backoffice/api_clients.html", clients=all_clients(db.session), sites=sites,
                           scopes=[(scope, SCOPE_LABELS[scope]) for scope in SCOPES], **extra)


@bp.get("/admin/api-clients")
@requires_role(Role.ADMIN)
def api_clients():
    return _page()


@bp.post("/admin/api-clients")
@requires_role(Role.ADMIN)
def api_client_create():
    name = request.form.get("name", "")
    scopes = request.form.getlist("scope")
    site = request.form.get("site") or None
    try:
        made = create_client(db.session, name, scopes, site_code=site, staff=current_user,
                             client_address=request.remote_addr or "")
    except ClientError as error:
        db.session.rollback()
        flash(str(ERRORS.get(error.code, error.code)), "error")
        return _page(entered={"name": name, "scopes": scopes, "site": site or ""})
    db.session.commit()
    # Shown on this page only: not in a redirect, a flash message or the log.
    return _page(new_client=made.client, new_token=made.token)


@bp.post("/admin/api-clients/<int:api_client_id>/revoke")
@requires_role(Role.ADMIN)
def api_client_revoke(api_client_id: int):
    client = visible(db.session.get(ApiClient, api_client_id))
    try:
        revoke_client(db.session, client, staff=current_user, client_address=request.remote_addr or "")
    except ClientError:
        flash(_("This API client's token was revoked already."), "info")
        return redirect(url_for("backoffice.api_clients"))
    db.session.commit()
    flash(_("The token of %(name)s has been revoked; it opens nothing any more.", name=client.name), "success")
    return redirect(url_for("backoffice.api_clients"))
