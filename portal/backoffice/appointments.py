"""Appointments in the back office: the day at a site (attendance, notes, printed list), the
phone desk booking for a caller, booking rules per site, and suspicious booking patterns.

Thin views: the rules are in portal.appointments.office, portal.appointments.capacity and
portal.appointments.booking.
Caseworkers change bookings of their own site only; team leads and admins of every site.
"""
from __future__ import annotations

from datetime import date, time, timedelta
from io import BytesIO

from flask import current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import format_date, format_datetime, get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from portal.appointments import capacity, office, site_rules
from portal.appointments.booking import BookingError, Person, SlotTaken
from portal.audit import record
from portal.backoffice import bp, loaders
from portal.backoffice.appointment_forms import (
    BookingActionForm, BookingSearchForm, BulkCancelForm, CallerBookingForm, ClosureForm, NoteForm,
    RemoveClosureForm, RulesForm, counters_form,
)
from portal.backoffice.guard import CASEWORK_STAFF, LEADS, requires_role
from portal.casework import access
from portal.config import current_settings, secret_keys
from portal.domain.dates import PartialDate
from portal.domain.office_time import office_today, to_office_time
from portal.extensions import db, get_storage
from portal.models import (
    Attendance, Booking, BookingStatus, Role, Service, ServiceCounters, Site, SiteBookingRules, SiteClosure,
    Slot,
)
from portal.models._types import utcnow

ATTENDANCE_LABELS = {Attendance.ARRIVED: _l("Arrived"), Attendance.NO_SHOW: _l("Did not come")}
BOOKING_STATUS_LABELS = {
    BookingStatus.HELD: _l("Being booked"), BookingStatus.UNCONFIRMED: _l("Not yet confirmed"),
    BookingStatus.CONFIRMED: _l("Confirmed"), BookingStatus.CANCELLED: _l("Cancelled"),
    BookingStatus.EXPIRED: _l("Expired"),
}
PATTERN_LABELS = {office.ADDRESS: _l("Same client address"), office.NETWORK: _l("Same network"),
                  office.EMAIL_DOMAIN: _l("Same e-mail domain")}
ACTION_DONE = {"arrived": _l("Arrival recorded: %(name)s."), "no_show": _l("No-show recorded: %(name)s."),
               "reset": _l("Attendance reset: %(name)s.")}


@bp.app_template_global()
def attendance_label(value: str | None) -> str:
    return str(ATTENDANCE_LABELS.get(value, "")) if value else ""


def booking_status_label(value: str) -> str:
    return str(BOOKING_STATUS_LABELS.get(value, value))


@bp.context_processor
def staff_booking_labels() -> dict:
    """The office's booking labels for back-office pages only (the applicants' are in portal/public/labels.py)."""
    return {"booking_status_label": booking_status_label}


# -- shared helpers --------------------------------------------------------------------------

def _sites() -> list[Site]:
    return list(db.session.scalars(select(Site).where(Site.is_active).order_by(Site.name)))


def _site_from(code: str | None) -> Site:
    """The site of the `site` parameter; without one, the staff member's own site."""
    if not code:
        return current_user.site
    return loaders.visible(db.session.scalar(select(Site).where(Site.code == code)))


def _day_from(text: str | None, default: date) -> date:
    """The `day` parameter (YYYY-MM-DD); anything else, or a day years away, gives the default."""
    try:
        day = date.fromisoformat(text) if text else default
    except ValueError:
        return default
    return day if abs((day - default).days) <= 3660 else default


def _may_change(site: Site) -> bool:
    return access.can_see_site(current_user, site.id)


def _visible_site_from(code: str | None, day: date) -> Site:
    """Like _site_from, for the day's list of names: refused (and audited) for another site."""
    return loaders.site_day(_site_from(code), day)


def _client() -> str:
    return request.remote_addr or ""


def _mail_setup():
    from portal.appointments.mails import BookingMailSetup

    return BookingMailSetup.of(current_settings(), secret_keys(current_app.config), get_storage())


def _name(booking: Booking) -> str:
    return ", ".join(part for part in (booking.surname, booking.given_names) if part) or booking.reference


# -- the day at a site -----------------------------------------------------------------------

