"""Sign-in and sign-out of staff: password, then the one-time code when the account has a
second factor; enrolment of the second factor (admins must) and its reset by an admin.
After repeated failed sign-ins to an account, its sign-in also needs the proof of work
(portal.staff.sign_in_limits)."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from portal.appointments import pow as proof_of_work
from portal.backoffice import bp, guard, loaders
from portal.backoffice.forms import ActionForm, CodeForm, LanguageForm, LoginForm
from portal.backoffice.guard import SIGNED_IN_STAFF, allow_anonymous, allow_before_enrolment, requires_role
from portal.config import current_settings, secret_keys
from portal.extensions import db, limiter
from portal.models import Role, StaffUser
from portal.models._types import utcnow
from portal.staff import accounts, sign_in, sign_in_limits, totp

# Between password and code: long enough to open the app, short enough not to linger.
PENDING_SECONDS = 5 * 60


def _code_step_account_key() -> str:
    """The account whose code is entered, as remembered after its password (never taken from
    the form, so that it cannot be varied to dodge the limit). Only someone who had the right
    password can spend this budget, so it cannot be used to lock the owner out."""
    return "login-code:" + (session.get("pending_sign_in") or {}).get("email", "")


# Password and code attempts share one budget per address; codes have one per account besides.
# Wrong passwords per account do not lock out: they call for the proof of work (sign_in_limits).
_per_address = limiter.shared_limit("20 per minute", scope="staff-sign-in-address", methods=["POST"])
_codes_per_account = limiter.limit("10 per 15 minutes", methods=["POST"], key_func=_code_step_account_key)


def _client() -> str:
    return request.remote_addr or ""


def _safe_next(target: str | None) -> str:
    """Only local back-office paths (guard.local_backoffice_path): never an open redirect."""
    return guard.local_backoffice_path(target) or url_for("backoffice.dashboard")


def _human_check_refusal() -> str | None:
    """Why a sign-in to an account past its failure limit is refused, else None (solved; the
    solution is used up in this transaction). Says nothing about the password."""
    check = current_settings().human_check
    if not check.enabled:
        # Without the proof of work the account can only be protected by waiting.
        return _("There were too many failed sign-ins to this account. Please try again in 15 minutes.")
    if proof_of_work.human_check_failed(db.session, request.form, check, current_app.config["SECRET_KEY"]) is None:
        return None
    return _("There were too many failed sign-ins to this account. Wait until the check below is "
             "finished, then enter your password again and sign in.")


def _complete_sign_in(user: StaffUser, next_url: str | None):
    # A fresh session on sign-in: nothing from before survives (session fixation).
    session.clear()
    login_user(user)
    guard.start_staff_session()
    sign_in.signed_in(db.session, user, now=utcnow(), client_address=_client())
    db.session.commit()
    return redirect(_safe_next(next_url))


@bp.route("/login", methods=["GET", "POST"])
@allow_anonymous
@_per_address
def login():
    if current_user.is_authenticated:
        return redirect(url_for("backoffice.dashboard"))
    form = LoginForm(next=request.args.get("next", ""))
    human_check = False
    if form.validate_on_submit():
        email = form.email.data
        human_check = sign_in_limits.needs_human_check(email)
        refusal = _human_check_refusal() if human_check else None
        if refusal:
            form.password.errors.append(refusal)
            sign_in.sign_in_failed(db.session, email, client_address=_client(), human_check="not solved")
            db.session.commit()
            return render_template("backoffice/login.html", form=form, human_check=True), 429
        user = accounts.authenticate(db.session, email, form.password.data)
        if user is None:
            sign_in_limits.count_failure(email)
            human_check = human_check or sign_in_limits.needs_human_check(email)
            form.password.errors.append(_("E-mail address or password is wrong."))
            sign_in.sign_in_failed(db.session, email, client_address=_client())
            db.session.commit()
        elif user.has_totp:
            # The password was right; the code comes next. Nothing of the old session survives.
            db.session.commit()  # a rehashed password, a used proof of work
            session.clear()
            session["pending_sign_in"] = {"id": user.id, "email": user.email, "at": int(guard.clock()),
                                          "generation": user.session_generation, "next": form.next.data or ""}
            return redirect(url_for("backoffice.login_code"))
        else:
            return _complete_sign_in(user, form.next.data)
    return render_template("backoffice/login.html", form=form, human_check=human_check)


@bp.get("/login/challenge")
@allow_anonymous
@limiter.limit("60 per minute")
def login_challenge():
    """A proof-of-work challenge for the sign-in widget (as the public side's; never cached:
    the blueprint sends no-store)."""
    check = current_settings().human_check
    if not check.enabled:
        abort(404)
    return jsonify(proof_of_work.create_challenge(
        current_app.config["SECRET_KEY"], max_number=check.max_number, expiry_minutes=check.expiry_minutes))


def _pending_user() -> StaffUser | None:
    pending = session.get("pending_sign_in")
    if not isinstance(pending, dict) or not isinstance(pending.get("at"), int):
        return None
    if guard.clock() - pending["at"] > PENDING_SECONDS:
        return None
    user = db.session.get(StaffUser, pending.get("id") or 0)
    if user is None or not user.is_active_account or not user.has_totp:
        return None
    # A new password, reset or sign-out since the password step ends this half sign-in too.
    return user if pending.get("generation") == user.session_generation else None


@bp.route("/login/code", methods=["GET", "POST"])
@allow_anonymous
@_per_address
@_codes_per_account
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
        sign_in_limits.count_failure(user.email)
        form.code.errors.append(_("The code is wrong or has been used already. Enter the current code."))
        sign_in.sign_in_failed(db.session, user.email, client_address=_client(), factor="code")
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
        if accounts.enrol_second_factor(db.session, user, secret, form.code.data, now=utcnow(),
                                        keys=secret_keys(current_app.config), client_address=_client()):
            session.pop("totp_enrolment_secret", None)
            db.session.commit()
            flash(_("Two-factor sign-in is on. From now on you enter a code from your app after the password."),
                  "success")
            return redirect(url_for("backoffice.dashboard"))
        form.code.errors.append(_("The code does not match. Check that the time on your phone is right and "
                                  "enter the current code."))
    uri = totp.provisioning_uri(secret, user.email, current_settings().office.name)
    return render_template("backoffice/two_factor.html", enrolled=False, user=user, form=form,
                           secret=totp.grouped(secret), qr=totp.qr_data_uri(uri),
                           required=totp.must_enrol(user))


@bp.post("/admin/staff/<int:staff_id>/reset-two-factor")
@requires_role(Role.ADMIN)
def reset_two_factor(staff_id: int):
    """Recovery after a lost phone: the person enrols again (admins at their next sign-in)."""
    user = loaders.visible(db.session.get(StaffUser, staff_id))
    if ActionForm().validate_on_submit():
        accounts.reset_second_factor(db.session, user, by=current_user._get_current_object(),
                                     client_address=request.remote_addr or "")
        db.session.commit()
        flash(_("Two-factor sign-in of %(name)s has been reset.", name=user.full_name), "success")
    return redirect(url_for("backoffice.staff_list"))


@bp.post("/logout")
@requires_role(*SIGNED_IN_STAFF)
@allow_before_enrolment
def logout():
    if ActionForm().validate_on_submit():
        # Every session of the account ends, on every node: also a copy of this cookie.
        accounts.sign_out(db.session, current_user._get_current_object(), client_address=_client())
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
