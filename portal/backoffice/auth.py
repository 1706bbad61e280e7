"""Sign-in and sign-out of staff: password, then the one-time code when the account has a
second factor; enrolment of the second factor (admins must) and its reset by an admin."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from portal import accounts, security, totp
from portal.audit import record
from portal.backoffice import bp
from portal.backoffice.forms import ActionForm, CodeForm, LanguageForm, LoginForm
from portal.config import secret_keys
from portal.extensions import db, limiter
from portal.models import Role, StaffUser
from portal.models._types import utcnow
from portal.security import SIGNED_IN_STAFF, allow_anonymous, allow_before_enrolment, requires_role

# Between password and code: long enough to open the app, short enough not to linger.
PENDING_SECONDS = 5 * 60


def signed_out_message(reason: str) -> str:
    if reason == "idle":
        return _("You were signed out after %(minutes)s minutes without activity.",
                 minutes=current_app.config["PORTAL_STAFF_IDLE_MINUTES"])
    return _("You were signed out: a sign-in lasts at most %(hours)s hours.",
             hours=int(current_app.permanent_session_lifetime.total_seconds() // 3600))


def _sign_in_account_key() -> str:
    """The account being signed in to: typed on the password step, remembered for the code step
    (never taken from the code form, so that it cannot be varied to dodge the limit)."""
    if request.endpoint == "backoffice.login_code":
        email = (session.get("pending_sign_in") or {}).get("email", "")
    else:
        email = request.form.get("email", "")
    return "login-account:" + email.strip().lower()[:254]


# Password and code attempts share one budget per address and one per account.
_per_address = limiter.shared_limit("20 per minute", scope="staff-sign-in-address", methods=["POST"])
_per_account = limiter.shared_limit("10 per 15 minutes", scope="staff-sign-in-account", methods=["POST"],
                                    key_func=_sign_in_account_key)


def _safe_next(target: str | None) -> str:
    """Only local back-office paths: never an open redirect."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/backoffice/"):
            return target
    return url_for("backoffice.dashboard")


def _complete_sign_in(user: StaffUser, next_url: str | None):
    # A fresh session on sign-in: nothing from before survives (session fixation).
    session.clear()
    login_user(user)
    security.start_staff_session()
    user.last_login_at = utcnow()
    record("login", staff=user, object_type="staff_user", object_id=user.id, client_address=request.remote_addr)
    db.session.commit()
    return redirect(_safe_next(next_url))


@bp.route("/login", methods=["GET", "POST"])
@allow_anonymous
@_per_address
@_per_account
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
        elif user.has_totp:
            # The password was right; the code comes next. Nothing of the old session survives.
            db.session.commit()  # a rehashed password
            session.clear()
            session["pending_sign_in"] = {"id": user.id, "email": user.email, "at": int(security.clock()),
                                          "next": form.next.data or ""}
            return redirect(url_for("backoffice.login_code"))
        else:
            return _complete_sign_in(user, form.next.data)
    return render_template("backoffice/login.html", form=form)


def _pending_user() -> StaffUser | None:
    pending = session.get("pending_sign_in")
    if not isinstance(pending, dict) or not isinstance(pending.get("at"), int):
        return None
    if security.clock() - pending["at"] > PENDING_SECONDS:
        return None
    user = db.session.get(StaffUser, pending.get("id") or 0)
    return user if user is not None and user.is_active_account and user.has_totp else None


@bp.route("/login/code", methods=["GET", "POST"])
@allow_anonymous
@_per_address
@_per_account
def login_code():
    """The second step: the six-digit code of the authenticator app."""
    if current_user.is_authenticated:
        return redirect(url_for("backoffice.dashboard"))
    user = _pending_user()
    if user is None:
        session.pop("pending_sign_in", None)
        flash(_("Please sign in again with your e-mail address and password."), "info")
        return redirect(url_for("backoffice.login"))
    form = CodeForm()
    if form.validate_on_submit():
        if totp.verify(db.session, user, form.code.data, secret_keys(current_app.config)):
            return _complete_sign_in(user, session["pending_sign_in"].get("next"))
        db.session.rollback()
        form.code.errors.append(_("The code is wrong or has been used already. Enter the current code."))
        record("login_failed", staff=None, object_type="staff_user", client_address=request.remote_addr,
               detail={"email": user.email, "factor": "code"})
        db.session.commit()
    return render_template("backoffice/login_code.html", form=form)


@bp.route("/account/two-factor", methods=["GET", "POST"])
@requires_role(*SIGNED_IN_STAFF)
@allow_before_enrolment
def two_factor():
    """Enrolment: the secret as QR code and text, confirmed with a code from the app. Once
    enrolled, the secret is never shown again."""
    user = current_user._get_current_object()
    if user.has_totp:
        return render_template("backoffice/two_factor.html", enrolled=True, user=user)
    secret = session.get("totp_enrolment_secret")
    if not isinstance(secret, str) or len(secret) != 32:
        secret = session["totp_enrolment_secret"] = totp.new_secret()
    form = CodeForm()
    if form.validate_on_submit():
        if totp.enrol(db.session, user, secret, form.code.data, utcnow(), secret_keys(current_app.config)):
            session.pop("totp_enrolment_secret", None)
            record("totp_enrol", staff=user, object_type="staff_user", object_id=user.id,
                   client_address=request.remote_addr)
            db.session.commit()
            flash(_("Two-factor sign-in is on. From now on you enter a code from your app after the password."),
                  "success")
            return redirect(url_for("backoffice.dashboard"))
        form.code.errors.append(_("The code does not match. Check that the time on your phone is right and "
                                  "enter the current code."))
    uri = totp.provisioning_uri(secret, user.email, current_app.config["PORTAL_OFFICE_NAME"])
    return render_template("backoffice/two_factor.html", enrolled=False, user=user, form=form,
                           secret=totp.grouped(secret), qr=totp.qr_data_uri(uri),
                           required=totp.must_enrol(user))


@bp.post("/admin/staff/<int:staff_id>/reset-two-factor")
@requires_role(Role.ADMIN)
def reset_two_factor(staff_id: int):
    """Recovery after a lost phone: the person enrols again (admins at their next sign-in)."""
    user = db.session.get(StaffUser, staff_id)
    if user is None:
        abort(404)
    if ActionForm().validate_on_submit():
        totp.reset(user)
        record("totp_reset", staff=current_user, object_type="staff_user", object_id=user.id,
               client_address=request.remote_addr, detail={"email": user.email})
        db.session.commit()
        flash(_("Two-factor sign-in of %(name)s has been reset.", name=user.full_name), "success")
    return redirect(url_for("backoffice.staff_list"))


@bp.post("/logout")
@requires_role(*SIGNED_IN_STAFF)
@allow_before_enrolment
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
@allow_before_enrolment
def choose_language():
    form = LanguageForm()
    if form.validate_on_submit():
        current_user.preferred_language = form.language.data
        db.session.commit()
    return redirect(_safe_next(request.referrer and urlsplit(request.referrer).path))