@bp.get("/appointments")
@requires_role(*CASEWORK_STAFF)
def appointments_day():
    now = utcnow()
    day = _day_from(request.args.get("day"), office_today(now))
    site = _visible_site_from(request.args.get("site"), day)
    groups = office.day_listing(db.session, site.id, day, now)
    sites = [s for s in _sites() if access.can_see_site(current_user, s.id)]
    return render_template(
        "backoffice/appointments/day.html", site=site, sites=sites, day=day, groups=groups,
        prev_day=day - timedelta(days=1), next_day=day + timedelta(days=1),
        today=office_today(now), may_change=_may_change(site),
        attendance_open=day <= office_today(now),
        bookings=sum(len(g.entries) for g in groups), note_max=office.NOTE_MAX_LENGTH)


def _booking_for_change(form) -> tuple[Booking, Site]:
    site = _site_from(form.site.data)
    # booking_at_site: the booking is at `site`, so the rule on its site is the rule on `site`.
    booking = loaders.visible(office.booking_at_site(db.session, form.booking_id.data, site.id),
                              loaders.BOOKING_CHANGE)
    return booking, site


def _back_to_day(site_code: str | None = None, day: date | None = None, booking: Booking | None = None):
    args = {}
    if site_code:
        args["site"] = site_code
    if day:
        args["day"] = day.isoformat()
    anchor = f"#booking-{booking.id}" if booking is not None else ""
    return redirect(url_for("backoffice.appointments_day", **args) + anchor)


@bp.post("/appointments/attendance")
@requires_role(*CASEWORK_STAFF)
def appointment_attendance():
    form = BookingActionForm()
    if not form.validate_on_submit():
        flash(_("The booking could not be changed. Please reload the page and try again."), "error")
        return _back_to_day(request.form.get("site"))
    booking, site = _booking_for_change(form)
    try:
        office.record_attendance(db.session, booking, form.action.data, current_user, now=utcnow(),
                                 client_address=_client())
    except office.AttendanceTooEarly:
        flash(_("Arrival and no-show can be recorded from the day of the appointment on."), "error")
        return _back_to_day(site.code, form.day.data, booking)
    db.session.commit()
    flash(str(ACTION_DONE[form.action.data]) % {"name": _name(booking)}, "success")
    return _back_to_day(site.code, form.day.data, booking)


@bp.post("/appointments/note")
@requires_role(*CASEWORK_STAFF)
def appointment_note():
    form = NoteForm()
    if not form.validate_on_submit():
        message = form.note.errors[0] if form.note.errors else \
            _("The booking could not be changed. Please reload the page and try again.")
        flash(message, "error")
        return _back_to_day(request.form.get("site"))
    booking, site = _booking_for_change(form)
    office.set_note(db.session, booking, form.note.data or "", current_user, client_address=_client())
    db.session.commit()
    flash(_("Note saved: %(name)s.", name=_name(booking)), "success")
    return _back_to_day(site.code, form.day.data, booking)


@bp.get("/appointments/day.pdf")
@requires_role(*CASEWORK_STAFF)
def appointments_day_pdf():
    from portal.pdf.day_list import (
        DayListData,
        DayListLabels,
        DayListRow,
        render_day_list,
    )

    now = utcnow()
    day = _day_from(request.args.get("day"), office_today(now))
    site = _visible_site_from(request.args.get("site"), day)
    rows = [
        DayListRow(time=entry.starts_at.strftime("%H:%M"), counter=entry.counter,
                   surname=entry.booking.surname, given_names=entry.booking.given_names,
                   date_of_birth=entry.booking.date_of_birth.german() if entry.booking.dob_year else "",
                   service=entry.service.name_de, reference=entry.booking.reference,
                   arrived=entry.booking.attendance == Attendance.ARRIVED,
                   staff_booking=entry.booking.staff_booking)
        for group in office.day_listing(db.session, site.id, day, now) for entry in group.entries
    ]
    labels = DayListLabels(
        title=_("Day list"), time=_("Time"), counter=_("Counter"), name=_("Name"), service=_("Service"),
        reference=_("Reference"), arrived=_("Arrived"), born=_("born %(date)s"),
        staff_booking=_("booked by staff"), empty=_("No appointments on this day."),
        page=_("Page %(page)s of %(pages)s"))
    # gettext without arguments leaves %(date)s and %(page)s for the PDF to fill in.
    pdf = render_day_list(DayListData(
        office_name=current_settings().office.name, site_name=site.name,
        site_address=f"{site.street}, {site.postcode} {site.city}", day=format_date(day, "full"),
        printed=_("Printed on %(when)s by %(name)s", when=format_datetime(now, "short"),
                  name=current_user.full_name),
        rows=rows, labels=labels, language=str(get_locale() or "de")))
    record(db.session, "download", staff=current_user, object_type="day_list",
           object_id=f"{site.code}:{day.isoformat()}", client_address=_client(), detail={"bookings": len(rows)})
    db.session.commit()
    return send_file(BytesIO(pdf), mimetype="application/pdf",
                     download_name=f"tagesliste-{site.code}-{day.isoformat()}.pdf")


