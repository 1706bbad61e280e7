"""The phone desk: one search box, everything about the caller on one screen."""
from __future__ import annotations

from flask import render_template, request
from flask_login import current_user

from portal.audit import record
from portal.backoffice import bp
from portal.backoffice.guard import CASEWORK_STAFF, requires_role
from portal.casefiles.person import latin_name
from portal.casework.lookup import lookup as run_lookup
from portal.extensions import db

# A hit's name in Latin letters beside the name in its own script (the passport's spelling first).
bp.add_app_template_global(latin_name, "latin_name")


@bp.get("/lookup")
@requires_role(*CASEWORK_STAFF)
def lookup():
    query = request.args.get("q", "").strip()
    # Only what this caseworker may see (portal.casework.access); other sites are named.
    result = run_lookup(db.session, query, current_user)
    if query:
        # Who looked up whom is part of the audit trail.
        record(db.session, "lookup", staff=current_user, object_type="search", client_address=request.remote_addr,
               detail={"query": query[:200], "found": len(result.hits) + (1 if result.submission else 0)})
        db.session.commit()
    return render_template("backoffice/lookup.html", query=query, result=result, elsewhere=result.elsewhere)
