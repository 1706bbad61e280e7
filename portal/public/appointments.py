"""Booking an appointment: service → site → day → time → person → confirm by mail.
Thin views over portal.appointments (rules, places, links)."""
from __future__ import annotations

from datetime import date, timedelta

from flask import abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from portal.appointments import booking as booking_rules
from portal.appointments import links
from portal.config import current_settings, secret_keys
from portal.domain.office_time import aware, to_office_time
from portal.extensions import db, get_storage, limiter
from portal.forms.catalogue import BY_CODE
from portal.forms.fields import BIRTH_DATE, BIRTH_DATE_HINT, EMAIL, PHONE, FieldSpec
from portal.forms.spec import StepSpec
from portal.models import Booking, BookingStatus, Service, ServiceCounters, Site, Slot, Submission
from portal.models._types import utcnow
from portal.public import bp
from portal.public.access import has_status_access
from portal.public.page_cache import cached_page
from portal.row_ids import form_row_id

HELD = "booking_held"
FOR_SUBMISSION = "booking_submission"


def _mail_setup():
    from portal.appointments.mails import BookingMailSetup

    return BookingMailSetup.of(current_settings(), secret_keys(current_app.config), get_storage())


def _person_step() -> StepSpec:
    from flask_babel import lazy_gettext as _l

    return StepSpec(key="person", title=_l("Your details"), fields=(
        FieldSpec("surname", _l("Surname"), autocomplete="family-name"),
        FieldSpec("given_names", _l("Given names"), autocomplete="given-name"),
        FieldSpec("date_of_birth", _l("Date of birth"), kind=BIRTH_DATE,
                  hint=BIRTH_DATE_HINT),
        FieldSpec("email", _l("E-mail address"), kind=EMAIL, max_length=254, autocomplete="email",
                  hint=_l("We send you a link to confirm the appointment. It is only booked after you click it.")),
        FieldSpec("phone", _l("Phone number"), kind=PHONE, required=False, autocomplete="tel"),
    ))


def _bookable_services() -> list[tuple[object, Service]]:
    offered = db.session.scalars(
        select(Service).join(ServiceCounters, ServiceCounters.service_id == Service.id)
        .where(Service.is_active, Service.needs_appointment, ServiceCounters.counters > 0).distinct()).all()
    return [(BY_CODE[s.code], s) for s in offered if s.code in BY_CODE]


def _service_or_404(code: str) -> Service:
    service = db.session.scalar(select(Service).where(Service.code == code, Service.is_active,
                                                      Service.needs_appointment))
    if service is None or code not in BY_CODE:
        abort(404)
    return service


def _sites_for(service: Service) -> list[Site]:
    return list(db.session.scalars(
        select(Site).join(ServiceCounters, ServiceCounters.site_id == Site.id)
        .where(ServiceCounters.service_id == service.id, ServiceCounters.counters > 0, Site.is_active)
        .order_by(Site.name)))


def _site_or_404(service: Service, site_code: str) -> Site:
    site = next((s for s in _sites_for(service) if s.code == site_code), None)
    if site is None:
        abort(404)
    return site


def _remember_submission() -> None:
    """Coming from the receipt page: the booking will belong to that application."""
    reference = request.args.get("submission", "")
    if reference and has_status_access(reference):
        session[FOR_SUBMISSION] = reference


@bp.get("/appointments/")
@cached_page
def appointments():
    _remember_submission()
    return render_template("public/appointments/services.html", services=_bookable_services())


@bp.get("/appointments/<code>/")
def appointment_sites(code: str):
    _remember_submission()
    service = _service_or_404(code)
    sites = _sites_for(service)
    if len(sites) == 1:
        return redirect(url_for("public.appointment_calendar", code=code, site=sites[0].code))
    return render_template("public/appointments/sites.html", entry=BY_CODE[code], sites=sites)


def _month_grid(first: date, last: date, month: date, free: dict[date, int]):
    """Weeks (Monday first) of the month; each day with its free times, or None outside the month."""
    start = month - timedelta(days=month.weekday())
    weeks = []
    while start.month == month.month or start < month:
        week = []
        for offset in range(7):
            day = start + timedelta(days=offset)
            week.append((day, free.get(day, 0) if first <= day <= last else 0) if day.month == month.month else None)
        weeks.append(week)
        start += timedelta(days=7)
    return weeks


def _bookable_days_now(code: str, site: str) -> str | None:
    """What a cached month calendar depends on besides the free times: the days bookable at this
    moment (the newest opens at the site's release time). None for an unknown site. Asked of the
    database once a second per site: at a slot release every applicant's first page needs it."""
    from portal.public.page_cache import EXTENSION

    cache = current_app.extensions[EXTENSION]
    second = int(utcnow().timestamp())
    return cache.fact(f"bookable:{cache.store.generation('availability')}:{site}:{second}", 1.0,
                      lambda: _bookable_days(site))