# -- the phone desk --------------------------------------------------------------------------

def _slot_label(slot: Slot) -> str:
    start = to_office_time(slot.starts_at)
    free = slot.capacity - slot.taken
    return _("%(time)s (%(free)s free)", time=start.strftime("%H:%M"), free=free)


def _chosen_slot(slot_id: int | None, site: Site, service: Service, day: date) -> Slot | None:
    """The posted time, if it is a time of this site, service and day (free or not)."""
    slot = db.session.get(Slot, slot_id) if slot_id else None
    if slot is None or slot.site_id != site.id or slot.service_id != service.id \
            or to_office_time(slot.starts_at).date() != day:
        return None
    return slot


@bp.route("/appointments/book", methods=["GET", "POST"])
@requires_role(*CASEWORK_STAFF)
def appointment_book():
    now = utcnow()
    today = office_today(now)
    sites = _sites()
    # A link may bring only the site: the form is checked once it was sent (it sends all three).
    asked = "service" in request.args
    search = BookingSearchForm(request.args if request.args else None, site=current_user.site.code, day=today)
    search.site.choices = [SelectChoice(s.code, s.name) for s in sites]
    site = next((s for s in sites if s.code == search.site.data), None)
    services = office.bookable_services(db.session, site.id) if site else []
    search.service.choices = [SelectChoice("", _("Please choose"))] + [SelectChoice(s.code, s.name_de) for s in services]
    service = day = None
    if asked and search.validate():
        service = next((s for s in services if s.code == search.service.data), None)
        day = search.day.data
        if day < today:
            search.day.errors.append(_("Choose today or a later day."))
            day = None
        elif day > today + timedelta(days=366):
            search.day.errors.append(_("Choose a day within the next year."))
            day = None

    form = CallerBookingForm()
    free, next_days = [], []
    if site and service and day:
        free = office.staff_free_times(db.session, site.id, service.id, day, now)
        if not free:
            next_days = office.staff_free_days(db.session, site.id, service.id, day, now)
    form.slot_id.choices = [SelectChoice(str(slot.id), _slot_label(slot)) for slot in free]

    if request.method == "POST" and site and service and day and form.validate_on_submit():
        slot = _chosen_slot(form.slot_id.data, site, service, day)
        if slot is None:
            form.slot_id.errors.append(_("Choose one of the free times."))
        else:
            try:
                booking = _book(slot, form, now)
            except SlotTaken:
                db.session.rollback()
                form.slot_id.errors.append(_("This time has just been taken. Please choose another time."))
                free = office.staff_free_times(db.session, site.id, service.id, day, now)
                form.slot_id.choices = [SelectChoice(str(s.id), _slot_label(s)) for s in free]
                form.slot_id.data = None
            except BookingError as exc:
                db.session.rollback()
                form.slot_id.errors.append(
                    _("This person already has an open appointment for this service.")
                    if exc.code == "already_booked"
                    else _("This time can no longer be booked. Please choose another time."))
            else:
                flash(_("The appointment is booked."), "success")
                return redirect(url_for("backoffice.appointment_booking", reference=booking.reference))
    return render_template("backoffice/appointments/book.html", search=search, form=form, site=site,
                           service=service, day=day, free=free, next_days=next_days, today=today)


def _book(slot: Slot, form: CallerBookingForm, now) -> Booking:
    person = Person(surname=form.surname.data, given_names=form.given_names.data or "",
                    date_of_birth=PartialDate.parse(form.date_of_birth.data), email=form.email.data or "",
                    phone=form.phone.data)
    booking = office.book_by_phone(db.session, slot.id, person, current_user, language=form.language.data,
                                   now=now, mail_setup=_mail_setup(), client_address=_client())
    db.session.commit()
    return booking


