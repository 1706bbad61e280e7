"""The service catalogue: what the office offers, what to bring, where to start."""
from __future__ import annotations

from flask import abort, render_template
from sqlalchemy import select

from portal.extensions import db
from portal.forms.catalogue import BY_CODE, CATALOGUE
from portal.models import Service
from portal.public import bp


def _active_codes() -> set[str]:
    return set(db.session.scalars(select(Service.code).where(Service.is_active)))


@bp.get("/services/")
def services():
    active = _active_codes()
    return render_template("public/services.html", services=[e for e in CATALOGUE if e.code in active])


@bp.get("/services/<code>/")
def service(code: str):
    entry = BY_CODE.get(code)
    if entry is None or code not in _active_codes():
        abort(404)
    return render_template("public/service.html", service=entry)