def _bookable_days(site: str) -> str | None:
    site_id = db.session.scalar(select(Site.id).where(Site.code == site, Site.is_active))
    if site_id is None:
        return None
    first, last = booking_rules.window(db.session, site_id, utcnow())
    return f"{first}..{last}"


@bp.get("/appointments/<code>/<site>/")
@cached_page(availability=_bookable_days_now)
def appointment_calendar(code: str, site: str):
    service = _service_or_404(code)
    place = _site_or_404(service, site)
    now = utcnow()
    first, last = booking_rules.window(db.session, place.id, now)
    free = booking_rules.free_days(db.session, place.id, service.id, now)
    try:
        year, month = (int(part) for part in request.args.get("month", "").split("-"))
        shown = date(year, month, 1)
    except ValueError:
        shown = min(free) if free else first
        shown = shown.replace(day=1)
    shown = max(min(shown, last.replace(day=1)), first.replace(day=1))
    previous = (shown - timedelta(days=1)).replace(day=1)
    following = (shown + timedelta(days=32)).replace(day=1)
    return render_template(
        "public/appointments/calendar.html", entry=BY_CODE[code], site=place, month=shown,
        weeks=_month_grid(first, last, shown, free), free_total=sum(free.values()),
        previous=previous if previous >= first.replace(day=1) else None,
        following=following if following <= last else None)


@bp.get("/appointments/<code>/<site>/<day>")
def appointment_day(code: str, site: str, day: str):
    service = _service_or_404(code)
    place = _site_or_404(service, site)
    try:
        chosen = date.fromisoformat(day)
    except ValueError:
        abort(404)
    times = booking_rules.free_times_on(db.session, place.id, service.id, chosen, utcnow())
    return render_template("public/appointments/day.html", entry=BY_CODE[code], site=place, day=chosen,
                           times=times, error=None)


def _local(slot: Slot):
    return to_office_time(slot.starts_at)


@bp.post("/appointments/hold")
@limiter.limit("20 per hour;5 per minute")
def hold_appointment():
    from portal.appointments.pow import human_check_failed

    slot = db.session.get(Slot, form_row_id(request.form, "slot") or 0)
    if slot is None:
        return _choose_a_time()
    problem = human_check_failed(db.session, request.form, current_settings().human_check,
                                 current_app.config["SECRET_KEY"])
    if problem:
        times = booking_rules.free_times_on(db.session, slot.site_id, slot.service_id, _local(slot).date(), utcnow())
        return render_template("public/appointments/day.html", entry=BY_CODE.get(slot.service.code), site=slot.site,
                               day=_local(slot).date(), times=times, error=problem), 400
    submission_id = None
    reference = session.get(FOR_SUBMISSION)
    if reference and has_status_access(reference):
        submission_id = db.session.scalar(select(Submission.id).where(Submission.reference == reference))
    now = utcnow()
    try:
        booking = booking_rules.hold(db.session, slot.id, language=g.lang, client_address=request.remote_addr or "",
                                     now=now, hold_minutes=current_settings().booking.hold_minutes,
                                     submission_id=submission_id)
    except booking_rules.SlotTaken:
        # Made before the rollback, which would expire the slot and its rules and have them read
        # again: at a slot release most holds end here.
        page = render_template("public/appointments/taken.html", entry=BY_CODE.get(slot.service.code),
                               site=slot.site, alternatives=booking_rules.next_free_slots(db.session, slot, now))
        db.session.rollback()
        return page, 409
    except booking_rules.BookingError:
        db.session.rollback()
        abort(404)
    booking_id = booking.id  # read before the commit expires it
    db.session.commit()
    session[HELD] = booking_id
    return redirect(url_for("public.appointment_details"))


def _choose_a_time():
    """Sent without a time (none is chosen beforehand): the same day again, saying so."""
    service = _service_or_404(request.form.get("service", ""))
    place = _site_or_404(service, request.form.get("site", ""))
    try:
        day = date.fromisoformat(request.form.get("day", ""))
    except ValueError:  # the next free times after a taken one span several days
        flash(_("Please choose a time."), "error")
        return redirect(url_for("public.appointment_calendar", code=service.code, site=place.code))
    times = booking_rules.free_times_on(db.session, place.id, service.id, day, utcnow())
    return render_template("public/appointments/day.html", entry=BY_CODE[service.code], site=place, day=day,
                           times=times, error=None, time_error=_("Please choose a time.")), 400