@bp.get("/appointments/booking")
@requires_role(*CASEWORK_STAFF)
def appointment_booking():
    reference = request.args.get("reference", "").strip().upper()
    if not reference:
        return redirect(url_for("backoffice.appointments_day"))
    booking = loaders.booking(reference)
    record(db.session, "view", staff=current_user, object_type="booking", object_id=booking.reference,
           client_address=_client())
    db.session.commit()
    return render_template("backoffice/appointments/booking.html", booking=booking,
                           starts_at=to_office_time(booking.slot.starts_at))


# -- booking rules per site (admin) ----------------------------------------------------------

def _appointment_services() -> list[Service]:
    return list(db.session.scalars(select(Service).where(Service.is_active, Service.needs_appointment)
                                   .order_by(Service.name_de)))


def _counters_of(site: Site) -> dict[int, ServiceCounters]:
    return {c.service_id: c for c in db.session.scalars(
        select(ServiceCounters).where(ServiceCounters.site_id == site.id))}


def _rules_of(site: Site) -> SiteBookingRules:
    rules = db.session.get(SiteBookingRules, site.id)
    if rules is None:  # the defaults of the model, not yet stored
        rules = SiteBookingRules(site_id=site.id, window_days=56, min_notice_days=1, release_time=time(7, 0))
    return rules


def _rules_page(site: Site, *, rules_form=None, counters=None, closure_form=None):
    services = _appointment_services()
    rules = _rules_of(site)
    existing = _counters_of(site)
    if counters is None:
        data = {}
        for service in services:
            row = existing.get(service.id)
            data[f"counters_{service.id}"] = row.counters if row else 0
            data[f"staff_{service.id}"] = row.staff_counters if row else 0
        counters = counters_form(services, formdata=None, data=data)
    rules_form = rules_form or RulesForm(formdata=None, obj=rules)
    closure_form = closure_form or ClosureForm(formdata=None)
    now = utcnow()
    closed_days = capacity.bookings_on_closed_days(db.session, site.id, now)
    forms = [f for f in (rules_form, counters, closure_form) if f.errors]
    return render_template(
        "backoffice/appointments/rules.html", site=site, sites=_sites(), services=services,
        rules_form=rules_form, counters=counters, closure_form=closure_form, closed_days=closed_days,
        form=forms[0] if forms else None)


@bp.get("/admin/booking-rules")
@requires_role(Role.ADMIN)
def booking_rules():
    return _rules_page(_site_from(request.args.get("site")))


def _after_change(site: Site, message: str):
    flash(message, "success")
    return redirect(url_for("backoffice.booking_rules", site=site.code))


@bp.post("/admin/booking-rules/window")
@requires_role(Role.ADMIN)
def booking_rules_window():
    site = _site_from(request.args.get("site"))
    form = RulesForm()
    if not form.validate_on_submit():
        return _rules_page(site, rules_form=form)
    site_rules.change_window(db.session, site, current_user, window_days=form.window_days.data,
                             min_notice_days=form.min_notice_days.data, release_time=form.release_time.data,
                             now=utcnow(), client_address=_client())
    db.session.commit()
    return _after_change(site, _("Booking rules saved for %(site)s.", site=site.name))


@bp.post("/admin/booking-rules/counters")
@requires_role(Role.ADMIN)
def booking_rules_counters():
    site = _site_from(request.args.get("site"))
    services = _appointment_services()
    form = counters_form(services, formdata=request.form)
    if not form.validate_on_submit():
        return _rules_page(site, counters=form)
    wanted = {service: (form[f"counters_{service.id}"].data, form[f"staff_{service.id}"].data)
              for service in services}
    changed = site_rules.change_counters(db.session, site, current_user, wanted, now=utcnow(),
                                         client_address=_client())
    db.session.commit()
    updated, kept = changed.updated, changed.kept
    message = _("Counters saved for %(site)s: %(updated)s future times changed, %(created)s new times.",
                site=site.name, updated=updated, created=changed.created)
    if kept:
        message += " " + ngettext("%(num)s time keeps its old numbers because more is booked there than the "
                                  "new numbers allow.", "%(num)s times keep their old numbers because more "
                                  "is booked there than the new numbers allow.", kept)
    return _after_change(site, message)


