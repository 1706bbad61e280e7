"""Back-office start page and the admin overviews."""
from __future__ import annotations

from flask import render_template
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from portal.backoffice import bp
from portal.backoffice.guard import CASEWORK_STAFF, LEADS, SIGNED_IN_STAFF, requires_role
from portal.extensions import db
from portal.models import CaseFile, Role, Service, Site, StaffUser, Submission
from portal.models.submission import OPEN_STATUSES


@bp.get("/")
@requires_role(*SIGNED_IN_STAFF)
def dashboard():
    from portal.content.pending import waiting_for_review

    # Team leads and admins publish content: what editors submitted waits for them.
    review = waiting_for_review(db.session) if current_user.has_role(*LEADS) else None
    if not current_user.has_role(*CASEWORK_STAFF):
        # Editors and the data-protection officer: their own work, no casework figures.
        return render_template("backoffice/dashboard.html", rows=None, unassigned=0, review=review)
    case_files = dict(db.session.execute(
        select(CaseFile.site_id, func.count()).group_by(CaseFile.site_id)).all())
    open_submissions = dict(db.session.execute(
        select(Submission.site_id, func.count())
        .where(Submission.status.in_([s.value for s in OPEN_STATUSES]))
        .group_by(Submission.site_id)).all())
    sites = db.session.scalars(select(Site).order_by(Site.name)).all()
    rows = [(site, case_files.get(site.id, 0), open_submissions.get(site.id, 0)) for site in sites]
    unassigned = open_submissions.get(None, 0)
    return render_template("backoffice/dashboard.html", rows=rows, unassigned=unassigned, review=review)


@bp.get("/admin/staff")
@requires_role(Role.ADMIN)
def staff_list():
    staff = db.session.scalars(
        select(StaffUser).options(selectinload(StaffUser.site)).order_by(StaffUser.full_name)).all()
    return render_template("backoffice/staff.html", staff=staff)


@bp.get("/admin/sites")
@requires_role(*LEADS)
def sites_overview():
    sites = db.session.scalars(
        select(Site).options(selectinload(Site.opening_hours)).order_by(Site.name)).all()
    services = db.session.scalars(select(Service).order_by(Service.name_de)).all()
    return render_template("backoffice/sites.html", sites=sites, services=services)