def _held_booking() -> Booking | None:
    booking = db.session.get(Booking, session.get(HELD) or 0)
    if booking is None or booking.status != BookingStatus.HELD:
        return None
    return booking


# The warning before a held time runs out comes this long before (WCAG 2.2.1 asks for at least 20 s).
HOLD_WARNING_SECONDS = 120


@bp.route("/appointments/details", methods=["GET", "POST"])
def appointment_details():
    booking = _held_booking()
    if booking is None or aware(booking.held_until) < utcnow():
        return render_template("public/appointments/hold_expired.html"), 410
    step = _person_step()
    errors, inputs, general, extended = {}, {}, None, False
    if request.method == "POST":
        inputs = request.form  # shown again as typed, also after keeping the time longer
        if request.form.get("action") == "extend":
            outcome = _extend_hold(booking)
            if outcome == "hold_expired":
                return render_template("public/appointments/hold_expired.html"), 410
            extended = outcome is None
            general = outcome if not extended else None
        else:
            errors, outcome = _give_details(booking, step)
            if outcome == "hold_expired":
                return render_template("public/appointments/hold_expired.html"), 410
            if outcome == "booked":
                session.pop(HELD, None)
                return render_template("public/appointments/check_mail.html", booking=booking,
                                       minutes=current_settings().booking.confirm_minutes)
            general = outcome
    rules = current_settings().booking
    seconds_left = max(0, int((aware(booking.held_until) - utcnow()).total_seconds()))
    error_items = [("f-" + f.input_names[0], f.label, errors[f.name]) for f in step.fields if f.name in errors]
    return render_template(
        "public/appointments/details.html", booking=booking, step=step, errors=errors, error_items=error_items,
        inputs=inputs, prefill=_prefill(booking), general=general, entry=BY_CODE[booking.slot.service.code],
        seconds_left=seconds_left, minutes_left=seconds_left // 60, warning_seconds=HOLD_WARNING_SECONDS,
        hold_minutes=rules.hold_minutes, extensions_left=max(0, rules.hold_extensions - booking.hold_extensions),
        extended=extended)


def _extend_hold(booking: Booking) -> str | None:
    """None when the time is kept longer; else 'hold_expired' or the message why not."""
    rules = current_settings().booking
    try:
        booking_rules.extend_hold(db.session, booking, now=utcnow(), hold_minutes=rules.hold_minutes,
                                  max_extensions=rules.hold_extensions)
        db.session.commit()
    except booking_rules.BookingError as exc:
        db.session.rollback()
        if exc.code == "hold_expired":
            return exc.code
        return _("This time cannot be kept any longer. Please finish the booking before the time runs out, "
                 "or choose another time.")
    return None


def _give_details(booking: Booking, step: StepSpec) -> tuple[dict, str | None]:
    """(field errors, outcome): 'booked', 'hold_expired', a message, or None with field errors."""
    from portal.appointments.mails import send_confirmation_request
    from portal.domain.dates import PartialDate

    values, errors = step.validate(request.form)
    if errors:
        return errors, None
    person = booking_rules.Person(values["surname"], values["given_names"],
                                  PartialDate.parse(values["date_of_birth"]), values["email"], values.get("phone", ""))
    try:
        booking_rules.give_details(db.session, booking, person, now=utcnow(),
                                   confirm_minutes=current_settings().booking.confirm_minutes)
        send_confirmation_request(db.session, booking, _mail_setup())
        db.session.commit()
    except booking_rules.BookingError as exc:
        db.session.rollback()
        if exc.code == "hold_expired":
            return {}, exc.code
        return {}, _("You already have an appointment for this service. Please cancel it first with the link in "
                     "its e-mail, or keep it.")
    return {}, "booked"


def _prefill(booking: Booking) -> dict[str, str]:
    """From the application the booking belongs to: the applicant types nothing twice."""
    if booking.submission is None:
        return {}
    values = booking.submission.field_values or {}
    from portal.forms.spec import date_inputs

    out = {name: values.get(name, "") for name in ("surname", "given_names", "email", "phone")}
    out.update(date_inputs(_person_step().fields[2], values.get("date_of_birth", "")))
    return out


def _from_link(token: str, purpose: str, max_age: int | None = None) -> Booking:
    booking = links.booking_from_token(db.session, secret_keys(current_app.config), token, purpose, max_age)
    if booking is None:
        abort(404)
    return booking


