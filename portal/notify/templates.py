"""Mail texts in the recipient's language.

Each mail is two Jinja templates, `templates/mail/<name>.txt` and `<name>.html`, rendered with
the app's Jinja environment under `force_locale(language)`, so `{{ _('...') }}` comes out in the
recipient's language whatever the language of the current request.

The subject is a `lazy_gettext` string in SUBJECTS below (placeholders are context keys),
so it is extracted with the Python sources and stays one short line.

The text template uses exactly the message ids of the HTML template: `babel.cfg` extracts
`*.html` only, and this way the catalogue still holds every string of the text part
(tests/unit/test_mail_templates.py checks it).
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from portal.config import LANGUAGES
from portal.i18n import text_direction

SUBJECTS = {
    "submission_received": _l("Your application has been received – reference number %(reference)s"),
    "draft_resume": _l("Your saved application for %(service_title)s"),
    "documents_requested": _l("Documents missing for your application %(reference)s"),
    # The reminder before the deadline (portal.casework.request_reminders).
    "documents_reminder": _l("Reminder: documents missing for your application %(reference)s"),
    # The e-mail channel's acknowledgement (portal.intake.email).
    "email_received": _l("We have received your e-mail – reference number %(reference)s"),
    # Appointments (portal.appointments.mails): date and time as written in the mail.
    "booking_confirm_request": _l("Please confirm your appointment on %(date)s"),
    "booking_confirmed": _l("Your appointment on %(date)s at %(time)s is booked"),
    "booking_reminder": _l("Reminder: your appointment on %(date)s at %(time)s"),
    "booking_cancelled": _l("Your appointment on %(date)s at %(time)s has been cancelled"),
    # A caseworker's invitation to book for a submission (portal.casework.invitations).
    "appointment_invitation": _l("Please book an appointment for your application %(reference)s"),
}


@dataclass(frozen=True)
class RenderedMail:
    subject: str
    text: str
    html: str


def render_mail(name: str, language: str, **context) -> RenderedMail:
    """Render mail `name` in `language`; needs an app context (a request context is not needed)."""
    if name not in SUBJECTS:
        raise ValueError(f"unknown mail template {name!r}")
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}")
    with force_locale(language):
        # Placeholder values (a service title from the database) must not break the header line.
        subject = " ".join((str(SUBJECTS[name]) % context).split())
        context.update(subject=subject, mail_language=language, mail_direction=text_direction(language))
        text = render_template(f"mail/{name}.txt", **context)
        html = render_template(f"mail/{name}.html", **context)
    return RenderedMail(subject=subject, text=text.strip() + "\n", html=html)
