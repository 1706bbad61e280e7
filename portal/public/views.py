"""Start page and contact page: thin views over the catalogue and the sites."""
from __future__ import annotations

from flask import render_template
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.forms.catalogue import PUBLIC_CATALOGUE
from portal.models import Service, Site
from portal.public import bp
from portal.public.page_cache import cached_page


def _active_sites():
    return db.session.scalars(
        select(Site).where(Site.is_active).options(selectinload(Site.opening_hours)).order_by(Site.name)
    ).all()


@bp.get("/")
@cached_page
def index():
    active = set(db.session.scalars(select(Service.code).where(Service.is_active)))
    services = [entry for entry in PUBLIC_CATALOGUE if entry.code in active]
    return render_template("public/index.html", services=services, sites=_active_sites())


@bp.get("/contact")
def contact():
    return render_template("public/contact.html", sites=_active_sites())