@bp.get("/appointments/confirm/<token>")
@limiter.limit("30 per hour")
def appointment_confirm(token: str):
    from portal.appointments.mails import send_booking_confirmed

    booking = _from_link(token, links.CONFIRM)
    was_confirmed = booking.status == BookingStatus.CONFIRMED
    try:
        booking_rules.confirm(db.session, booking, utcnow())
    except booking_rules.BookingError:
        db.session.rollback()
        return render_template("public/appointments/hold_expired.html"), 410
    if not was_confirmed:
        send_booking_confirmed(db.session, booking, _mail_setup())
    db.session.commit()
    return redirect(url_for("public.appointment_manage", token=links.make_token(
        secret_keys(current_app.config), booking, links.MANAGE), confirmed=1))


@bp.get("/appointments/manage/<token>")
def appointment_manage(token: str):
    booking = _from_link(token, links.MANAGE)
    deadline = current_settings().booking.cancel_hours
    changeable = booking_rules.can_change(booking, utcnow(), deadline)
    return render_template("public/appointments/manage.html", booking=booking, token=token,
                           entry=BY_CODE.get(booking.slot.service.code), changeable=changeable,
                           just_confirmed=request.args.get("confirmed") == "1",
                           deadline_hours=deadline)


@bp.route("/appointments/manage/<token>/cancel", methods=["GET", "POST"])
def appointment_cancel(token: str):
    """Cancelling asks first (with room for an optional reason); only the confirming button of
    that page cancels, so a stray click on the manage page never does."""
    from portal.appointments.mails import send_booking_cancelled

    booking = _from_link(token, links.MANAGE)
    deadline = current_settings().booking.cancel_hours
    if booking.status != BookingStatus.CONFIRMED or not booking_rules.can_change(booking, utcnow(), deadline):
        return redirect(url_for("public.appointment_manage", token=token))
    if request.method == "POST" and request.form.get("confirm") == "yes":
        try:
            booking_rules.cancel(db.session, booking, utcnow(), deadline_hours=deadline,
                                 reason=request.form.get("reason", ""))
            send_booking_cancelled(db.session, booking, _mail_setup())
            db.session.commit()
        except booking_rules.BookingError:
            db.session.rollback()
        return redirect(url_for("public.appointment_manage", token=token))
    return render_template("public/appointments/cancel.html", booking=booking, token=token,
                           entry=BY_CODE.get(booking.slot.service.code),
                           reason_length=booking_rules.CANCEL_REASON_LENGTH)


@bp.route("/appointments/manage/<token>/move", methods=["GET", "POST"])
def appointment_move(token: str):
    from portal.appointments.mails import send_booking_confirmed

    booking = _from_link(token, links.MANAGE)
    now = utcnow()
    deadline = current_settings().booking.cancel_hours
    if not booking_rules.can_change(booking, now, deadline) or booking.status != BookingStatus.CONFIRMED:
        return redirect(url_for("public.appointment_manage", token=token))
    slot = booking.slot
    error = None
    if request.method == "POST" and not form_row_id(request.form, "slot"):
        error = _("Please choose a time.")  # none is chosen beforehand
    elif request.method == "POST":
        try:
            booking_rules.reschedule(db.session, booking, form_row_id(request.form, "slot") or 0, now,
                                     deadline_hours=deadline)
            send_booking_confirmed(db.session, booking, _mail_setup(), moved=True)
            db.session.commit()
            return redirect(url_for("public.appointment_manage", confirmed=1, token=links.make_token(
                secret_keys(current_app.config), booking, links.MANAGE)))
        except booking_rules.SlotTaken:
            db.session.rollback()
            error = _("This time was just taken. Please choose another one.")
        except booking_rules.BookingError:
            db.session.rollback()
            error = _("This time cannot be booked. Please choose another one.")
    first, last = booking_rules.window(db.session, slot.site_id, now)
    try:
        day = date.fromisoformat(request.args.get("day", ""))
    except ValueError:
        day = None
    free = booking_rules.free_days(db.session, slot.site_id, slot.service_id, now)
    times = booking_rules.free_times_on(db.session, slot.site_id, slot.service_id, day, now) if day else []
    return render_template("public/appointments/move.html", booking=booking, token=token, free=free, day=day,
                           times=times, error=error, entry=BY_CODE.get(slot.service.code)), (409 if error else 200)


@bp.get("/appointments/manage/<token>/appointment.ics")
def appointment_ics(token: str):
    from io import BytesIO

    from flask import send_file

    from portal.appointments.mails import calendar_file

    booking = _from_link(token, links.MANAGE)
    if booking.status != BookingStatus.CONFIRMED:
        abort(404)
    return send_file(BytesIO(calendar_file(booking, _mail_setup())), mimetype="text/calendar",
                     download_name=f"{booking.reference}.ics", as_attachment=True)