@bp.post("/admin/booking-rules/closures")
@requires_role(Role.ADMIN)
def booking_rules_add_closure():
    site = _site_from(request.args.get("site"))
    form = ClosureForm()
    if not form.validate_on_submit():
        return _rules_page(site, closure_form=form)
    try:
        closure, affected = site_rules.close_day(db.session, site, current_user, form.day.data, form.reason.data,
                                                 now=utcnow(), client_address=_client())
    except capacity.ClosureError as error:
        db.session.rollback()
        messages = {"past_day": _("The day is in the past."),
                    "too_far": _("Closed days can be entered up to two years ahead."),
                    "already_closed": _("The site is already closed on that day.")}
        form.day.errors.append(messages[error.code])
        return _rules_page(site, closure_form=form)
    db.session.commit()
    if affected:
        flash(_("%(site)s is closed on %(day)s.", site=site.name, day=format_date(closure.day, "long")) + " "
              + ngettext("%(num)s booking on that day is kept until you cancel it below.",
                         "%(num)s bookings on that day are kept until you cancel them below.", len(affected)),
              "warning")
        return redirect(url_for("backoffice.booking_rules", site=site.code) + f"#closure-{closure.id}")
    return _after_change(site, _("%(site)s is closed on %(day)s.", site=site.name,
                                 day=format_date(closure.day, "long")))


@bp.post("/admin/booking-rules/closures/remove")
@requires_role(Role.ADMIN)
def booking_rules_remove_closure():
    site = _site_from(request.args.get("site"))
    form = RemoveClosureForm()
    closure = db.session.get(SiteClosure, form.closure_id.data) if form.validate_on_submit() else None
    if closure is None or closure.site_id != site.id:
        flash(_("The closure could not be removed. Please reload the page and try again."), "error")
        return redirect(url_for("backoffice.booking_rules", site=site.code))
    day = closure.day
    site_rules.open_day(db.session, site, current_user, closure, now=utcnow(), client_address=_client())
    db.session.commit()
    return _after_change(site, _("%(site)s is open again on %(day)s.", site=site.name, day=format_date(day, "long")))


# -- suspicious patterns and cancelling by the office ----------------------------------------

def _threshold() -> int:
    try:
        value = int(request.args.get("threshold", office.SUSPICIOUS_THRESHOLD))
    except ValueError:
        value = office.SUSPICIOUS_THRESHOLD
    return min(max(value, 1), 100)


@bp.get("/appointments/suspicious")
@requires_role(*LEADS)
def appointments_suspicious():
    threshold = _threshold()
    groups = office.suspicious_groups(db.session, utcnow(), threshold)
    return render_template("backoffice/appointments/suspicious.html", groups=groups, threshold=threshold,
                           pattern_labels=PATTERN_LABELS)


@bp.post("/appointments/cancel")
@requires_role(*LEADS)
def appointments_cancel():
    form = BulkCancelForm()
    site_code = form.site.data or ""
    back = url_for("backoffice.booking_rules", site=site_code) if form.back.data == "rules" and site_code \
        else url_for("backoffice.appointments_suspicious")
    ids = [int(value) for value in request.form.getlist("booking") if value.isdigit()]
    if not form.validate_on_submit() or not ids:
        if not ids:
            flash(_("Select the bookings to cancel."), "error")
        for message in form.reason.errors:
            flash(message, "error")
        return redirect(back)
    outcome = office.cancel_by_office(db.session, ids, utcnow(), reason=form.reason.data, staff=current_user,
                                      mail_setup=_mail_setup(), client_address=_client())
    db.session.commit()
    if outcome.cancelled:
        flash(ngettext("%(num)s booking cancelled; applicants with an e-mail address are told.",
                       "%(num)s bookings cancelled; applicants with an e-mail address are told.",
                       len(outcome.cancelled)), "success")
    if outcome.skipped:
        flash(ngettext("%(num)s booking was not cancelled: it is past or no longer active.",
                       "%(num)s bookings were not cancelled: they are past or no longer active.",
                       len(outcome.skipped)), "warning")
    return redirect(back)
