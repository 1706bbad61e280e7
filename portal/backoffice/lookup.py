"""The phone desk: one search box, everything about the caller on one screen."""
from __future__ import annotations

from flask import render_template, request
from flask_login import current_user

from portal.audit import record
from portal.backoffice import bp
from portal.casework import access
from portal.casework.lookup import lookup as run_lookup
from portal.extensions import db
from portal.security import CASEWORK_STAFF, requires_role


@bp.get("/lookup")
@requires_role(*CASEWORK_STAFF)
def lookup():
    query = request.args.get("q", "").strip()
    result = run_lookup(db.session, query)
    elsewhere = _keep_own_site(result)
    if query:
        # Who looked up whom is part of the audit trail.
        record("lookup", staff=current_user, object_type="search", client_address=request.remote_addr,
               detail={"query": query[:200], "found": len(result.hits) + (1 if result.submission else 0)})
        db.session.commit()
    return render_template("backoffice/lookup.html", query=query, result=result, elsewhere=elsewhere)


def _keep_own_site(result) -> list[str]:
    """Drop what the caseworker may not see (portal.casework.access); the names of the sites
    where something was found instead, so that the caller can be passed on."""
    hidden = set()
    if result.submission is not None and not access.can_see_submission(current_user, result.submission):
        hidden.add(result.submission.site.name)
        result.submission = None
    kept = []
    for hit in result.hits:
        if access.can_see_case_file(current_user, hit.case_file):
            hit.open_submissions = [s for s in hit.open_submissions if access.can_see_submission(current_user, s)]
            kept.append(hit)
        else:
            hidden.add(hit.case_file.site.name)
    result.hits = kept
    if hidden and result.problem == "" and not kept and result.submission is None:
        result.problem = "elsewhere"
    return sorted(hidden)
