"""Forms of the back office's appointment pages (Flask-WTF: the POST forms carry a CSRF token)."""
from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from flask_wtf import FlaskForm
from wtforms import (
    DateField, EmailField, HiddenField, IntegerField, RadioField, SelectChoice, SelectField, StringField,
    TelField, TextAreaField, TimeField,
)
from wtforms.validators import (
    Email, InputRequired, Length, NumberRange, Optional, Regexp, ValidationError,
)

from portal.appointments.office import NOTE_MAX_LENGTH
from portal.config import LANGUAGES
from portal.domain.dates import InvalidPartialDate, PartialDate
from portal.i18n import AUTONYMS

MAX_COUNTERS = 50


def _stripped(value):
    return value.strip() if isinstance(value, str) else value


# -- the day view's buttons --------------------------------------------------------------------

class BookingActionForm(FlaskForm):
    """Arrived, no-show or reset, for one booking of the site and day shown."""
    booking_id = IntegerField(validators=[InputRequired()])
    site = StringField(validators=[InputRequired(), Length(max=16)])
    day = DateField(validators=[InputRequired()])
    action = SelectField(choices=[SelectChoice("arrived"), SelectChoice("no_show"), SelectChoice("reset")],
                         validators=[InputRequired()])


class NoteForm(FlaskForm):
    booking_id = IntegerField(validators=[InputRequired()])
    site = StringField(validators=[InputRequired(), Length(max=16)])
    day = DateField(validators=[InputRequired()])
    note = TextAreaField(_l("Note"), filters=[_stripped], validators=[
        Length(max=NOTE_MAX_LENGTH, message=lazy_ngettext("A note can have at most %(num)d character.",
                                                          "A note can have at most %(num)d characters.",
                                                          NOTE_MAX_LENGTH))])


# -- the phone desk --------------------------------------------------------------------------

class BookingSearchForm(FlaskForm):
    """Site, service and day (a GET form: no token, nothing changes)."""

    class Meta:
        csrf = False

    site = SelectField(_l("Site"), validators=[InputRequired(_l("Choose a site."))])
    service = SelectField(_l("Service"), validators=[InputRequired(_l("Choose a service."))])
    day = DateField(_l("Day"), validators=[InputRequired(_l("Enter the day as a date."))])


def _partial_birth_date(form, field):
    try:
        value = PartialDate.parse(field.data or "")
    except InvalidPartialDate:
        raise ValidationError(_("Enter the date of birth as DD.MM.YYYY; 00 for an unknown day or month.")) from None
    if value.year is None or value.year < 1900 or (value.year, value.month or 1, value.day or 1) > \
            (date.today().year, date.today().month, date.today().day):
        raise ValidationError(_("The date of birth cannot be in the future or before 1900."))
    field.partial = value


class CallerBookingForm(FlaskForm):
    slot_id = RadioField(_l("Time"), coerce=int, validate_choice=False,  # checked by the view
                         validators=[InputRequired(_l("Choose a time."))])
    surname = StringField(_l("Surname"), filters=[_stripped], validators=[
        InputRequired(_l("Enter the surname.")), Length(max=200)])
    given_names = StringField(_l("Given names"), filters=[_stripped], validators=[Length(max=200)])
    date_of_birth = StringField(_l("Date of birth"), filters=[_stripped], validators=[
        InputRequired(_l("Enter the date of birth.")), _partial_birth_date])
    phone = TelField(_l("Phone number"), filters=[_stripped], validators=[
        InputRequired(_l("Enter a phone number to call back.")), Length(max=40),
        Regexp(r"^\+?[0-9 ()/.-]{4,40}$", message=_l("Enter the phone number with digits only, e.g. 06441 12345."))])
    email = EmailField(_l("E-mail address (optional)"), filters=[_stripped], validators=[
        Optional(), Length(max=254), Email(message=_l("Enter a valid e-mail address or leave the field empty."))])
    language = SelectField(_l("Language of the caller"), default="de",
                           choices=[SelectChoice(code, AUTONYMS[code]) for code in LANGUAGES])


# -- booking rules (admin) -------------------------------------------------------------------

class RulesForm(FlaskForm):
    window_days = IntegerField(_l("Booking window in days"), validators=[
        InputRequired(_l("Enter the booking window.")),
        NumberRange(1, 365, _l("The booking window must be between 1 and 365 days."))])
    min_notice_days = IntegerField(_l("Minimum notice in days"), validators=[
        InputRequired(_l("Enter the minimum notice.")),
        NumberRange(0, 30, _l("The minimum notice must be between 0 and 30 days."))])
    release_time = TimeField(_l("New days open at"), validators=[
        InputRequired(_l("Enter the time as HH:MM."))])


def counters_form(services, formdata=None, data=None) -> FlaskForm:
    """One pair of fields per service that needs an appointment: counters, and how many of
    them are kept for staff (`counters_<id>`, `staff_<id>`)."""

    class CountersForm(FlaskForm):
        def validate(self, extra_validators=None):
            valid = super().validate(extra_validators)
            for service in services:
                total, staff = self[f"counters_{service.id}"], self[f"staff_{service.id}"]
                if not total.errors and not staff.errors and staff.data > total.data:
                    staff.errors.append(_("The places kept for staff cannot be more than the counters."))
                    valid = False
            return valid

    for service in services:
        setattr(CountersForm, f"counters_{service.id}", IntegerField(
            _l("%(service)s: counters", service=service.name_de), validators=[
                InputRequired(_l("Enter the number of counters.")),
                NumberRange(0, MAX_COUNTERS, _l("Enter a number from 0 to %(max)d.", max=MAX_COUNTERS))]))
        setattr(CountersForm, f"staff_{service.id}", IntegerField(
            _l("%(service)s: kept for staff", service=service.name_de), validators=[
                InputRequired(_l("Enter how many counters are kept for staff.")),
                NumberRange(0, MAX_COUNTERS, _l("Enter a number from 0 to %(max)d.", max=MAX_COUNTERS))]))
    return CountersForm(formdata=formdata, data=data)


class ClosureForm(FlaskForm):
    day = DateField(_l("Day"), validators=[InputRequired(_l("Enter the day as a date."))])
    reason = StringField(_l("Reason"), filters=[_stripped], validators=[
        InputRequired(_l("Enter the reason.")), Length(max=200)])


class RemoveClosureForm(FlaskForm):
    closure_id = IntegerField(validators=[InputRequired()])


# -- cancelling by the office ----------------------------------------------------------------

class BulkCancelForm(FlaskForm):
    reason = TextAreaField(_l("Reason for the cancellation"), filters=[_stripped], validators=[
        InputRequired(_l("Enter the reason; it is sent to the applicants.")), Length(max=500)])
    back = HiddenField()
    site = HiddenField()
