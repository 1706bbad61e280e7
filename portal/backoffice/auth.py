"""Sign-in and sign-out of staff."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from portal import accounts
from portal.audit import record
from portal.backoffice import bp
from portal.backoffice.forms import ActionForm, LanguageForm, LoginForm
from portal.extensions import db, limiter
from portal.models._types import utcnow
from portal.security import SIGNED_IN_STAFF, allow_anonymous, requires_role


def _login_account_key() -> str:
    return "login-account:" + request.form.get("email", "").strip().lower()[:254]


def _safe_next(target: str | None) -> str:
    """Only local back-office paths: never an open redirect."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/backoffice/"):
            return target
    return url_for("backoffice.dashboard")


@bp.route("/login", methods=["GET", "POST"])
@allow_anonymous
@limiter.limit("20 per minute", methods=["POST"])
@limiter.limit("10 per 15 minutes", methods=["POST"], key_func=_login_account_key)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("backoffice.dashboard"))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        user = accounts.authenticate(db.session, form.email.data, form.password.data)
        if user is None:
            form.password.errors.append(_("E-mail address or password is wrong."))
            record("login_failed", staff=None, object_type="staff_user", client_address=request.remote_addr,
                   detail={"email": form.email.data.strip().lower()[:254]})
            db.session.commit()
        else:
            # A fresh session on sign-in: nothing from before survives (session fixation).
            session.clear()
            login_user(user)
            user.last_login_at = utcnow()
            record("login", staff=user, object_type="staff_user", object_id=user.id,
                   client_address=request.remote_addr)
            db.session.commit()
            return redirect(_safe_next(form.next.data))
    return render_template("backoffice/login.html", form=form)


@bp.post("/logout")
@requires_role(*SIGNED_IN_STAFF)
def logout():
    if ActionForm().validate_on_submit():
        record("logout", staff=current_user, object_type="staff_user", object_id=current_user.id,
               client_address=request.remote_addr)
        db.session.commit()
        logout_user()
        session.clear()
        flash(_("You have been signed out."), "info")
    return redirect(url_for("backoffice.login"))


@bp.post("/language")
@requires_role(*SIGNED_IN_STAFF)
def choose_language():
    form = LanguageForm()
    if form.validate_on_submit():
        current_user.preferred_language = form.language.data
        db.session.commit()
    return redirect(_safe_next(request.referrer and urlsplit(request.referrer).path))
