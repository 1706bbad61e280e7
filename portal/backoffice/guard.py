"""The back office's door: who may open which view (roles, declared on each view and enforced
before every request, failing closed), staff sessions (idle and absolute limits, ended sessions),
the refusal of another site's object (403 with a denied audit entry), and where a browser may be
sent after sign-in. Response headers for every page are in portal.security."""
from __future__ import annotations

import re
import time
import unicodedata
from typing import NoReturn
from urllib.parse import unquote, urlsplit

from flask import Flask, abort, current_app, flash, g, redirect, request, session, url_for
from flask_babel import ngettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user, logout_user

from portal.audit import record
from portal.config import current_settings
from portal.extensions import db, login_manager
from portal.models import Role, StaffUser
from portal.staff import sign_in
from portal.staff.totp import must_enrol

# Staff who work case files and submissions.
CASEWORK_STAFF = (Role.CASEWORKER, Role.TEAM_LEAD, Role.ADMIN)
LEADS = (Role.TEAM_LEAD, Role.ADMIN)
# Everyone with a staff account (sign-out, language, overview).
SIGNED_IN_STAFF = (*CASEWORK_STAFF, Role.DATA_PROTECTION, Role.EDITOR)
# Portal content (pages, service descriptions, notices): editors write, leads also publish.
EDITORS = (Role.EDITOR, Role.TEAM_LEAD, Role.ADMIN)
PUBLISHERS = LEADS
AUDIT_READERS = (Role.ADMIN, Role.DATA_PROTECTION)


def requires_role(*roles: Role):
    """Declare who may open a back-office view; the blueprint guard enforces it."""

    def decorate(view):
        view.required_roles = frozenset(str(r) for r in roles)
        return view

    return decorate


def allow_anonymous(view):
    """Mark the few back-office views (sign-in) that anonymous visitors may open."""
    view.allows_anonymous = True
    return view


def allow_before_enrolment(view):
    """Mark the views an admin without a second factor may open (enrolment, sign-out)."""
    view.allowed_before_enrolment = True
    return view


# -- staff sessions ----------------------------------------------------------------------------

# The time source of the session checks; tests put a clock of their own here.
clock = time.time


def start_staff_session() -> None:
    """Called right after login_user: the sign-in time (absolute limit) and the last request (idle)."""
    now = int(clock())
    session["signed_in_at"] = now
    session["seen"] = now


def _session_expired() -> str | None:
    """"idle", "too_long" or None. A session without the marks (older than this check) counts as idle."""
    now = clock()
    signed_in, seen = session.get("signed_in_at"), session.get("seen")
    if not isinstance(signed_in, int) or not isinstance(seen, int):
        return "idle"
    if now - signed_in > current_app.permanent_session_lifetime.total_seconds():
        return "too_long"
    if now - seen > current_settings().staff_idle_minutes * 60:
        return "idle"
    return None


def signed_out_message(reason: str) -> str:
    if reason == "idle":
        return ngettext("You were signed out after %(num)s minute without activity.",
                        "You were signed out after %(num)s minutes without activity.",
                        current_settings().staff_idle_minutes)
    return ngettext("You were signed out: a sign-in lasts at most %(num)s hour.",
                    "You were signed out: a sign-in lasts at most %(num)s hours.",
                    int(current_app.permanent_session_lifetime.total_seconds() // 3600))


def _end_expired_session(reason: str):
    sign_in.session_expired(db.session, current_user._get_current_object(), reason,
                            client_address=request.remote_addr or "")
    db.session.commit()
    logout_user()
    session.clear()
    flash(signed_out_message(reason), "info")
    target = request.full_path if request.method == "GET" else None
    return redirect(url_for("backoffice.login", next=target.rstrip("?") if target else None))


def _end_ended_session():
    """A cookie of a session that was ended (sign-out, new password, ...), perhaps a copy:
    recorded, and the browser's cookie emptied."""
    ended = g.pop("ended_staff_session", None)
    sign_in.ended_session_refused(db.session, ended, client_address=request.remote_addr or "")
    db.session.commit()
    session.clear()


def load_staff_user(token: str) -> StaffUser | None:
    """The staff member of a session cookie, read from the database on every request.
    `token` is "<id>:<session generation>" (StaffUser.get_id): a cookie of an ended session
    (an older generation) signs no one in, and is noted for the guard to record."""
    user_id, _sep, generation = token.partition(":")
    if not (user_id.isdigit() and generation.isdigit()):
        return None  # also a cookie from before session generations: sign in again
    user = db.session.get(StaffUser, int(user_id))
    if user is None:
        return None
    if user.session_generation != int(generation):
        g.ended_staff_session = user
        return None
    return user


def init_app(app: Flask) -> None:
    """Staff sign-in: the login manager sends anonymous visitors to the back office's sign-in."""
    login_manager.init_app(app)
    login_manager.login_view = "backoffice.login"
    login_manager.login_message = _l("Please sign in to open this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
    login_manager.user_loader(load_staff_user)


# -- after sign-in -----------------------------------------------------------------------------

_DOT_SEGMENT = re.compile(r"(^|/)\.{1,2}(/|$)")


def local_backoffice_path(target: str | None) -> str | None:
    """`target` if it is safe to send a browser to after sign-in: a path inside the back office,
    else None. Refused: other hosts and schemes (also "//host" and "/\\host", which browsers read
    as hosts), control characters (a newline would split the Location header; browsers drop tabs
    and newlines from URLs), backslashes, and "." or ".." segments, also percent-encoded (the
    browser resolves them and leaves the back office)."""
    if not target or len(target) > 2048:
        return None
    decoded = unquote(target)
    for text in (target, decoded):
        if "\\" in text or any(unicodedata.category(ch) == "Cc" for ch in text):
            return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/backoffice/"):
        return None
    if _DOT_SEGMENT.search(unquote(parts.path)):
        return None
    return target


# -- the guard ---------------------------------------------------------------------------------

def refuse(object_type: str, object_id) -> NoReturn:
    """403 for something of another site, written into the audit trail."""
    record(db.session, "denied", staff=current_user, object_type=object_type, object_id=object_id,
           client_address=request.remote_addr, detail={"endpoint": request.endpoint or ""})
    db.session.commit()
    abort(403)


def guard_backoffice_request():
    """Runs before every back-office view: fail closed when a view declares no roles."""
    view = current_app.view_functions.get(request.endpoint or "")
    if view is None or getattr(view, "allows_anonymous", False):
        return None
    if not current_user.is_authenticated:
        if "ended_staff_session" in g:
            _end_ended_session()
        return login_manager.unauthorized()
    expired = _session_expired()
    if expired:
        return _end_expired_session(expired)
    session["seen"] = int(clock())
    if must_enrol(current_user) and not getattr(view, "allowed_before_enrolment", False):
        # An admin without a second factor can do nothing but enrol (or sign out).
        return redirect(url_for("backoffice.two_factor"))
    roles = getattr(view, "required_roles", None)
    if not roles or current_user.role not in roles:
        abort(403)
    return None
